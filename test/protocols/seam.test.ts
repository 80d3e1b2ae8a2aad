/**
 * The transport seam (architecture decision 2): protocol code sees the fabric's stream and datagram
 * types, never a Node socket, so that another transport can be put under it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../devices/protocols');
const NODE_SOCKETS =
  /from\s+['"](node:)?(net|tls|dgram)['"]|require\(\s*['"](node:)?(net|tls|dgram)['"]\s*\)/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('the protocol codecs stay behind the transport seam', () => {
  it('no file under devices/protocols imports node:net, node:tls or node:dgram (types included)', () => {
    const files = sources(ROOT);
    expect(files.length).toBeGreaterThan(5);
    const offenders = files.filter((f) => NODE_SOCKETS.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
