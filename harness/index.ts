// Processes the tests and the benchmarks both start: a real influxd, nats-server and PostgreSQL, the service as a child process.
export * from './influxd.js';
export * from './spawn-service.js';
export * from './cluster-servers.js';
