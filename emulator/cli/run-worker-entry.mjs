// A `uclab run` worker thread (node:worker_threads): the sources are TypeScript and scenario files may
// live in any folder, so the thread registers the same loaders as bin/uclab.mjs (tsx's, then
// module-hooks.mjs) before it runs run-worker.ts. Loader hooks are per thread: the main thread's do
// not apply here.
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

register();
registerHooks('./module-hooks.mjs', import.meta.url);
await import('./run-worker.ts');
