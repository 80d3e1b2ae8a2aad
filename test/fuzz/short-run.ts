/**
 * The fuzz run of every test run: a short budget per parser with a fixed seed (the same inputs every
 * time, so a failure reproduces with `FUZZ_SEED=20240101 FUZZ_RUNS=<budget> FUZZ_TARGETS=<parser>
 * npm run fuzz`), then every kept fixture replayed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Finding, fuzzTarget, targetSeed } from './engine.ts';
import { FIXTURES_DIR, OPEN_DIR, readFixtures } from './fixtures.ts';
import { classify, compareFramer, type FuzzTarget } from './target.ts';

export const SHORT_SEED = 20240101;

/** Inputs per parser: about a third of a second each on an idle 2-core machine. */
export const SHORT_BUDGET: Readonly<Record<string, number>> = {
  tvs: 1500,
  capf: 2000,
  sccp: 4000,
  sip: 1500,
  tftp: 4000,
  'trust-list': 700,
  sgn: 1500,
  'enc-sgn': 1500,
  'phone-config': 700,
  'xml-default': 1500,
  pem: 3000,
  certificate: 1500,
  pkcs7: 5000,
  inspect: 1000,
};

/** Signatures of the open findings kept for other modules' owners (fuzz/fixtures/open/<parser>/*.txt). */
export function openSignatures(target: string): Set<string> {
  const dir = join(OPEN_DIR, target);
  if (!existsSync(dir)) return new Set();
  return new Set(
    readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .map((f) => /^signature: (.*)$/m.exec(readFileSync(join(dir, f), 'utf8'))?.[1] ?? ''),
  );
}

const show = (f: Finding) => `${f.kind} at input #${f.index} (${f.input.length} B): ${f.signature}`;

export function shortRuns(targets: readonly FuzzTarget[]): void {
  describe.each(targets.map((t) => ({ t, name: t.name, runs: SHORT_BUDGET[t.name] ?? 1000 })))(
    'fuzz $name',
    ({ t, name, runs }) => {
      it(`${runs} inputs (seed ${SHORT_SEED}): no untyped exception, whole and chunked agree, none over 2 s`, async () => {
        const known = openSignatures(name);
        const { stats, findings } = await fuzzTarget(t, {
          runs,
          seed: targetSeed(SHORT_SEED, name),
          slowMs: 1000,
        });
        expect(stats.inputs).toBe(runs);
        expect(stats.rejected, 'the inputs reach past the first check').toBeGreaterThan(0);
        expect(stats.accepted, 'some inputs are valid').toBeGreaterThan(0);
        const unexpected = findings.filter((f) => !(f.kind === 'untyped' && known.has(f.signature)));
        expect(unexpected.map(show)).toEqual([]);
      });
    },
  );
}

/** The bytes cut as the replay feeds them to a framer: halves, and byte by byte up to 4 KB. */
function cuttings(b: Buffer): Buffer[][] {
  const half = Math.floor(b.length / 2);
  const out = [[b.subarray(0, half), b.subarray(half)]];
  if (b.length <= 4096) out.push(Array.from(b, (_, i) => b.subarray(i, i + 1)));
  return out;
}

export function replays(targets: readonly FuzzTarget[]): void {
  const byName = new Map(targets.map((t) => [t.name, t]));
  const kept = readFixtures(FIXTURES_DIR).filter((f) => byName.has(f.target));
  const open = readFixtures(OPEN_DIR).filter((f) => byName.has(f.target));
  if (kept.length + open.length === 0) return;
  describe('fuzz fixtures', () => {
    it.each(kept.map((f) => ({ ...f, id: `${f.target}/${f.file}` })))(
      '$id is a typed result, whole and chunked alike',
      ({ target, input }) => {
        const t = byName.get(target)!;
        expect(classify(() => t.parse(input)).kind).not.toBe('untyped');
        if (t.framer)
          for (const c of cuttings(input)) expect(compareFramer(t.framer, input, c).kind).toBe('agree');
      },
    );
    it.each(open.map((f) => ({ ...f, id: `open/${f.target}/${f.file}` })))(
      '$id fails only as recorded for its owner (when it turns typed, move it out of open/)',
      ({ target, input }) => {
        const outcome = classify(() => byName.get(target)!.parse(input));
        if (outcome.kind === 'untyped') expect(openSignatures(target)).toContain(outcome.signature);
        else
          process.stderr.write(
            `\n*** open/${target}: now a typed result: move its fixture to fuzz/fixtures/${target}/ ***\n`,
          );
      },
    );
  });
}
