// A cell worker thread (node:worker_threads): the sources are TypeScript, so the thread registers
// tsx's loader first, as bin/uclab.mjs does for the main thread, then runs cell-worker.ts.
import { register } from 'tsx/esm/api';

register();
await import('./cell-worker.ts');
