/**
 * How the fidelity marker reads for a person: the short label `uclab explain` and the live view put beside
 * a checked text or a log line, and the legend that says what the labels mean.
 */
import type { Fidelity } from './fidelity.ts';
import { patternFidelity } from './pattern-fidelity.ts';

/** `[seed 002 line 573]` or `[modelled]`. */
export function fidelityLabel(f: Fidelity): string {
  return f.kind === 'seed' ? `[seed ${f.seed} line ${f.line}]` : '[modelled]';
}

export const FIDELITY_LEGEND = [
  'Legend:',
  "  [seed NNN line L]  the product's own wording, as seed NNN shows it on line L of its text (docs/reference/seeds.md)",
  '  [modelled]         not seen in a seed: from an admin guide or another reference, or written by the lab in the',
  "                     product's style; do not quote it as the product's (docs/reference/seeds.md §5)",
].join('\n');

/**
 * How many of a scenario's checked texts quote a seed: the catalogue page's count. A pattern checked in
 * several variants counts once.
 */
export function seedWordingCount(patterns: readonly (string | RegExp)[]): { seed: number; checked: number } {
  const unique = new Map<string, string | RegExp>();
  for (const p of patterns) unique.set(typeof p === 'string' ? `s:${p}` : `r:${p.source}/${p.flags}`, p);
  let seed = 0;
  for (const p of unique.values()) if (patternFidelity(p).kind === 'seed') seed++;
  return { seed, checked: unique.size };
}
