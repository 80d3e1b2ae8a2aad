/**
 * Module resolution hooks for `uclab` (registered by bin/uclab.mjs after tsx's own hooks, so these run
 * first). They let a scenario live in any folder:
 *
 * - `import ... from 'uclab'` (and `uclab/kits/...`) resolves to the uclab that is running, whether it
 *   was installed from a tarball or runs from a checkout, so a scenario folder needs no node_modules and
 *   a scenario never gets a second copy of the device registry.
 * - A `.ts`/`.js` file with no `"type"` in its nearest package.json (or no package.json at all) is
 *   loaded as an ES module. Node would treat it as CommonJS, and a CommonJS scenario that requires
 *   uclab's ES modules fails with "Cannot require() ES Module ... in a cycle" (Node 20.19).
 *
 * Plain JavaScript on purpose: hooks run in Node's loader thread, before any TypeScript loader applies.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOT_URL = pathToFileURL(`${ROOT}/`).href;
/** A file inside the package: resolving `uclab` from here is a self-reference through its `exports`. */
const SELF_PARENT = pathToFileURL(join(ROOT, 'package.json')).href;
const AMBIGUOUS = /\.(ts|tsx|js|jsx)$/;

/** Marks the one-line reason an import of uclab failed; emulator/scenario-file.ts reads it. */
const UCLAB_IMPORT = 'uclab-import:';

/** Why `uclab/...` does not resolve, in the user's terms. */
function whyNot(specifier) {
  const kit = /^uclab\/kits\/([^/]+)$/.exec(specifier);
  const dir = join(ROOT, 'scenarios', 'kits');
  const kits = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.ts'))
        .map((f) => f.slice(0, -3))
    : [];
  const have = kits.length
    ? `kits: ${kits.map((k) => `uclab/kits/${k}`).join(', ')}`
    : 'this uclab has no kits';
  if (kit) return `cannot import "${specifier}": uclab has no kit "${kit[1]}" (${have})`;
  return `cannot import "${specifier}": uclab exports "uclab" and its kits only (${have})`;
}

const typeByDir = new Map();

/** The `type` field of the nearest package.json above `dir`, or null when none says. */
function packageType(dir) {
  const cached = typeByDir.get(dir);
  if (cached !== undefined) return cached;
  let type = null;
  const file = join(dir, 'package.json');
  if (existsSync(file)) {
    try {
      const t = JSON.parse(readFileSync(file, 'utf8')).type;
      type = typeof t === 'string' ? t : null;
    } catch {
      type = null;
    }
  } else {
    const parent = dirname(dir);
    type = parent === dir ? null : packageType(parent);
  }
  typeByDir.set(dir, type);
  return type;
}

export async function resolve(specifier, context, nextResolve) {
  if ((specifier === 'uclab' || specifier.startsWith('uclab/')) && !context.parentURL?.startsWith(ROOT_URL)) {
    // Node merges the context handed to nextResolve into this one: keep the importer's URL first.
    const importer = context.parentURL ?? '';
    try {
      return await nextResolve(specifier, { ...context, parentURL: SELF_PARENT });
    } catch (e) {
      throw new Error(`${UCLAB_IMPORT} ${importer} ${whyNot(specifier)}`, { cause: e });
    }
  }
  const r = await nextResolve(specifier, context);
  if (
    r.url.startsWith('file:') &&
    !r.url.startsWith(ROOT_URL) &&
    !r.url.includes('/node_modules/') &&
    AMBIGUOUS.test(new URL(r.url).pathname) &&
    (r.format === undefined || r.format === null || r.format === 'commonjs') &&
    packageType(dirname(fileURLToPath(r.url))) === null
  ) {
    return { ...r, format: 'module' };
  }
  return r;
}
