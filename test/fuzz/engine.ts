/**
 * The fuzz loop for one target, in the current thread: fast-check draws genomes from a seed, each
 * becomes an input (mutate.ts), each input is parsed whole and, for a stream format, also fed to its
 * framer whole and in chunks. The loop counts outcomes and keeps one input per distinct finding (the
 * smallest). A hang cannot be stopped from inside the thread: cli.ts runs this in a worker and kills it
 * (`onInput` tells it which input is running); in-process, an input slower than `slowMs` is a finding.
 */
import fc from 'fast-check';
import { expand, genomeArb } from './mutate.ts';
import { classify, compareFramer, type FuzzTarget } from './target.ts';

export type FindingKind = 'untyped' | 'disagree' | 'hang' | 'slow';

export interface Finding {
  target: string;
  kind: FindingKind;
  signature: string;
  detail: string;
  /** Which input of the run (0-based) with this seed. */
  index: number;
  seed: number;
  input: Buffer;
  /** Chunk lengths, for a disagreement. */
  chunks?: number[];
}

export interface TargetStats {
  target: string;
  inputs: number;
  accepted: number;
  rejected: number;
  untyped: number;
  disagreements: number;
  hangs: number;
  slow: number;
  slowest: { ms: number; size: number; index: number };
}

export interface RunOptions {
  runs: number;
  seed: number;
  /** Skip the inputs before this one (a restarted worker resumes after a hang). */
  startAt?: number;
  /** An input slower than this is a finding. */
  slowMs?: number;
  /** Called before each input is parsed. */
  onInput?: (index: number, input: Buffer) => void;
  onFinding?: (f: Finding) => void;
  /** Called after every input with the counts so far (the same object, updated in place). */
  onStats?: (s: TargetStats) => void;
}

const WARM_UP = 200;

/** Each parser gets its own stream of inputs from the run seed (FUZZ_SEED). */
export function targetSeed(runSeed: number, name: string): number {
  let h = 0x811c9dc5 ^ runSeed;
  for (const ch of name) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193);
  return (h >>> 0) & 0x7fffffff;
}

export function emptyStats(target: string): TargetStats {
  return {
    target,
    inputs: 0,
    accepted: 0,
    rejected: 0,
    untyped: 0,
    disagreements: 0,
    hangs: 0,
    slow: 0,
    slowest: { ms: 0, size: 0, index: -1 },
  };
}

/** Adds the counts of `b` to `a` (segments of one run split by a restart). */
export function mergeStats(a: TargetStats, b: TargetStats): TargetStats {
  return {
    target: a.target,
    inputs: a.inputs + b.inputs,
    accepted: a.accepted + b.accepted,
    rejected: a.rejected + b.rejected,
    untyped: a.untyped + b.untyped,
    disagreements: a.disagreements + b.disagreements,
    hangs: a.hangs + b.hangs,
    slow: a.slow + b.slow,
    slowest: a.slowest.ms >= b.slowest.ms ? a.slowest : b.slowest,
  };
}

/** One finding per signature, the smallest input kept. */
export class Findings {
  readonly bySignature = new Map<string, Finding>();

  add(f: Finding): boolean {
    const key = `${f.kind} ${f.signature}`;
    const had = this.bySignature.get(key);
    if (had && had.input.length <= f.input.length) return false;
    this.bySignature.set(key, f);
    return !had;
  }

  get all(): Finding[] {
    return [...this.bySignature.values()];
  }
}

export async function fuzzTarget(
  t: FuzzTarget,
  o: RunOptions,
): Promise<{ stats: TargetStats; findings: Finding[] }> {
  const seeds = await t.seeds();
  const corpus = {
    seeds,
    tokens: (t.tokens ?? []).map((s) => Buffer.from(s, 'latin1')),
    maxLength: t.maxLength,
  };
  const stats = emptyStats(t.name);
  const findings = new Findings();
  const found = (f: Omit<Finding, 'target' | 'seed'>) => {
    const full = { ...f, target: t.name, seed: o.seed };
    if (findings.add(full)) o.onFinding?.(full);
  };
  const startAt = o.startAt ?? 0;
  const warmUp = o.runs >= 10 * WARM_UP ? WARM_UP : 0;
  const framer = t.framer?.bind(t);
  let index = -1;
  fc.assert(
    fc.property(genomeArb, (g) => {
      index++;
      if (index < startAt) return true;
      const { bytes, chunks } = expand(g, corpus);
      o.onInput?.(index, bytes);
      const t0 = performance.now();
      const outcome = classify(() => t.parse(bytes));
      const verdict = framer ? compareFramer(framer, bytes, chunks) : undefined;
      const ms = performance.now() - t0;
      stats.inputs++;
      if (outcome.kind === 'accepted') stats.accepted++;
      else if (outcome.kind === 'rejected') stats.rejected++;
      else {
        stats.untyped++;
        found({ kind: 'untyped', signature: outcome.signature, detail: outcome.detail, index, input: bytes });
      }
      if (verdict?.kind === 'untyped') {
        stats.untyped++;
        found({
          kind: 'untyped',
          signature: `framer: ${verdict.signature}`,
          detail: verdict.detail,
          index,
          input: bytes,
        });
      } else if (verdict?.kind === 'disagree') {
        stats.disagreements++;
        found({
          kind: 'disagree',
          signature: verdict.signature,
          detail: verdict.detail,
          index,
          input: bytes,
          chunks: chunks.map((c) => c.length),
        });
      }
      // The first inputs pay for compiling the parser: the slowest figure starts after them.
      if (ms > stats.slowest.ms && index >= startAt + warmUp)
        stats.slowest = { ms, size: bytes.length, index };
      if (o.slowMs !== undefined && ms > o.slowMs) {
        stats.slow++;
        found({
          kind: 'slow',
          signature: `over ${o.slowMs} ms`,
          detail: `${ms.toFixed(0)} ms`,
          index,
          input: bytes,
        });
      }
      o.onStats?.(stats);
      return true;
    }),
    { seed: o.seed, numRuns: o.runs },
  );
  return { stats, findings: findings.all };
}
