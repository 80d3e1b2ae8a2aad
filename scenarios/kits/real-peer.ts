/**
 * Real peer programs in scenario steps: what an engineer runs by hand against the lab (seed 000: TAC's
 * `openssl s_client -connect ...:2443 -tls1 -cert ... -key ...`). The same contract as the tests' peer
 * helper (test/support/peers.ts): a program that is not installed skips its step with a loud notice on
 * stderr, and under CI (`CI=true`) a missing program fails the step. Each run, or skip, goes on the
 * timeline (`peer.run`), where expectations read it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../devices/peers/events.ts';
import type { LabEvent } from '../../emulator/events.ts';
import type { Lab } from '../../emulator/lab.ts';
import { StepFailed } from '../../emulator/runner.ts';

/** `s_client -msg` prints every handshake message in hex: a chain of three certificates is ~30 kB. */
const OUTPUT_LIMIT = 64 * 1024;

export interface PeerRun {
  program: string;
  args: string[];
  purpose: string;
  /** Files the program reads, by name: written to a private temporary folder, keys 0600. */
  files?: Record<string, string>;
  /** Argument placeholders `{file:<name>}` are replaced by the file's path. */
  timeoutMs?: number;
}

function runToEnd(
  program: string,
  args: string[],
  timeoutMs: number,
): Promise<{ missing: boolean; code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const keep = (s: string, d: Buffer) => (s.length < OUTPUT_LIMIT ? s + d.toString() : s);
    child.stdout.on('data', (d: Buffer) => {
      out = keep(out, d);
    });
    child.stderr.on('data', (d: Buffer) => {
      err = keep(err, d);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ missing: e.code === 'ENOENT', code: null, output: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ missing: false, code, output: `${out}${err}`.slice(0, OUTPUT_LIMIT) });
    });
    // s_client ends the session at end of input, once its handshake is done. A peer gone before it
    // reads closes the pipe: EPIPE there must not end the lab's process.
    child.stdin.on('error', () => {});
    child.stdin.end();
  });
}

/**
 * Runs `run.program` to completion and records it on the timeline (device `engineer`). Not installed:
 * a loud notice and a `missing` record (the expectations reading it say SKIPPED), or under CI a failure.
 */
export async function runPeer(lab: Lab, run: PeerRun): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'uclab-peer-'));
  try {
    const paths: Record<string, string> = {};
    for (const [name, text] of Object.entries(run.files ?? {})) {
      const p = join(dir, name);
      writeFileSync(p, text, { mode: 0o600 });
      paths[name] = p;
    }
    const args = run.args.map((a) => a.replace(/\{file:([^}]+)\}/g, (_, n: string) => paths[n] ?? n));
    const r = await runToEnd(run.program, args, run.timeoutMs ?? 15_000);
    if (r.missing) {
      process.stderr.write(`\n*** SKIPPED "${run.purpose}": peer program ${run.program} not installed ***\n`);
      lab.timeline.emit('engineer', 'peer.run', {
        program: run.program,
        args: run.args,
        purpose: run.purpose,
        outcome: 'missing',
        exitCode: null,
        output: '',
      });
      if (process.env.CI)
        throw new StepFailed(`peer program ${run.program} missing under CI: .ci/run must install it`);
      return;
    }
    lab.timeline.emit('engineer', 'peer.run', {
      program: run.program,
      args: run.args,
      purpose: run.purpose,
      outcome: 'ran',
      exitCode: r.code,
      output: r.output,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The latest run of `program` on the timeline. */
export function lastPeerRun(lab: Lab, program: string): LabEvent<'peer.run'> | undefined {
  return lab.timeline
    .ofKind('peer.run', 'engineer')
    .filter((e) => e.program === program)
    .at(-1);
}
