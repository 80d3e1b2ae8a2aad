/**
 * Whether the text a scenario checks for (an `expectLog` pattern) quotes a seed's wording: what the
 * catalogue page counts per scenario without running it. A run classifies the line the device actually
 * printed (`fidelityOf`); a scenario file only holds the pattern, often an excerpt (`SEC-ERR: desc
 * <certificate expired>`) or a regular expression with the lab's values in it, so the page needs this
 * static reading.
 *
 * A pattern quotes a seed wording when some line the template can produce contains a line the pattern
 * matches, and the pattern's literal text covers at least `MIN_QUOTED` characters of the template's fixed
 * wording (all of it, when the template has fewer): a pattern whose literal text only lands in the
 * template's placeholders (values) quotes nothing. Both are read as globs: literal characters and
 * "anything" runs. A placeholder holds a value, and a value never contains the character that ends it in
 * the template (`Src-ip="{ip}"`: no `"` inside): without that rule `Event="Inbound ..."` would fit inside
 * the `Src-ip` value of the Outbound line. A regular expression with alternation or groups cannot be read
 * as a glob and quotes nothing (the page then under-counts, never over-counts).
 */

import { type Fidelity, fidelityById, fixedFragments, MODELLED } from './fidelity.ts';
import { SEED_WORDINGS, type SeedWording } from './seed-wordings.ts';

export const MIN_QUOTED = 16;

/** A glob token: a literal character, or `null` for "any run of characters, maybe empty". */
type Tok = string | null;

/** A template's glob with, for each placeholder, the character that ends it (or null at the end). */
interface TemplateGlob {
  toks: Tok[];
  ends: (string | null)[];
}

function pushWild(out: Tok[]): void {
  if (out[out.length - 1] !== null) out.push(null);
}

function templateGlob(template: string): TemplateGlob {
  const toks: Tok[] = [];
  fixedFragments(template).forEach((f, i) => {
    if (i > 0) pushWild(toks);
    for (const ch of f) toks.push(ch);
  });
  const ends = toks.map((t, i) => (t === null ? (toks[i + 1] ?? null) : null));
  return { toks, ends };
}

const SINGLE_CLASS = new Set(['d', 'D', 'w', 'W', 's', 'S']);
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r' };

/**
 * A regular expression's source as a glob, over-approximating: a character class, `.` or a quantified
 * atom becomes "anything". Returns null for what a glob cannot say (groups, alternation, back-references).
 */
export function regExpGlob(source: string): Tok[] | null {
  const out: Tok[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] as string;
    let atom: Tok;
    if (c === '(' || c === ')' || c === '|') return null;
    if (c === '^' && i === 0) {
      i++;
      continue;
    }
    if (c === '$' && i === source.length - 1) break;
    if (c === '\\') {
      const n = source[i + 1];
      if (n === undefined) return null;
      if (/[1-9kpPuxcb]/.test(n) && !SINGLE_CLASS.has(n)) {
        if (n === 'b') {
          i += 2;
          continue;
        }
        return null;
      }
      atom = SINGLE_CLASS.has(n) ? null : (ESCAPES[n] ?? n);
      i += 2;
    } else if (c === '[') {
      let j = i + 1;
      while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
      if (j >= source.length) return null;
      atom = null;
      i = j + 1;
    } else if (c === '.') {
      atom = null;
      i++;
    } else if (c === '*' || c === '+' || c === '?' || c === '{') {
      return null; // a quantifier with nothing before it
    } else {
      atom = c;
      i++;
    }
    const q = source[i];
    if (q === '*' || q === '?' || q === '{') {
      if (q === '{') {
        const close = source.indexOf('}', i);
        if (close < 0) return null;
        i = close + 1;
      } else i++;
      if (source[i] === '?') i++; // lazy
      pushWild(out);
    } else if (q === '+') {
      i++;
      if (source[i] === '?') i++;
      if (atom !== null) out.push(atom);
      pushWild(out);
    } else if (atom === null) pushWild(out);
    else out.push(atom);
  }
  return out;
}

function patternGlob(pattern: string | RegExp): Tok[] | null {
  if (typeof pattern === 'string') return [...pattern];
  if (pattern.flags.includes('i')) return null; // a case-insensitive pattern is not a quotation
  return regExpGlob(pattern.source);
}

/**
 * The most template characters the pattern's literals can be aligned with, over all lines both accept
 * (the template anchored, the pattern anywhere in the line); -1 when no line satisfies both.
 */
export function quotedLength(glob: TemplateGlob | Tok[], pattern: Tok[]): number {
  const { toks: template, ends } = Array.isArray(glob) ? { toks: glob, ends: glob.map(() => null) } : glob;
  const p: Tok[] = [null, ...pattern, null];
  const T = template.length;
  const P = p.length;
  const NONE = -1;
  // best[i][j]: most aligned literals having consumed template[0..i) and pattern[0..j).
  const best: Int32Array[] = Array.from({ length: T + 1 }, () => new Int32Array(P + 1).fill(NONE));
  (best[0] as Int32Array)[0] = 0;
  const relax = (i: number, j: number, v: number) => {
    const row = best[i] as Int32Array;
    if (v > (row[j] as number)) row[j] = v;
  };
  for (let i = 0; i <= T; i++) {
    for (let j = 0; j <= P; j++) {
      const v = (best[i] as Int32Array)[j] as number;
      if (v === NONE) continue;
      const t = i < T ? template[i] : undefined;
      const q = j < P ? p[j] : undefined;
      if (t === null) {
        relax(i + 1, j, v); // the template's placeholder ends
        // The placeholder holds a character of the pattern, unless it is the one that ends the value.
        if (typeof q === 'string' && q !== ends[i]) relax(i, j + 1, v);
      }
      if (q === null) {
        relax(i, j + 1, v); // the pattern's "anything" ends
        if (typeof t === 'string') relax(i + 1, j, v); // it covers a character of the template
      }
      if (typeof t === 'string' && typeof q === 'string' && t === q) relax(i + 1, j + 1, v + 1);
    }
  }
  return (best[T] as Int32Array)[P] as number;
}

type Globs = readonly { w: SeedWording; glob: TemplateGlob; fixed: number }[];

const compiled = new WeakMap<readonly SeedWording[], Globs>();

function globsOf(wordings: readonly SeedWording[]): Globs {
  let g = compiled.get(wordings);
  if (!g) {
    g = wordings.map((w) => {
      const glob = templateGlob(w.template);
      return { w, glob, fixed: glob.toks.filter((t) => t !== null).length };
    });
    compiled.set(wordings, g);
  }
  return g;
}

/**
 * The wording of `wordings` a checked pattern quotes, or null: of those it quotes, the one it quotes most of
 * (the first on a tie).
 */
export function quotedWording(
  pattern: string | RegExp,
  wordings: readonly SeedWording[] = SEED_WORDINGS,
): SeedWording | null {
  const glob = patternGlob(pattern);
  if (!glob) return null;
  let best: { w: SeedWording; quoted: number } | null = null;
  for (const g of globsOf(wordings)) {
    const quoted = quotedLength(g.glob, glob);
    if (quoted >= Math.min(MIN_QUOTED, g.fixed) && (best === null || quoted > best.quoted))
      best = { w: g.w, quoted };
  }
  return best?.w ?? null;
}

/** The seed wording a checked pattern quotes, or `modelled`. */
export function patternFidelity(pattern: string | RegExp): Fidelity {
  const w = quotedWording(pattern);
  return w ? (fidelityById(w.id) ?? MODELLED) : MODELLED;
}
