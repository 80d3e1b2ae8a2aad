// Test helper: run the real openssl CLI on files written to a fresh temp dir.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

export interface RunResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/** Write `files` into a temp dir, run openssl there with `args`, and clean up. */
export function openssl(args: string[], files: Record<string, string | Uint8Array> = {}): RunResult {
  const dir = mkdtempSync(join(tmpdir(), 'uclab-pki-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const r = spawnSync(OPENSSL, args, { cwd: dir, encoding: 'utf8' });
    if (r.error) throw r.error;
    return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
