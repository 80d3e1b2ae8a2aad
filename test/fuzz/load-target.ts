/**
 * A target by name, or `<module path>#<export>` for one defined elsewhere (the harness's own tests
 * fuzz a parser that hangs on purpose this way). The registry is imported only when needed, so a
 * worker for a single target starts without compiling every parser.
 */
import { pathToFileURL } from 'node:url';
import type { FuzzTarget } from './target.ts';

export async function loadTarget(name: string): Promise<FuzzTarget> {
  const hash = name.lastIndexOf('#');
  if (hash > 0) {
    const mod = (await import(pathToFileURL(name.slice(0, hash)).href)) as Record<string, FuzzTarget>;
    const t = mod[name.slice(hash + 1)];
    if (!t) throw new Error(`${name}: no such export`);
    return t;
  }
  const { TARGETS } = await import('./targets.ts');
  const t = TARGETS.find((x) => x.name === name);
  if (!t) throw new Error(`no fuzz target ${name} (known: ${TARGETS.map((x) => x.name).join(', ')})`);
  return t;
}
