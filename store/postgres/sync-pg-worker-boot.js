// Entry of the synchronous PostgreSQL client's connection thread (sync-pg.ts). The sources are
// TypeScript run through tsx (see bin/citysense.js); a worker thread does not inherit the
// parent's loader, so it registers its own.
import { register } from 'tsx/esm/api';

register();
await import('./sync-pg-worker.ts');
