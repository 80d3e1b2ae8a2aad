import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTrustList,
  encodeTrustRecord,
  parseTrustList,
  perDeviceTrustListFilename,
  Role,
  recordFromCertificate,
  role,
  verifyTrustList,
} from '../../certs/ctl.ts';
import { signedBytesOf } from '../../certs/tlv.ts';
import { unwrap } from '../../emulator/result.ts';
import { itWithPeers } from '../support/peers.ts';
import { CertFactory, MAC, OPENSSL, PUB_SERIAL, PUB_SUBJECT, type TestCert } from './ctl-fixtures.ts';

const f = new CertFactory();
afterAll(() => f.cleanup());

let sast: TestCert;
let cm: TestCert;
let tvs: TestCert;
let other: TestCert;
beforeAll(async () => {
  sast = await f.cert({
    subject: '/C=PL/O=Cisco/OU=TAC/CN=ITLRECOVERY_cucm-pub',
    serial: '1A2B3C4D',
    bits: 2048,
  });
  cm = await f.cert({ subject: PUB_SUBJECT, serial: PUB_SERIAL, key: f.rsaKey(1024, true) });
  tvs = await f.cert({
    subject: '/C=PL/O=Cisco/OU=TAC/CN=tvs-cucm-pub',
    serial: '0B0C',
    key: f.rsaKey(1024, true),
  });
  other = await f.cert({
    subject: '/C=PL/O=Cisco/OU=TAC/CN=ITLRECOVERY_cucm-pub',
    serial: '1A2B3C4D',
    key: f.rsaKey(2048, true),
  });
});

function itl(digest: 'sha1' | 'sha512' = 'sha1') {
  return unwrap(
    buildTrustList({
      kind: 'ITL',
      signer: { cert: sast.cert, key: sast.key },
      digest,
      timestamp: 1700000000,
      records: [
        recordFromCertificate(sast.cert, Role.SAST, { dnsName: '' }),
        recordFromCertificate(cm.cert, Role.TFTP, { dnsName: 'cucm-pub', ipAddress: '10.0.0.1' }),
        recordFromCertificate(tvs.cert, Role.TVS, { dnsName: 'cucm-pub', certHash: 'sha1', ipAddress: null }),
      ],
    }),
  );
}

describe('CTL/ITL round trip', () => {
  it('an ITL parses back to the records and header it was built from', () => {
    const list = unwrap(parseTrustList(itl()));
    expect(list.kind).toBe('ITL');
    expect(list.version).toEqual({ major: 1, minor: 2 });
    expect(list.filename).toBe('ITLFile.tlv');
    expect(list.timestamp).toBe(1700000000);
    expect(list.digest).toBe('sha1');
    expect(list.signatureModulusBits).toBe(2048);
    expect(list.signer.name).toBe('CN=ITLRECOVERY_cucm-pub;OU=TAC;O=Cisco;C=PL');
    expect(Buffer.from(list.signer.serial).toString('hex')).toBe('1a2b3c4d');
    expect(list.records.map((r) => r.role)).toEqual([role(0), role(3), role(21)]);
    expect(list.records[1]!.ipAddress).toBe('10.0.0.1');
    expect(list.records[1]!.dnsName).toBe('cucm-pub');
    expect(Buffer.from(list.records[1]!.certificate!).equals(cm.cert.raw)).toBe(true);
    expect(list.records[2]!.certificate).toBeUndefined();
    expect(list.records[2]!.certHash?.length).toBe(20);
    expect(list.records[2]!.hashAlgorithm).toBe(1);
    expect(list.records[2]!.ipAddress).toBeUndefined();
  });

  it('records re-encode to the same bytes', () => {
    const bytes = itl();
    const list = unwrap(parseTrustList(bytes));
    for (const r of list.records) {
      expect(
        Buffer.from(encodeTrustRecord(r)).equals(
          Buffer.from(bytes.subarray(r.offset, r.offset + r.recordLength)),
        ),
      ).toBe(true);
    }
  });

  it('a CTL signed with SHA-512 round trips and verifies', () => {
    const bytes = unwrap(
      buildTrustList({
        kind: 'CTL',
        signer: { cert: sast.cert, key: sast.key },
        digest: 'sha512',
        timestamp: 1,
        records: [recordFromCertificate(sast.cert, Role.SAST), recordFromCertificate(cm.cert, Role.CCM_TFTP)],
      }),
    );
    const list = unwrap(parseTrustList(bytes));
    expect(list.kind).toBe('CTL');
    expect(list.digest).toBe('sha512');
    expect(verifyTrustList(list).ok).toBe(true);
  });

  it('verifies against its own SAST record and names the record', () => {
    const v = unwrap(verifyTrustList(unwrap(parseTrustList(itl()))));
    expect(v.source).toBe('record');
    expect(v.recordIndex).toBe(0);
    expect(v.cert.fingerprint256).toBe(sast.cert.fingerprint256);
  });

  it('verifies against a certificate the phone already trusts', () => {
    const v = unwrap(verifyTrustList(unwrap(parseTrustList(itl())), [cm.cert, sast.cert]));
    expect(v.source).toBe('candidate');
    expect(v.cert.fingerprint256).toBe(sast.cert.fingerprint256);
  });

  it('a phone that trusts only other signers reports signer-not-found', () => {
    const r = verifyTrustList(unwrap(parseTrustList(itl())), [cm.cert, tvs.cert]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('signer-not-found');
  });

  it('a cert with the same name and serial but another key reports signature-mismatch', () => {
    const r = verifyTrustList(unwrap(parseTrustList(itl())), [other.cert]);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('trust-list.signature-mismatch');
  });

  it('a single flipped byte anywhere in the signed content makes verification fail', () => {
    const good = itl();
    const list = unwrap(parseTrustList(good));
    const sig = list.header.signatureTlv;
    for (let i = 0; i < good.length; i += 3) {
      if (i >= sig.offset && i < sig.offset + 3) continue;
      const bad = new Uint8Array(good);
      bad[i]! ^= 0x01;
      const parsed = parseTrustList(bad);
      if (!parsed.ok) continue; // a broken structure is also a rejection
      expect(verifyTrustList(parsed.value, [sast.cert]).ok, `flip at ${i}`).toBe(false);
    }
  });

  itWithPeers(['openssl'], 'the signature verifies with openssl dgst over signedBytes', async () => {
    const list = unwrap(parseTrustList(itl()));
    writeFileSync(f.path('signed.bin'), signedBytesOf(list));
    writeFileSync(f.path('sig.bin'), list.signature);
    writeFileSync(f.path('pub.pem'), createPublicKey(sast.key).export({ type: 'spki', format: 'pem' }));
    const out = execFileSync(OPENSSL, [
      'dgst',
      '-sha1',
      '-verify',
      f.path('pub.pem'),
      '-signature',
      f.path('sig.bin'),
      f.path('signed.bin'),
    ]).toString();
    expect(out.trim()).toBe('Verified OK');
  });

  it('per-MAC variants are named CTLSEP<MAC>.tlv but carry CTLFile.tlv inside', () => {
    expect(perDeviceTrustListFilename('ITL', '00:11:22:aa:bb:cc')).toBe('ITLSEP001122AABBCC.tlv');
    expect(perDeviceTrustListFilename('CTL', MAC)).toBe('CTLSEP001122334455.tlv');
    expect(unwrap(parseTrustList(itl())).filename).toBe('ITLFile.tlv');
  });

  it('an RSA-1024 record carries a 140-byte PKCS#1 key and an EC record the 65-byte point', async () => {
    expect(recordFromCertificate(cm.cert, Role.CCM).publicKey.length).toBe(140);
    const ec = await f.cert({ subject: '/CN=ec-node', serial: '05', key: f.ecKey() });
    const rec = recordFromCertificate(ec.cert, Role.CCM);
    expect(rec.publicKey.length).toBe(65);
    expect(rec.publicKey[0]).toBe(4);
  });

  it('an unknown role code is kept and printed raw', () => {
    const bytes = unwrap(
      buildTrustList({
        kind: 'CTL',
        signer: { cert: sast.cert, key: sast.key },
        timestamp: 1,
        records: [{ ...recordFromCertificate(cm.cert, 5) }],
      }),
    );
    expect(unwrap(parseTrustList(bytes)).records[0]!.role).toEqual({ code: 5, name: '5' });
  });

  it('a 3072-bit signing key is refused with a typed error (no SIGNATUREMODULUS code)', async () => {
    // The builder never checks the key against the certificate (a scenario may sign with the wrong key).
    const big = await f.cert({ subject: '/CN=big', serial: '07' });
    const r = buildTrustList({
      kind: 'CTL',
      signer: { cert: big.cert, key: f.rsaKey(3072) },
      timestamp: 1,
      records: [],
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('tlv.unsupported-modulus');
  });
});
