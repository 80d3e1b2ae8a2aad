/**
 * The artifacts show what TFTP serves: once CAPF has issued an LSC and CUCM encrypts the
 * config to it, the config in the artifacts is the one served, not the plaintext from before CAPF. The
 * served version is read by decrypting the `.enc.sgn` of the artifacts with the phone's LSC key.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { decryptEncSgn, parseEncSgn } from '../../certs/enc-sgn.ts';
import { uclab } from '../support/cli.ts';

const MAC = '0011215A1AE3';

function versionStamp(xml: string): string | undefined {
  return /<versionStamp>([^<]*)<\/versionStamp>/.exec(xml)?.[1];
}

it('after CAPF the artifacts hold the encrypted config TFTP serves and no plaintext of an older version', async () => {
  const out = mkdtempSync(join(tmpdir(), 'uclab-enc-artifacts-'));
  try {
    const r = await uclab(
      ['run', 'ctl-mixed-mode-happy', '--variant', 'tokenless', '--artifacts', out, '--quiet'],
      { timeoutMs: 120_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const run = join(out, 'ctl-mixed-mode-happy', 'tokenless');
    const tftp = join(run, 'tftp', 'cucm-pub');
    const parsed = parseEncSgn(new Uint8Array(readFileSync(join(tftp, `SEP${MAC}.cnf.xml.enc.sgn`))));
    if (!parsed.ok) throw new Error(parsed.error.message);
    const lscKey = createPrivateKey(readFileSync(join(run, 'phones', `SEP${MAC}`, 'LSC.key')));
    const served = decryptEncSgn(parsed.value, lscKey);
    if (!served.ok) throw new Error(served.error.message);
    const servedVersion = versionStamp(Buffer.from(served.value).toString('utf8'));
    expect(servedVersion).toBeDefined();
    // The plaintext config is not served once the config is encrypted; a copy left behind would be
    // the version from before CAPF.
    const plain = join(tftp, `SEP${MAC}.cnf.xml`);
    const left = existsSync(plain)
      ? `plaintext version ${versionStamp(readFileSync(plain, 'utf8'))} beside the served ${servedVersion}`
      : 'only the served config';
    expect(left).toBe('only the served config');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 150_000);
