/** Shared helpers for the peer-model tests: labs that stop after each test, PEM files for real peers. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import '../../devices/peers/index.ts';
import { Lab } from '../../emulator/lab.ts';

const labs: Lab[] = [];

afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

/** A lab built from `devices` and started; stopped after the test. */
export async function startLab(name: string, devices: Record<string, unknown>[]): Promise<Lab> {
  const lab = await Lab.create({ name });
  labs.push(lab);
  const r = lab.build({ devices: devices as never });
  if (!r.ok) throw new Error(r.error.message);
  await lab.start();
  return lab;
}

/** An empty lab (for tests that add hosts by hand); stopped after the test. */
export async function emptyLab(name: string): Promise<Lab> {
  const lab = await Lab.create({ name });
  labs.push(lab);
  return lab;
}

/** Writes PEM texts to files in a fresh temporary folder; returns their paths by name. */
export function pemFiles(files: Record<string, string>): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'uclab-peers-'));
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    writeFileSync(p, text);
    out[name] = p;
  }
  return out;
}
