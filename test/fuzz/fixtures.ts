/**
 * Regression fixtures: inputs the fuzzer found, one file each, replayed by test/fuzz/fuzz.test.ts.
 *
 * - `fuzz/fixtures/<target>/<kind>-<hash>.bin`: must be handled now (typed result, whole and chunked
 *   agreeing). The `.txt` beside it says what it did when found.
 * - `fuzz/fixtures/open/<target>/...`: found in code outside devices/protocols and left to its owner;
 *   the replay checks that each still fails as recorded, so a fix shows up (then move the file up).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from './engine.ts';

export const FIXTURES_DIR = join(import.meta.dirname, '../../fuzz/fixtures');
export const OPEN_DIR = join(FIXTURES_DIR, 'open');

export interface Fixture {
  target: string;
  file: string;
  input: Buffer;
}

export function fixtureName(f: Pick<Finding, 'kind' | 'input'>): string {
  return `${f.kind}-${createHash('sha256').update(f.input).digest('hex').slice(0, 16)}`;
}

/** Writes a finding as a fixture unless the same input is already there; returns the path or null. */
export function writeFixture(f: Finding, runSeed: number, dir = FIXTURES_DIR): string | null {
  const folder = join(dir, f.target);
  const name = fixtureName(f);
  const bin = join(folder, `${name}.bin`);
  if (existsSync(bin) || existsSync(join(OPEN_DIR, f.target, `${name}.bin`))) return null;
  mkdirSync(folder, { recursive: true });
  writeFileSync(bin, f.input);
  const note = [
    `target: ${f.target}`,
    `kind: ${f.kind}`,
    `signature: ${f.signature}`,
    `input #${f.index}${f.chunks ? `, chunks ${f.chunks.join(',')}` : ''}: replay with`,
    `  FUZZ_SEED=${runSeed} FUZZ_TARGETS=${f.target} FUZZ_RUNS=${f.index + 1} npm run fuzz`,
    '',
    f.detail,
    '',
  ].join('\n');
  writeFileSync(join(folder, `${name}.txt`), note);
  return bin;
}

/** Every `.bin` fixture under `dir/<target>/`. */
export function readFixtures(dir: string): Fixture[] {
  if (!existsSync(dir)) return [];
  const out: Fixture[] = [];
  for (const target of readdirSync(dir, { withFileTypes: true })) {
    if (!target.isDirectory() || target.name === 'open') continue;
    for (const file of readdirSync(join(dir, target.name))) {
      if (!file.endsWith('.bin')) continue;
      out.push({ target: target.name, file, input: readFileSync(join(dir, target.name, file)) });
    }
  }
  return out.sort((a, b) => `${a.target}/${a.file}`.localeCompare(`${b.target}/${b.file}`));
}
