#!/usr/bin/env node
// Entry point for `npx uclab`: the sources are TypeScript, run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../emulator/cli/main.ts');
