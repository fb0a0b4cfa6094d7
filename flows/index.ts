// Public face of flows/: Node-RED embedded at /flows with the citysense nodes, and the bridge
// app/ builds for them.
export { AlertNodeConfig, MsgAlert, flowDetection, type AlertInput, type AlertResult } from './alert.js';
export { createFlowsBridge, IncidentFilter, type FlowsBridge, type FlowsBridgeOptions, type IncidentChange } from './bridge.js';
export { startFlows, type FlowsOptions, type RunningFlows } from './embed.js';
export { FlowsError } from './errors.js';
export { NODES_DIR } from './settings.js';
