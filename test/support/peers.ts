/**
 * Real peer programs (openssl, curl, atftp, tftp-hpa, tshark, gnutls-cli). A peer missing on a
 * developer machine skips its tests with a loud notice; under CI (`CI=true`) a missing peer fails.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { it } from 'vitest';

const cache = new Map<string, boolean>();

export function hasPeer(cmd: string): boolean {
  let found = cache.get(cmd);
  if (found === undefined) {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      found = true;
    } catch {
      found = false;
    }
    cache.set(cmd, found);
  }
  return found;
}

/** `it` for a test that needs real peer programs. */
export function itWithPeers(peers: string[], name: string, fn: () => Promise<void>, timeout?: number): void {
  const missing = peers.filter((p) => !hasPeer(p));
  if (missing.length === 0) {
    it(name, fn, timeout);
  } else if (process.env.CI) {
    it(name, () => {
      throw new Error(`peer program(s) ${missing.join(', ')} missing under CI: .ci/run must install them`);
    });
  } else {
    process.stderr.write(
      `\n*** SKIPPED "${name}": peer program(s) ${missing.join(', ')} not installed ***\n`,
    );
    it.skip(name, fn);
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a peer program to completion with a hard timeout; never throws on a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A peer that exits before reading its input (tshark reading a file, a tool that fails at once)
    // closes the pipe: EPIPE on stdin is no error of the run, whose exit code says what happened.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Starts a long-running peer and resolves once its output matches `ready` (no fixed sleeps). */
export function startPeer(
  cmd: string,
  args: string[],
  ready: RegExp,
  opts: { timeoutMs?: number; cwd?: string } = {},
): Promise<{ child: ChildProcess; output: () => string; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let done = false;
    const stop = () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null || child.signalCode !== null) return res();
        child.once('close', () => res());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!done && ready.test(out)) {
        done = true;
        clearTimeout(timer);
        resolve({ child, output: () => out, stop });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(
        new Error(`${cmd} did not print ${ready} within ${opts.timeoutMs ?? 15_000} ms; it printed: ${out}`),
      );
    }, opts.timeoutMs ?? 15_000);
    child.on('error', (e) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(e);
      }
    });
    child.on('close', (code) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`${cmd} exited with ${code} before it was ready: ${out}`));
      }
    });
  });
}
