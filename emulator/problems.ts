/**
 * How uclab lists what is wrong with a file a user wrote (a lab declaration, a plan): every problem,
 * a line each, up to a cap, then a count; each named by the path of its field.
 */

/** At most this many problems are listed; a file with more is mostly not what it claims to be. */
export const MAX_PROBLEMS = 20;

/** A field's path as a user writes it: `devices[1].mac`, `steps[2].unit`; '' for the whole. */
export function pathText(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

/** The last line of a list cut at `MAX_PROBLEMS`: how many more there were (none when none). */
export function moreLine(more: number): string[] {
  return more > 0 ? [`and ${more} more problem(s)`] : [];
}
