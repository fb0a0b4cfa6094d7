// Entry of the telemetry writer thread. The sources are TypeScript run through tsx (see
// bin/citysense.js); a worker thread does not inherit the parent's loader, so it registers its own.
import { register } from 'tsx/esm/api';

register();
await import('./telemetry-worker.ts');
