import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildEncryptedConfigStub,
  buildEncSgn,
  certHashMd5,
  decryptEncSgn,
  encryptedConfigFilename,
  parseEncSgn,
  rsaPkcs1v15Decrypt,
} from '../../certs/enc-sgn.ts';
import { parsePhoneConfig } from '../../certs/phone-config.ts';
import { parseSgn } from '../../certs/sgn.ts';
import { verifySignedFile } from '../../certs/tlv.ts';
import { unwrap } from '../../emulator/result.ts';
import { CertFactory, MAC, PUB_SERIAL, PUB_SUBJECT, type TestCert } from './ctl-fixtures.ts';

const f = new CertFactory();
afterAll(() => f.cleanup());
let cm: TestCert;
let lsc: TestCert;
let mic: TestCert;
beforeAll(async () => {
  cm = await f.cert({ subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 2048 });
  lsc = await f.cert({ subject: '/CN=SEP001122334455', serial: '0A', key: f.rsaKey(2048, true) });
  mic = await f.cert({ subject: '/CN=CP-8841-SEP001122334455', serial: '0B', key: f.rsaKey(2048, true) });
});

const XML = '<?xml version="1.0" encoding="UTF-8"?>\n<device><fullConfig>true</fullConfig></device>\n';
const build = (xml = XML) =>
  unwrap(
    buildEncSgn({
      signer: { cert: cm.cert, key: cm.key },
      deviceCert: lsc.cert,
      xml,
      filename: encryptedConfigFilename(MAC),
      timestamp: 1700000000,
    }),
  );

describe('.enc.sgn', () => {
  it('the AES key unwraps through the manual PKCS#1 v1.5 path to the key it was built with', () => {
    // Node 20 may refuse privateDecrypt with RSA_PKCS1_PADDING (CVE-2023-46809); the manual path
    // (raw RSA, then the 00 02 PS 00 block checked by hand) must give the key back either way.
    const b = build();
    const enc = unwrap(parseEncSgn(b.bytes)).encryption.encryptedKey;
    expect(Buffer.from(rsaPkcs1v15Decrypt(lsc.key, enc) ?? []).equals(Buffer.from(b.aesKey))).toBe(true);
    expect(rsaPkcs1v15Decrypt(mic.key, enc)).toBeUndefined();
  });

  it('round trips: version 2.0, encryption fields, and the XML back with the right key', () => {
    const built = build();
    const p = unwrap(parseEncSgn(built.bytes));
    expect(p.version).toEqual({ major: 2, minor: 0 });
    expect(p.filename).toBe('SEP001122334455.cnf.xml.enc.sgn');
    expect(p.encryption.iv.length).toBe(16);
    expect(p.encryption.keySizeBits).toBe(2048);
    expect(p.encryption.keyAlgorithm).toBe(1);
    expect(p.encryption.paddingCount).toBe(16 - (new TextEncoder().encode(XML).length % 16));
    expect(p.ciphertext.length % 16).toBe(0);
    expect(p.headerLength % 4).toBe(0);
    expect(new TextDecoder().decode(unwrap(decryptEncSgn(p, lsc.key)))).toBe(XML);
    expect(Buffer.from(unwrap(decryptEncSgn(p, lsc.key))).equals(Buffer.from(XML))).toBe(true);
  });

  it('an XML of exactly 32 bytes gets 16 bytes of \\r padding', () => {
    const xml = '<device><a>1234567</a></device>\n'.slice(0, 32);
    const p = unwrap(parseEncSgn(build(xml).bytes));
    expect(p.encryption.paddingCount).toBe(16);
    expect(new TextDecoder().decode(unwrap(decryptEncSgn(p, lsc.key)))).toBe(xml);
  });

  it('decryption with another device key fails with a typed error', () => {
    const p = unwrap(parseEncSgn(build().bytes));
    const r = decryptEncSgn(p, mic.key);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('enc-sgn.key-decrypt-failed');
  });

  it('the TFTP signature verifies, and a flipped ciphertext byte breaks it', () => {
    const bytes = build().bytes;
    const p = unwrap(parseEncSgn(bytes));
    expect(verifySignedFile(p, cm.cert)).toBe(true);
    const bad = new Uint8Array(bytes);
    bad[bad.length - 1]! ^= 1;
    expect(verifySignedFile(unwrap(parseEncSgn(bad)), cm.cert)).toBe(false);
  });

  it('a tampered ciphertext that still verifies nothing gives a hash mismatch on decryption', () => {
    const bytes = new Uint8Array(build().bytes);
    bytes[bytes.length - 20]! ^= 1;
    const r = decryptEncSgn(unwrap(parseEncSgn(bytes)), lsc.key);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('enc-sgn.hash-mismatch');
  });

  it('a ciphertext that is not a multiple of 16 is tlv.bad-ciphertext-length', () => {
    const bytes = build().bytes;
    const r = parseEncSgn(bytes.subarray(0, bytes.length - 3));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('tlv.bad-ciphertext-length');
  });

  it('the signed stub carries fullConfig false, the MD5 certHash of the LSC and encrConfig true', () => {
    const stub = unwrap(
      buildEncryptedConfigStub({
        signer: { cert: cm.cert, key: cm.key },
        mac: MAC,
        deviceCert: lsc.cert,
        timestamp: 1,
        loadInformation: 'sip88xx.14-2-1-0201-40',
        capfAuthMode: 0,
        capfList: [{ phonePort: 3804, processNodeName: '' }],
      }),
    );
    const p = unwrap(parseSgn(stub.bytes));
    expect(p.filename).toBe('SEP001122334455.cnf.xml.sgn');
    expect(verifySignedFile(p, cm.cert)).toBe(true);
    const cfg = unwrap(parsePhoneConfig(p.payload));
    expect(cfg.fullConfig).toBe(false);
    expect(cfg.encrConfig).toBe(true);
    expect(cfg.certHash).toBe(certHashMd5(lsc.cert));
    expect(cfg.certHash).toMatch(/^[0-9a-f]{32}$/);
    expect(cfg.loadInformation).toBe('sip88xx.14-2-1-0201-40');
  });
});
