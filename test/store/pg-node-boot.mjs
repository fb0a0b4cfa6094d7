// Entry of a test "node" thread (pg-node.ts): a worker thread does not inherit vitest's loader, so it registers tsx.
import { register } from 'tsx/esm/api';

register();
await import('./pg-node.ts');
