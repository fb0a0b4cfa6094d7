// Public face of the simulators stage: `citysense simulate` and the demo simulation.
export { createRng, hashString, type Rng } from './random.js';
export { createFleet, FleetOptions, SHANGHAI, SENSOR_TYPES, type Device, type Fleet, type SensorType } from './fleet.js';
export { createScenario, ScenarioName, ScenarioOptions, type Scenario } from './scenarios.js';
export { statusTopic, topicOf, type Emission, type PublishEmission } from './payloads.js';
export { droneBattery, droneTelemetry } from './drone.js';
export { corrupt, renderMessage, MALFORMATIONS, type Malformation, type OutgoingMessage } from './malformed.js';
export { Credentials, SimulateOptions, loadDeviceCredentials, parseSimulateOptions, type SimulateOptionsInput } from './options.js';
export { runSimulation, type RunDependencies, type SimulationProgress, type SimulationSummary } from './run.js';
export { SIMULATE_HELP, createProgressPrinter, formatProgress, formatSummary, parseSimulateArgs, type SimulateArgsResult } from './cli.js';
export { SimulationOptionsError, type Issue } from './errors.js';
