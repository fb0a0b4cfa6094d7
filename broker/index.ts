// Public face of the broker stage.
export { createBroker, BrokerConfig } from './broker.js';
export type { AckGate } from './ack-gate.js';
export type { BrokerConfigInput, BrokerDeps, BrokerRefusal, BrokerStats, CitysenseBroker } from './broker.js';
export { loadRegistry, createRegistry, Device, DeviceEntry, RegistryFile } from './registry.js';
export type { Registry, DeviceEntryInput } from './registry.js';
export { hashPassword, verifyPassword } from './password.js';
export { RegistryError } from './errors.js';
export { disconnectedCleanly } from './departure.js';
export type { Identity } from './acl.js';
export { Rejection, RejectReason, Issue, rejectionTopic, publishRejection, REJECTED_PREFIX } from './rejection.js';
export { BrokerLimits, createTokenBuckets, type BrokerLimitsInput } from './limits.js';
export { loadTlsFiles, type TlsFiles } from './tls.js';
export { TlsError } from './errors.js';
