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
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOT_URL = pathToFileURL(`${ROOT}/`).href;
/** A file inside the package: resolving `uclab` from here is a self-reference through its `exports`. */
const SELF_PARENT = pathToFileURL(join(ROOT, 'package.json')).href;
const AMBIGUOUS = /\.(ts|tsx|js|jsx)$/;

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
    return nextResolve(specifier, { ...context, parentURL: SELF_PARENT });
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
