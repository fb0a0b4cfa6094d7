// Public face of the cluster stage (DESIGN.md § Beyond one machine): cluster settings from the
// environment, the partitions of the reading log, the log on NATS JetStream, fenced partition
// leases and the rule-state checkpoints in PostgreSQL.
export { ClusterEnv, ClusterSettings, clusterFromEnv, defaultNodeId, type ClusterEnvResult } from './env.js';
export {
  ALL_LEASES,
  PARTITIONS,
  SUBJECT_PREFIX,
  TIMERS,
  areaPartition,
  devicePartition,
  fnv1a32,
  isPartitionName,
  partitionOf,
  subjectOf,
} from './partition.js';
export { ClusterError, type ClusterErrorCode } from './errors.js';
export {
  DEFAULT_STREAM,
  DUPLICATE_WINDOW_MS,
  openReadingLog,
  type PublishAck,
  type ReadingLog,
  type ReadingLogOptions,
} from './reading-log.js';
export type { LogReader, LoggedMessage, OnBatch } from './log-reader.js';
export { readClusterStatus, startLeaseManager, type LeaseManager, type LeaseManagerOptions } from './leases.js';
export { ClusterStatus, holdsLease } from './lease-sql.js';
export { CLUSTER_SCHEMA_SQL, ensureClusterSchema } from './schema.js';
export { createCheckpoints, type Checkpoint, type CheckpointSave, type Checkpoints } from './checkpoints.js';
export { startPartition, type PartitionRunner, type PartitionRunnerDeps } from './partition-runner.js';
export { createPartitionedEngine, isAreaRule, rulesOfPartition, type PartitionedEngine } from './partitioned-engine.js';
export { startReadingPublisher, type ReadingPublisher } from './publisher.js';
export { ALERTS_COMMITTED, startAlertFanout, type AlertFanout } from './fanout.js';
export { RULES_CHANGED, startRuleSync, type RuleSync } from './rule-sync.js';
