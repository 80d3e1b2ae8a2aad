/**
 * The house rules that keep the code navigable (architecture decisions 2 and the style guide), checked
 * on every run: device code never touches Node's sockets, no source file holds more than one concept's
 * worth of lines, and the local import graph has no cycle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, localImports } from './import-graph.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SOURCE_DIRS = ['emulator', 'devices', 'certs', 'scenarios', 'bench', 'bin', 'fuzz'];
const MAX_LINES = 600;

function tsFiles(dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of entries) {
    const p = join(abs, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(relative(root, p)));
    else if (/\.(ts|mts|mjs)$/.test(name)) out.push(relative(root, p));
  }
  return out;
}

const sources = SOURCE_DIRS.flatMap(tsFiles);

describe('the layout of the code', () => {
  it('no device module imports node:net, node:tls or node:dgram (the fabric is the only way out)', () => {
    const offenders = sources
      .filter((f) => f.startsWith('devices/'))
      .filter((f) =>
        /(?:from\s+|import\(\s*)['"](?:node:)?(?:net|tls|dgram)['"]/.test(
          readFileSync(join(root, f), 'utf8'),
        ),
      );
    expect(offenders).toEqual([]);
  });

  it(`no source file is longer than ${MAX_LINES} lines`, () => {
    const long = sources
      .map((f) => ({ f, lines: readFileSync(join(root, f), 'utf8').split('\n').length }))
      .filter((x) => x.lines > MAX_LINES)
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(long).toEqual([]);
  });

  it('the local import graph has no cycle', () => {
    const graph = new Map(sources.map((f) => [f, localImports(root, f)]));
    expect(findCycles(graph).map((c) => c.join(' -> '))).toEqual([]);
  });
});
