/**
 * Loading one scenario file, TypeScript or JavaScript, from any folder, and saying in ONE line why a
 * file that does not load is broken: which file, what failed, where (line and column for a syntax
 * error), and a hint. A loader's own message (tsx, esbuild, Node's ESM loader) and its stack never
 * reach the user.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { closest } from './did-you-mean.ts';

/** The file extensions `uclab run FILE` loads. */
export const SCENARIO_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** A path as the user should read it: relative to the working folder when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

interface Where {
  file: string;
  line: number;
  column: number | null;
}

function where(w: Where): string {
  return `${displayPath(w.file)}:${w.line}${w.column === null ? '' : `:${w.column}`}`;
}

/** esbuild, as tsx installs it: used to locate a syntax error in a JavaScript file (V8 gives none). */
async function syntaxErrorOf(file: string): Promise<{ at: Where; text: string } | null> {
  try {
    const fromTsx = createRequire(createRequire(import.meta.url).resolve('tsx/package.json'));
    const esbuild = fromTsx('esbuild') as {
      transform(code: string, opts: { loader: 'js'; format: 'esm'; sourcefile: string }): Promise<unknown>;
    };
    await esbuild.transform(readFileSync(file, 'utf8'), { loader: 'js', format: 'esm', sourcefile: file });
    return null;
  } catch (e) {
    const first = (e as { errors?: { text: string; location: { line: number; column: number } | null }[] })
      .errors?.[0];
    if (!first?.location) return null;
    return {
      at: { file, line: first.location.line, column: first.location.column + 1 },
      text: first.text,
    };
  }
}

/** The first stack frame (or V8 source line) that points into a file we can name. */
function frameOf(stack: string, preferred: string): Where | null {
  // A path starts a line, follows a space or "(", or is a file: URL; not node:internal/... frames.
  const re = /(?:^|[\s(]|file:\/\/)(\/[^\s():]+):(\d+)(?::(\d+))?/gm;
  let fallback: Where | null = null;
  for (const m of stack.matchAll(re)) {
    const file = m[1] ?? '';
    if (file.includes('/node_modules/')) continue;
    const w = { file, line: Number(m[2]), column: m[3] ? Number(m[3]) : null };
    if (file === preferred) return w;
    fallback ??= w;
  }
  return fallback;
}

/** One line saying why `file` did not load, from whatever the loader threw. */
export async function explainLoadError(e: unknown, file: string): Promise<string> {
  const shown = displayPath(file);
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: string }).code;
  const message = err.message ?? '';

  // tsx hands TypeScript to esbuild: "Transform failed with 1 error:\n/path:3:10: ERROR: Unexpected ";""
  // (esbuild counts columns from 0).
  const transform = /(\/[^\n]*?):(\d+):(\d+): ERROR: ([^\n]*)/.exec(message);
  if (err.name === 'TransformError' || transform) {
    if (transform) {
      const at = { file: transform[1] ?? file, line: Number(transform[2]), column: Number(transform[3]) + 1 };
      return `${where(at)}: syntax error: ${transform[4]} (the scenario does not parse; fix the code there)`;
    }
    return `${shown}: syntax error: ${oneLine(message)} (the scenario does not parse)`;
  }

  // An import of uclab itself that does not resolve: emulator/cli/module-hooks.mjs says why.
  const own = /uclab-import: (\S*) (.*)/.exec(message);
  if (own) {
    const from = own[1]?.startsWith('file:') ? fileURLToPath(own[1]) : file;
    return `${displayPath(from)}: ${own[2]}`;
  }

  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_UNSUPPORTED_DIR_IMPORT') {
    const pkg = /Cannot find package '([^']+)' imported from (\S+)/.exec(message);
    if (pkg) {
      return `${displayPath(pkg[2] ?? file)}: cannot import "${pkg[1]}": no such package is installed (install it in the scenario's folder: npm install ${pkg[1]})`;
    }
    const mod = /Cannot find module '([^']+)' imported from (\S+)/.exec(message);
    if (mod) {
      return `${displayPath(mod[2] ?? file)}: cannot import ${displayPath(mod[1] ?? '')}: no such file (check the path; a relative import names the file with its extension, e.g. './helpers.ts')`;
    }
    return `${shown}: cannot be loaded: ${oneLine(message)}`;
  }

  // A name that the imported module does not export (a link error: V8 names the line).
  const missing = /The requested module '([^']+)' does not provide an export named '([^']+)'/.exec(message);
  if (missing) {
    const [, from = '', name = ''] = missing;
    const at = frameOf(err.stack ?? '', file);
    let hint = `check what ${from} exports`;
    if (from === 'uclab') {
      // By name (a self-reference through package.json "exports"): what a scenario sees as uclab.
      const names = Object.keys(await import('uclab').catch(() => ({})));
      const near = closest(name, names);
      hint = near ? `did you mean "${near}"?` : `uclab exports ${names.join(', ')}`;
    }
    return `${at ? where(at) : shown}: ${from} has no export named "${name}" (${hint})`;
  }

  if (err instanceof SyntaxError) {
    const located = await syntaxErrorOf(file);
    if (located)
      return `${where(located.at)}: syntax error: ${located.text} (the scenario does not parse; fix the code there)`;
    const at = frameOf(err.stack ?? '', file);
    return `${at ? where(at) : shown}: syntax error: ${oneLine(message)} (the scenario does not parse)`;
  }

  // Node loaded the file as CommonJS (its package.json says "type": "commonjs"), and it imports uclab.
  if (/Cannot require\(\) ES Module/.test(message)) {
    return `${shown}: cannot be loaded as CommonJS: it imports ES modules (a scenario is an ES module: set "type": "module" in the package.json beside it, or name the file .mts)`;
  }

  // The file parsed, then its top-level code threw.
  const at = frameOf(err.stack ?? '', file);
  const hint = /require is not defined/.test(message)
    ? "a scenario is an ES module: use import ... from 'uclab', not require()"
    : 'the error is in code that runs when the file loads, outside the steps';
  return `${at ? where(at) : shown}: the file threw while loading: ${err.name}: ${oneLine(message)} (${hint})`;
}

/** Imports a scenario file; never throws: a failure comes back as one line. */
export async function importScenarioFile(
  file: string,
): Promise<{ ok: true; module: { default?: unknown } } | { ok: false; message: string }> {
  try {
    return { ok: true, module: (await import(pathToFileURL(file).href)) as { default?: unknown } };
  } catch (e) {
    return { ok: false, message: await explainLoadError(e, file) };
  }
}
