/**
 * Whether a log line is a seed's wording (and which seed, which line) or modelled by the lab: the marker
 * every log line, status message and console output carries, so that a trainee never takes
 * an invented line for a real product's (architecture decision 7).
 *
 * "Modelled" means "not seen in a seed". It covers wording the lab made up in the product's style (L in
 * docs/reference/README.md §2) as well as real product wording from sources other than the seeds (admin
 * guides, JSSE, Apache: M). docs/reference/seeds.md §5 says which is which per scenario.
 *
 * This runs on every log event, so every template is compiled once, here, at module load. A template that
 * starts with fixed text can only match a line that starts with it: a call looks those up by the line's
 * first four characters, tests the few templates that start with a value by their longest fixed fragment
 * (`includes`), and runs a regular expression only on those candidates.
 */
import { SEED_WORDINGS, type SeedId, type SeedWording } from './seed-wordings.ts';

export type Fidelity =
  | {
      readonly kind: 'seed';
      readonly seed: SeedId;
      /** Line of the seed's plain-text copy the wording is on. */
      readonly line: number;
      /** The table entry's id (emulator/fidelity/seed-wordings.ts). */
      readonly id: string;
      /** The entry's template: the product's line, `{name}` for the lab's own values. */
      readonly wording: string;
    }
  | { readonly kind: 'modelled' };

export const MODELLED: Fidelity = Object.freeze({ kind: 'modelled' });

const PLACEHOLDER = /\{[A-Za-z][A-Za-z0-9]*\}/g;

/**
 * A device may still write its own console stamp into the text (`NOT 09:13:17.561856 SECD: ...`, the
 * phone's PhoneConsole does today); the wording starts after it.
 */
const CONSOLE_STAMP = String.raw`(?:(?:NOT|ERR|WRN|DBG|INF) \d\d:\d\d:\d\d\.\d{6} )?`;
const LEADING_STAMP = new RegExp(`^${CONSOLE_STAMP.slice(0, -1)}`);
const PREFIX = 4;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The fixed fragments of a template, in order (empty strings where two placeholders meet or at the ends). */
export function fixedFragments(template: string): string[] {
  return template.split(PLACEHOLDER);
}

interface Compiled {
  /** The longest fixed fragment: a line without it cannot match. */
  key: string;
  /** The first characters of the template when it starts with fixed text, else null. */
  prefix: string | null;
  re: RegExp;
  result: Fidelity;
}

function compile(w: SeedWording): Compiled {
  const fragments = fixedFragments(w.template);
  const key = fragments.reduce((a, b) => (b.length > a.length ? b : a), '');
  if (key.length === 0) throw new Error(`seed wording ${w.id} has no fixed text`);
  const re = new RegExp(`^${CONSOLE_STAMP}${fragments.map(escapeRegExp).join('.*?')}$`);
  const result: Fidelity = Object.freeze({
    kind: 'seed',
    seed: w.seed,
    line: w.line,
    id: w.id,
    wording: w.template,
  });
  const first = fragments[0] ?? '';
  return { key, prefix: first.length >= PREFIX ? first.slice(0, PREFIX) : null, re, result };
}

const COMPILED: readonly Compiled[] = SEED_WORDINGS.map(compile);
const BY_ID = new Map(SEED_WORDINGS.map((w, i) => [w.id, COMPILED[i]?.result as Fidelity]));
const BY_PREFIX = new Map<string, Compiled[]>();
const VALUE_FIRST: Compiled[] = [];
for (const c of COMPILED) {
  if (c.prefix === null) VALUE_FIRST.push(c);
  else BY_PREFIX.set(c.prefix, [...(BY_PREFIX.get(c.prefix) ?? []), c]);
}

/**
 * Classifies one log line by the seed-wording table: the first entry whose template the whole line
 * matches (after an optional console stamp). The returned objects are shared and frozen: a caller may keep
 * them on an event without copying.
 */
export function fidelityOf(text: string): Fidelity {
  const stamp = LEADING_STAMP.exec(text);
  const start = stamp ? stamp[0].length : 0;
  for (const c of BY_PREFIX.get(text.slice(start, start + PREFIX)) ?? []) {
    if (c.re.test(text)) return c.result;
  }
  for (const c of VALUE_FIRST) {
    if (text.includes(c.key) && c.re.test(text)) return c.result;
  }
  return MODELLED;
}

/** The marker of a table entry by id (for reports that stored only the id). */
export function fidelityById(id: string): Fidelity | undefined {
  return BY_ID.get(id);
}
