/** Runs the real `uclab` command line (bin/uclab.mjs) as a user would. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { type RunResult, run, startPeer } from './peers.ts';

export const REPO = resolve(import.meta.dirname, '..', '..');
export const UCLAB = resolve(REPO, 'bin', 'uclab.mjs');

export function uclab(args: string[], opts: { timeoutMs?: number; cwd?: string } = {}): Promise<RunResult> {
  return run(process.execPath, [UCLAB, ...args], { timeoutMs: opts.timeoutMs ?? 60_000, cwd: opts.cwd });
}

/** Starts a long-running `uclab` (e.g. `up`) and resolves when its output matches `ready`. */
export function uclabUntil(args: string[], ready: RegExp, timeoutMs = 30_000) {
  return startPeer(process.execPath, [UCLAB, ...args], ready, { timeoutMs });
}

/** The same, started through `npx uclab` from the repository (npm exec, then sh, then node). */
export function npxUclabUntil(args: string[], ready: RegExp, timeoutMs = 60_000) {
  return startPeer('npx', ['uclab', ...args], ready, { timeoutMs, cwd: REPO });
}

/** How a child process ended. */
export interface Ending {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * Sends `signal` and waits for the process to end by itself (no SIGKILL unless `timeoutMs` passes, which
 * fails the test): the point is to see how it ends.
 */
export function signalAndWait(
  child: ChildProcess,
  signal: NodeJS.Signals,
  timeoutMs = 20_000,
): Promise<Ending> {
  return new Promise((done, fail) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      done({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`the process did not end within ${timeoutMs} ms of ${signal}`));
    }, timeoutMs);
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      done({ code, signal: sig });
    });
    child.kill(signal);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until a process that is not our child (e.g. the node under npx) has ended; false on timeout. */
export async function processEnded(pid: number, timeoutMs = 20_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Ends a process we did not spawn, by its pid (test cleanup only). */
export function killPid(pid: number): void {
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Whether a TCP connection to `address:port` is refused (nothing listens there any more). */
export function refused(address: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = connect({ host: address, port });
    s.once('connect', () => {
      s.destroy();
      done(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED'));
  });
}

/** The events of a lab's `timeline.jsonl` (written when the lab stopped in order). */
export function timelineOf(artifacts: string): { kind: string; reason?: string }[] {
  return readFileSync(resolve(artifacts, 'timeline.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}
