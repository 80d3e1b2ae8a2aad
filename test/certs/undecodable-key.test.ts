/**
 * One changed byte in a certificate can leave it parseable by node while OpenSSL cannot decode its
 * public key (`X509Certificate#publicKey` throws `error:03000072:digital envelope routines::decode
 * error`, toolchain facts 4.3). Such a certificate in an ITL, a PEM file or a signer must give a typed
 * error naming where it is, never an exception, and `uclab inspect` goes on with the next file.
 */
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTrustList,
  parseTrustList,
  Role,
  recordFromCertificate,
  verifyTrustList,
} from '../../certs/ctl.ts';
import { describeCertificate, inspectFile } from '../../certs/inspect.ts';
import { buildSgn, parseSgn } from '../../certs/sgn.ts';
import { verifySignedFile } from '../../certs/tlv.ts';
import { unwrap } from '../../emulator/result.ts';
import { uclab } from '../support/cli.ts';
import { CertFactory, PUB_SERIAL, PUB_SUBJECT, type TestCert } from './ctl-fixtures.ts';

const f = new CertFactory();
afterAll(() => f.cleanup());

let signer: TestCert;
let itl: Buffer;
/** The ITL with one byte of its signer's certificate changed so that its key no longer decodes. */
let broken: Buffer;
/** Where that certificate's record starts in the file. */
let recordOffset: number;

/** The first single-bit change of `der` that node still parses but whose key OpenSSL cannot decode. */
function undecodableKeyVariant(der: Buffer): Buffer {
  for (let i = 0; i < der.length; i++) {
    const b = Buffer.from(der);
    b[i] = (b[i] as number) ^ 0x01;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(b);
    } catch {
      continue;
    }
    try {
      void cert.publicKey;
    } catch {
      return b;
    }
  }
  throw new Error('no single-bit change makes the key undecodable');
}

beforeAll(async () => {
  signer = await f.cert({ subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 2048 });
  itl = Buffer.from(
    unwrap(
      buildTrustList({
        kind: 'ITL',
        signer: { cert: signer.cert, key: signer.key },
        timestamp: 1_700_000_000,
        records: [recordFromCertificate(signer.cert, Role.SAST, { dnsName: 'cucm-pub' })],
      }),
    ),
  );
  const der = Buffer.from(signer.cert.raw);
  const at = itl.indexOf(der);
  broken = Buffer.from(itl);
  undecodableKeyVariant(der).copy(broken, at);
  recordOffset = unwrap(parseTrustList(broken)).records[0]?.offset ?? -1;
});

describe('a certificate whose public key cannot be decoded', () => {
  it('makes the ITL verification a typed error naming the record and its offset', () => {
    const v = verifyTrustList(unwrap(parseTrustList(broken)));
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(v.error.code).toBe('trust-list.bad-signer-key');
    expect(v.error.message).toContain(`ITL record 1 at byte ${recordOffset}`);
  });

  it('is printed by inspect as a failed verification with its reason, not thrown', () => {
    const out = unwrap(inspectFile(broken, 'ITLFile.tlv'));
    expect(out).toContain('Verification of the ITL File Failed');
    expect(out).toContain(
      `Reason: ITL file: the signature cannot be verified: ITL record 1 at byte ${recordOffset}`,
    );
  });

  it('is a typed tlv.bad-public-key error when the certificate itself is inspected', () => {
    const der = undecodableKeyVariant(Buffer.from(signer.cert.raw));
    const r = describeCertificate(der);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('tlv.bad-public-key');
  });

  it('as the --trust certificate of a .sgn leaves the signature unverified instead of throwing', () => {
    const sgn = unwrap(
      buildSgn({
        signer: { cert: signer.cert, key: signer.key },
        filename: 'SEP001122334455.cnf.xml.sgn',
        timestamp: 1_700_000_000,
        payload: '<device/>',
      }),
    ).bytes;
    const bad = new X509Certificate(undecodableKeyVariant(Buffer.from(signer.cert.raw)));
    expect(verifySignedFile(unwrap(parseSgn(sgn)), bad)).toBe(false);
    const out = unwrap(inspectFile(sgn, 'SEP001122334455.cnf.xml.sgn', { trusted: [bad] }));
    expect(out).toContain('File sign verify FAILED.');
  });

  it('uclab inspect reports it and goes on with the next file, exit 0', async () => {
    const bad = f.path('broken-ITLFile.tlv');
    const good = f.path('ITLFile.tlv');
    writeFileSync(bad, broken);
    writeFileSync(good, itl);
    const r = await uclab(['inspect', bad, good]);
    expect(r.stderr).not.toContain('digital envelope routines');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Verification of the ITL File Failed');
    expect(r.stdout).toContain('The ITL file was verified successfully.');
  });
});
