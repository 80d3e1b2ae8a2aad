/**
 * The seed texts (third-party pages, kept outside the repository in `../shared/seeds/` beside the
 * repository root, see docs/reference/seeds.md; `UCLAB_SEEDS_DIR` names another folder, e.g. from a git
 * worktree). A test that reads them is skipped with a loud notice where the folder is missing, and fails
 * under CI (`CI=true`), as test/support/peers.ts does for peer programs.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { it } from 'vitest';

export const SEEDS_DIR =
  process.env.UCLAB_SEEDS_DIR ?? resolve(import.meta.dirname, '..', '..', '..', 'shared', 'seeds');

export function haveSeeds(): boolean {
  return existsSync(SEEDS_DIR);
}

/** `it` for a test that reads the seed texts. */
export function itWithSeeds(name: string, fn: () => void | Promise<void>): void {
  if (haveSeeds()) it(name, fn);
  else if (process.env.CI) {
    it(name, () => {
      throw new Error(`the seed texts are missing under CI: expected them in ${SEEDS_DIR}`);
    });
  } else {
    process.stderr.write(`\n*** SKIPPED "${name}": no seed texts in ${SEEDS_DIR} ***\n`);
    it.skip(name, fn);
  }
}

/**
 * A seed copy's text with its wraps undone: a hyphen at the end of a line joins the next line (`Last-via-`
 * + `addr`), and every run of white space is one space. Templates are compared in this form.
 */
export function normalise(text: string): string {
  return text.replace(/-[ \t]*\r?\n\s*/g, '-').replace(/\s+/g, ' ');
}

const cache = new Map<string, string[]>();

/** The lines of seed `id` (`'002'`), as the file has them. */
export function seedLines(id: string): string[] {
  let lines = cache.get(id);
  if (!lines) {
    const file = readdirSync(SEEDS_DIR).find((f) => f.startsWith(`${id}_`) && f.endsWith('.txt'));
    if (!file) throw new Error(`no seed ${id} in ${SEEDS_DIR}`);
    lines = readFileSync(join(SEEDS_DIR, file), 'utf8').split('\n');
    cache.set(id, lines);
  }
  return lines;
}

/** The whole of seed `id`, normalised. */
export function seedText(id: string): string {
  return normalise(seedLines(id).join('\n'));
}
