#!/usr/bin/env node
// Entry point for `npx uclab`: the sources are TypeScript, run through tsx's loader. The hooks
// registered after tsx's run first: they resolve `uclab` to this package and load scenario files
// outside any `"type": "module"` package as ES modules (emulator/cli/module-hooks.mjs).
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

register();
registerHooks('../emulator/cli/module-hooks.mjs', import.meta.url);
await import('../emulator/cli/main.ts');
