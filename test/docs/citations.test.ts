/**
 * Every citation in the code resolves inside the repository (docs/reference/README.md §5).
 *
 * A comment cites a fact as `docs/reference/<page>.md §<n>`; a further `§<m>` later on the same line
 * means the same page, and `§<a>-§<b>` is a range. The page must exist in docs/reference/ and have a
 * heading numbered <n> (`## 1. ...`, `### 1.2 ...`). A bare `§<n>` with no page before it on its line
 * is an unresolved citation, unless it continues an RFC citation (`RFC 3261 §18.3`). The fact sheets
 * the reference pages replaced (`cisco-formats`, `toolchain-facts`) live outside the repository: any
 * mention of them fails. The reference pages' own cross-references (`[tvs.md](tvs.md) §3`, or `§1.4`
 * for the page itself) must resolve too.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const REFERENCE = join(ROOT, 'docs', 'reference');
/** The source folders whose .ts files are scanned. test/docs/ is left out: this file names the old sheets. */
const SCANNED = ['emulator', 'devices', 'certs', 'scenarios', 'bench', 'bin', 'test'];
const SKIPPED = [join('test', 'docs')];

const NUM = String.raw`\d+(?:\.\d+)*`;
const OLD_SHEET = /\b(cisco-formats|toolchain-facts)\b/;
/** A token of a line: a page citation, an RFC section, or a bare section sign. */
const TOKEN = new RegExp(
  String.raw`docs/reference/([\w.-]+\.md) §(${NUM})(?:-§(${NUM}))?|RFC ?\d+ ?§ ?${NUM}(?:-${NUM})?|§ ?(${NUM})(?:-§?(${NUM}))?`,
  'g',
);
const SEPARATOR_ONLY = /^\s*(?:,|\/|\band\b|-)\s*$/;

interface Problem {
  where: string;
  what: string;
}

/** The section numbers of one reference page, from its headings. */
function sectionsOf(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const line of markdown.split('\n')) {
    const m = new RegExp(String.raw`^#{1,6}\s+(${NUM})\.?\s`).exec(line);
    if (m?.[1]) out.add(m[1]);
  }
  return out;
}

/** Page name → its section numbers, for every page of docs/reference/. */
function referencePages(): Map<string, Set<string>> {
  const pages = new Map<string, Set<string>>();
  for (const f of readdirSync(REFERENCE)) {
    if (f.endsWith('.md')) pages.set(f, sectionsOf(readFileSync(join(REFERENCE, f), 'utf8')));
  }
  return pages;
}

/** The problems of one source file's text. `file` only names the place in the messages. */
function checkSource(file: string, text: string, pages: Map<string, Set<string>>): Problem[] {
  const problems: Problem[] = [];
  text.split('\n').forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    const old = OLD_SHEET.exec(line);
    if (old) {
      problems.push({
        where,
        what: `cites ${old[1]}, a document outside the repository: cite docs/reference/ instead`,
      });
    }
    let page: string | null = null;
    let previous: 'page' | 'rfc' | null = null;
    let lastEnd = 0;
    for (const m of line.matchAll(TOKEN)) {
      const gap = line.slice(lastEnd, m.index);
      lastEnd = m.index + m[0].length;
      const check = (p: string, section: string) => {
        const sections = pages.get(p);
        if (!sections) problems.push({ where, what: `docs/reference/${p} does not exist` });
        else if (!sections.has(section)) {
          problems.push({ where, what: `docs/reference/${p} has no section §${section}` });
        }
      };
      if (m[1] && m[2]) {
        page = m[1];
        previous = 'page';
        check(page, m[2]);
        if (m[3]) check(page, m[3]);
      } else if (m[0].startsWith('RFC')) {
        previous = 'rfc';
      } else if (m[4]) {
        if (previous === 'rfc' && SEPARATOR_ONLY.test(gap)) continue;
        // Sections of an old fact sheet: that citation is reported once, above.
        if (old && m.index > old.index && page === null) continue;
        if (page === null) {
          problems.push({ where, what: `${m[0]} names no page: write docs/reference/<page>.md ${m[0]}` });
          continue;
        }
        previous = 'page';
        check(page, m[4]);
        if (m[5]) check(page, m[5]);
      }
    }
  });
  return problems;
}

/** The problems of one reference page: links to missing pages, sections that do not exist. */
function checkReferencePage(name: string, text: string, pages: Map<string, Set<string>>): Problem[] {
  const problems: Problem[] = [];
  const link = /\[[^\]]*\]\(([\w./-]+\.md)\)/g;
  text.split('\n').forEach((line, i) => {
    const where = `docs/reference/${name}:${i + 1}`;
    for (const m of line.matchAll(link)) {
      const target = m[1] ?? '';
      if (!existsSync(resolve(REFERENCE, target)))
        problems.push({ where, what: `links to ${target}, which does not exist` });
    }
    // A section sign right after a link or a `docs/reference/<page>.md` (or after a run of them joined by
    // separators) is in that page; any other one is in this page, unless it is an RFC's.
    const tokens = new RegExp(
      String.raw`\[[^\]]*\]\(([\w.-]+\.md)\)|docs/reference/([\w.-]+\.md)|RFC ?\d+ ?§ ?${NUM}(?:-${NUM})?|§ ?(${NUM})(?:-§?(${NUM}))?`,
      'g',
    );
    let linked: string | null = null;
    let previous: 'link' | 'rfc' | 'section' | null = null;
    let lastEnd = 0;
    for (const m of line.matchAll(tokens)) {
      const gap = line.slice(lastEnd, m.index);
      lastEnd = m.index + m[0].length;
      if (m[1] || m[2]) {
        linked = m[1] ?? m[2] ?? null;
        previous = 'link';
        continue;
      }
      if (m[0].startsWith('RFC')) {
        previous = 'rfc';
        continue;
      }
      if (previous === 'rfc' && SEPARATOR_ONLY.test(gap)) continue;
      const adjacent =
        (previous === 'link' && /^\s*$/.test(gap)) || (previous === 'section' && SEPARATOR_ONLY.test(gap));
      const target = adjacent && linked ? linked : name;
      if (!adjacent) linked = null;
      previous = 'section';
      const sections = pages.get(target);
      for (const s of [m[3], m[4]]) {
        if (s && sections && !sections.has(s))
          problems.push({ where, what: `${target} has no section §${s}` });
      }
    }
  });
  return problems;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      const rel = relative(ROOT, path);
      if (entry === 'node_modules' || SKIPPED.some((s) => rel === s || rel.startsWith(`${s}/`))) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.ts')) out.push(rel);
    }
  };
  for (const d of SCANNED) walk(join(ROOT, d));
  return out;
}

function render(problems: Problem[]): string[] {
  return problems.map((p) => `${p.where}: ${p.what}`);
}

describe('the citation checker', () => {
  const pages = new Map([
    ['tvs.md', new Set(['1', '2', '3'])],
    ['capf.md', new Set(['1', '6', '6.1'])],
  ]);

  it('accepts a citation of an existing page and section', () => {
    expect(checkSource('a.ts', '// header, 10 bytes (docs/reference/tvs.md §3)', pages)).toEqual([]);
  });

  it('names file and line of a section the page does not have', () => {
    const text = '// one\n// two (docs/reference/tvs.md §4.2)';
    expect(render(checkSource('devices/x.ts', text, pages))).toEqual([
      'devices/x.ts:2: docs/reference/tvs.md has no section §4.2',
    ]);
  });

  it('names a page that does not exist', () => {
    expect(render(checkSource('x.ts', '// docs/reference/nope.md §1', pages))).toEqual([
      'x.ts:1: docs/reference/nope.md does not exist',
    ]);
  });

  it('reads a later bare § on the line as the same page, and checks it', () => {
    expect(checkSource('x.ts', '// docs/reference/tvs.md §2, §3 and §1', pages)).toEqual([]);
    expect(render(checkSource('x.ts', '// docs/reference/tvs.md §2, §9', pages))).toEqual([
      'x.ts:1: docs/reference/tvs.md has no section §9',
    ]);
  });

  it('checks both ends of a range', () => {
    expect(render(checkSource('x.ts', '// docs/reference/capf.md §1-§7', pages))).toEqual([
      'x.ts:1: docs/reference/capf.md has no section §7',
    ]);
  });

  it('accepts a step after the section', () => {
    expect(checkSource('x.ts', '// one write (docs/reference/capf.md §6 step 7)', pages)).toEqual([]);
  });

  it('reports a bare § with no page before it on its line', () => {
    expect(render(checkSource('x.ts', '// network order (§5.3)', pages))).toEqual([
      'x.ts:1: §5.3 names no page: write docs/reference/<page>.md §5.3',
    ]);
  });

  it('leaves RFC sections alone, lists of them included', () => {
    expect(checkSource('x.ts', '// RFC 3261 §18.3; RFC 8446 §6.2, §7; RFC 3711 §3-4', pages)).toEqual([]);
  });

  it('reports a citation of the fact sheets outside the repository', () => {
    expect(render(checkSource('x.ts', '// (cisco-formats §4.2)', pages))).toEqual([
      'x.ts:1: cites cisco-formats, a document outside the repository: cite docs/reference/ instead',
    ]);
    expect(checkSource('x.ts', '// (toolchain-facts 2.6)', pages)).toHaveLength(1);
  });

  it('reads a § right after a link as the linked page, and any other as the page itself', () => {
    const own = new Map([...pages, ['capf.md', new Set(['1', '2', '6'])]]);
    expect(checkReferencePage('capf.md', 'see [tvs.md](tvs.md) §3, and §2 here', own)).toEqual([]);
    expect(render(checkReferencePage('capf.md', 'see [tvs.md](tvs.md) §6', own))).toEqual([
      'docs/reference/capf.md:1: tvs.md has no section §6',
    ]);
  });
});

describe('citations in this repository', () => {
  const pages = referencePages();

  it('has the reference pages the citations point into', () => {
    expect([...pages.keys()].sort()).toEqual(
      expect.arrayContaining(['README.md', 'trust-files.md', 'tvs.md', 'capf.md', 'seeds.md']),
    );
    expect(pages.get('README.md')?.has('2')).toBe(true);
  });

  it('every citation in the source resolves to a page and section of docs/reference', () => {
    const problems = sourceFiles().flatMap((f) => checkSource(f, readFileSync(join(ROOT, f), 'utf8'), pages));
    expect(render(problems)).toEqual([]);
  });

  it('every cross-reference between the reference pages resolves', () => {
    const problems = [...pages.keys()].flatMap((p) =>
      checkReferencePage(p, readFileSync(join(REFERENCE, p), 'utf8'), pages),
    );
    expect(render(problems)).toEqual([]);
  });
});
