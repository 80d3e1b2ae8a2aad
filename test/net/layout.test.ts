import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const NET = join(import.meta.dirname, '../../emulator/net');
const files = readdirSync(NET)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => join(NET, f));

/** The modules of emulator/net a file imports (values and types alike). */
function localImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.[^'"]+)['"]/g)) {
    const target = normalize(join(dirname(file), m[1] as string));
    if (dirname(target) === NET) out.push(target);
  }
  return out;
}

describe('the fabric modules', () => {
  it('import each other without a cycle', () => {
    const graph = new Map(files.map((f) => [f, localImports(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, path: string[]) => {
      state.set(f, 'open');
      for (const g of graph.get(f) ?? []) {
        if (state.get(g) === 'open') cycles.push([...path, f, g].map((p) => relative(NET, p)).join(' -> '));
        else if (!state.has(g)) visit(g, [...path, f]);
      }
      state.set(f, 'done');
    };
    for (const f of files) if (!state.has(f)) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('are each under 600 lines', () => {
    const long = files
      .map((f) => ({ f: relative(NET, f), lines: readFileSync(f, 'utf8').split('\n').length }))
      .filter((x) => x.lines > 600);
    expect(long).toEqual([]);
  });
});
