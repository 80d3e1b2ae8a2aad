/**
 * `uclab probe itl --held OLD NEW`: offline, would a phone holding OLD accept NEW, directly, through TVS
 * (and what TVS must vouch for), or not at all. On files the lab's CUCM makes before and after a
 * CallManager regeneration (11.5: CallManager signs the ITL; 14: ITLRecovery does, docs/reference/trust-files.md §1.6),
 * and on files made by an independent tool: certificates from the openssl CLI and a trust list whose
 * TLV bytes are built here from docs/reference/trust-files.md and signed with `openssl dgst -sha1 -sign`.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciscoSubject } from '../../certs/cisco-dn.ts';
import type { CucmRelease } from '../../devices/cucm/releases.ts';
import { startCucmLab } from '../cucm/support.ts';
import { uclab } from '../support/cli.ts';
import { hasPeer, run } from '../support/peers.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'uclab-probe-itl-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function probe(args: string[]) {
  return uclab(['probe', 'itl', ...args]);
}

describe.each<[CucmRelease, string]>([
  ['11.5', 'accepted-through-tvs'],
  ['14', 'accepted'],
])('the ITLs of a CUCM %s node before and after a CallManager regeneration', (release, expected) => {
  let before: string;
  let after: string;
  let newCallManager: X509Certificate;
  beforeAll(async () => {
    const t = await startCucmLab(`probe-itl-${release.replace('.', '-')}`, { release });
    try {
      before = join(dir, `before-${release}.tlv`);
      writeFileSync(before, t.pub.tftpFiles.itl().bytes);
      await t.pub.exec('set cert regen CallManager');
      after = join(dir, `after-${release}.tlv`);
      writeFileSync(after, t.pub.tftpFiles.itl().bytes);
      newCallManager = t.pub.certs.own('CallManager').identity.cert;
    } finally {
      await t.stop();
    }
  }, 60_000);

  it(`a phone holding the old ITL takes the new one: ${expected}, exit 0`, async () => {
    const r = await probe([
      '--held',
      before,
      after,
      '--json',
      '--firmware',
      'sip-88xx-14.2',
      'sccp-79xx-9.4',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.results.map((x: { verdict: string }) => x.verdict)).toEqual([expected, expected]);
    if (expected === 'accepted-through-tvs') {
      // What TVS must vouch for is the new CallManager certificate, by subject, issuer and serial.
      expect(out.results[0].tvs).toMatchObject({
        subject: ciscoSubject(newCallManager),
        serial: newCallManager.serialNumber.replace(/^0+/, '').toUpperCase(),
      });
    } else {
      expect(out.results[0].tvs).toBeUndefined();
    }
  });
});

// ---------- an independent tool: openssl certificates, TLV bytes from the reference, openssl signature

const tlv = (tag: number, value: Buffer) => {
  const h = Buffer.alloc(3);
  h.writeUInt8(tag, 0);
  h.writeUInt16BE(value.length, 1);
  return Buffer.concat([h, value]);
};
const str = (s: string) => Buffer.from(`${s}\0`, 'latin1');
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
/** A DN as CUCM writes it (trust-files.md docs/reference/trust-files.md §1.1): CN first, `;`-separated. */
const dn = (s: string) =>
  s
    .split('\n')
    .sort((a, b) => (a.startsWith('CN=') ? -1 : b.startsWith('CN=') ? 1 : 0))
    .join(';');
const serial = (c: X509Certificate) => Buffer.from(c.serialNumber.replace(/^(00)+(?=..)/, ''), 'hex');

/** openssl req -x509: a self-signed RSA 2048 certificate and its key, files in `dir`. */
async function opensslCert(name: string): Promise<{ pem: string; key: string; cert: X509Certificate }> {
  const pem = join(dir, `${name}.pem`);
  const key = join(dir, `${name}.key`);
  const r = await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-sha256',
    '-days',
    '365',
    '-keyout',
    key,
    '-out',
    pem,
    '-subj',
    `/O=Independent/CN=${name}`,
  ]);
  if (r.code !== 0) throw new Error(r.stderr);
  return { pem, key, cert: new X509Certificate(readFileSync(pem)) };
}

/** A trust record (trust-files.md docs/reference/trust-files.md §1.3): tags 1-7, 9, 10; no tag 8, as in eToken records. */
function record(c: X509Certificate, fn: number): Buffer {
  const body = Buffer.concat([
    tlv(2, str('')),
    tlv(3, str(dn(c.subject))),
    tlv(4, u16(fn)),
    tlv(5, str(dn(c.issuer))),
    tlv(6, serial(c)),
    tlv(7, c.publicKey.export({ type: 'pkcs1', format: 'der' })),
    tlv(9, Buffer.from(c.raw)),
    tlv(10, Buffer.from([127, 0, 0, 1])),
  ]);
  return Buffer.concat([tlv(1, u16(body.length + 5)), body]);
}

/** An ITL (trust-files.md docs/reference/trust-files.md §1.2, §1.5) signed by `signer` with `openssl dgst -sha1 -sign`. */
async function opensslItl(
  name: string,
  signer: { key: string; cert: X509Certificate },
  records: Buffer[],
): Promise<string> {
  const signerId = Buffer.concat([
    tlv(4, str(dn(signer.cert.subject))),
    tlv(5, serial(signer.cert)),
    tlv(6, str(dn(signer.cert.issuer))),
  ]);
  const sigInfo = tlv(
    7,
    Buffer.concat([
      tlv(8, Buffer.from([1])),
      tlv(9, Buffer.concat([tlv(10, Buffer.from([0])), tlv(11, Buffer.from([2]))])),
    ]),
  );
  const timestamp = Buffer.alloc(4);
  timestamp.writeUInt32BE(1_700_000_000);
  const sigLength = 256;
  const tail = Buffer.concat([tlv(14, str('ITLFile.tlv')), tlv(15, timestamp)]);
  const unpadded = 5 + 5 + 3 + signerId.length + sigInfo.length + 3 + sigLength + tail.length;
  const padding = Buffer.alloc((4 - (unpadded % 4)) % 4, 0x0d);
  const before = Buffer.concat([
    tlv(1, Buffer.from([1, 2])),
    tlv(2, u16(unpadded + padding.length)),
    tlv(3, signerId),
    sigInfo,
  ]);
  const after = Buffer.concat([tail, padding, ...records]);
  // The signed bytes: the whole file without the SIGNATURE TLV (tag 12, its length and value).
  const input = join(dir, `${name}.signed-bytes`);
  writeFileSync(input, Buffer.concat([before, after]));
  const sig = await run('openssl', ['dgst', '-sha1', '-sign', signer.key, '-out', `${input}.sig`, input]);
  if (sig.code !== 0) throw new Error(sig.stderr);
  const signature = readFileSync(`${input}.sig`);
  if (signature.length !== sigLength) throw new Error(`openssl signature of ${signature.length} bytes`);
  const file = join(dir, `${name}.tlv`);
  writeFileSync(file, Buffer.concat([before, tlv(12, signature), after]));
  return file;
}

describe.skipIf(!hasPeer('openssl') && process.env.CI !== 'true')('trust lists made outside uclab', () => {
  let old: string;
  let oldNoTvs: string;
  let sameSigner: string;
  let otherSigner: string;
  let tampered: string;
  let other: { cert: X509Certificate };
  beforeAll(async () => {
    const sast = await opensslCert('ext-sast');
    const tvs = await opensslCert('ext-tvs');
    const tftp = await opensslCert('ext-tftp');
    other = await opensslCert('ext-sast-2');
    old = await opensslItl('old', sast, [record(sast.cert, 0), record(tvs.cert, 21), record(tftp.cert, 3)]);
    oldNoTvs = await opensslItl('old-no-tvs', sast, [record(sast.cert, 0), record(tftp.cert, 3)]);
    sameSigner = await opensslItl('same-signer', sast, [record(sast.cert, 0), record(tvs.cert, 21)]);
    otherSigner = await opensslItl('other-signer', other as typeof sast, [
      record(other.cert, 0),
      record(tvs.cert, 21),
    ]);
    const t = readFileSync(sameSigner);
    t[t.length - 10] = (t[t.length - 10] ?? 0) ^ 0xff;
    tampered = join(dir, 'tampered.tlv');
    writeFileSync(tampered, t);
  }, 60_000);

  it('a new ITL signed by the SAST the phone holds is accepted directly, exit 0', async () => {
    const r = await probe(['--held', old, sameSigner, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const read = out.results.filter((x: { verdict: string }) => x.verdict !== 'not-read');
    expect(read.length).toBeGreaterThan(0);
    for (const x of read) expect(x.verdict).toBe('accepted');
  });

  it('a new ITL signed by an unknown key goes through TVS, which must vouch for its signer, exit 0', async () => {
    const r = await probe(['--held', old, otherSigner]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('accepted-through-tvs');
    expect(r.stdout).toContain(`serial  ${serial(other.cert).toString('hex').toUpperCase()}`);
    expect(r.stdout).toContain('subject CN=ext-sast-2;O=Independent');
  });

  it('an unknown signer with no TVS record in the held ITL is refused, exit 1', async () => {
    const r = await probe(['--held', oldNoTvs, otherSigner, '--json']);
    expect(r.code, r.stdout).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.verdict).toBe('refused');
    expect(out.results.find((x: { firmware: string }) => x.firmware === 'sip-88xx-14.2').reason).toMatch(
      /no TVS record/,
    );
  });

  it('a file whose bytes changed after signing is refused, exit 1', async () => {
    const r = await probe(['--held', old, tampered, '--json']);
    expect(r.code, r.stdout).toBe(1);
    expect(
      JSON.parse(r.stdout).results.find((x: { firmware: string }) => x.firmware === 'sip-88xx-14.2'),
    ).toMatchObject({ verdict: 'refused', reason: expect.stringMatching(/signature does not verify/) });
  });

  it('a file that is not a trust list is bad input, exit 2', async () => {
    const r = await probe(['--held', old, join(dir, 'ext-sast.pem')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^uclab probe itl: NEW .*ext-sast\.pem: not a CTL\/ITL file/);
  });

  it('a CTL given as the held ITL is bad input, exit 2', async () => {
    const ctl = join(dir, 'ctl.tlv');
    writeFileSync(
      ctl,
      Buffer.from(readFileSync(old).toString('latin1').replace('ITLFile.tlv', 'CTLFile.tlv'), 'latin1'),
    );
    const r = await probe(['--held', ctl, sameSigner]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a CTL, not a ITL');
  });
});
