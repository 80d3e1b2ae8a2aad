/** Runs the real `uclab` command line (bin/uclab.mjs) as a user would. */
import { resolve } from 'node:path';
import { type RunResult, run, startPeer } from './peers.ts';

export const UCLAB = resolve(import.meta.dirname, '..', '..', 'bin', 'uclab.mjs');

export function uclab(args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return run(process.execPath, [UCLAB, ...args], { timeoutMs: opts.timeoutMs ?? 60_000, cwd: opts.cwd });
}

/** Starts a long-running `uclab` (e.g. `up`) and resolves when its output matches `ready`. */
export function uclabUntil(args: string[], ready: RegExp, timeoutMs = 30_000) {
  return startPeer(process.execPath, [UCLAB, ...args], ready, { timeoutMs });
}
