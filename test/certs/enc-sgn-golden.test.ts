/**
 * The `.enc.sgn` encryption header byte for byte (docs/reference/trust-files.md §3; the independent `enccnf`
 * builder's layout): ENCRYPTION_INFO (16) holds IV info (17) and key info (21) and is 306 bytes for a
 * 2048-bit device key; the plaintext hash algorithm (26) and hash (27) follow it at the top level.
 * A file laid out the other way (26 and 27 inside 16) still reads.
 */
import { constants, createCipheriv, createHash, publicEncrypt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEncSgn, decryptEncSgn, encryptedConfigFilename, parseEncSgn } from '../../certs/enc-sgn.ts';
import {
  buildSignedFile,
  concatBytes,
  encodeContainer,
  encodeElement,
  HeaderTag,
  u8,
  u16,
} from '../../certs/tlv.ts';
import { unwrap } from '../../emulator/result.ts';
import { CertFactory, MAC, PUB_SERIAL, PUB_SUBJECT, type TestCert } from './ctl-fixtures.ts';

const f = new CertFactory();
afterAll(() => f.cleanup());
let cm: TestCert;
let lsc: TestCert;
beforeAll(async () => {
  cm = await f.cert({ subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 2048 });
  lsc = await f.cert({ subject: '/CN=CP-8861-SEP001122334455', serial: '0A', key: f.rsaKey(2048, true) });
});

const XML = '<device><fullConfig>true</fullConfig></device>\n'; // 47 bytes: one byte of \r padding
const AES_KEY = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const IV = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');

function built() {
  return unwrap(
    buildEncSgn({
      signer: { cert: cm.cert, key: cm.key },
      deviceCert: lsc.cert,
      xml: XML,
      filename: encryptedConfigFilename(MAC),
      timestamp: 1_700_000_000,
      aesKey: AES_KEY,
      iv: IV,
    }),
  ).bytes;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('.enc.sgn encryption header', () => {
  it('is ENCRYPTION_INFO{IV info, key info} of 306 bytes, then the plaintext hash algorithm and hash', () => {
    const bytes = Buffer.from(built());
    const p = unwrap(parseEncSgn(bytes));
    const at = p.header.elements.findIndex((e) => e.tag === HeaderTag.ENCRYPTION_INFO);
    const info = p.header.elements[at];
    expect(info?.length).toBe(306);
    expect(info?.children?.map((c) => c.tag)).toEqual([17, 21]);
    expect(p.header.elements.slice(at - 1, at + 3).map((e) => e.tag)).toEqual([15, 16, 26, 27]);
    // Every byte but the RSA-encrypted key (random PKCS#1 v1.5 padding):
    const start = info?.offset ?? 0;
    const region = bytes.subarray(start, start + 3 + 306 + 4 + 23);
    const sha1 = createHash('sha1').update(XML).digest('hex');
    const expected =
      `100132` + // ENCRYPTION_INFO, 306
      `11001c` + // IV info, 28
      `12000100` + // unknown1 = 0
      `130010${hex(IV)}` + // IV
      `1400020001` + // padding count 1
      `150110` + // key info, 272
      `16000100` + // unknown2 = 0
      `1700020800` + // key size 2048
      `18000101` + // key algorithm 1
      `190100${'..'.repeat(256)}` + // encrypted key, 256 bytes
      `1a000101` + // plaintext hash algorithm SHA-1
      `1b0014${sha1}`; // plaintext hash
    expect(hex(region)).toMatch(new RegExp(`^${expected}$`));
  });

  it('decrypts a file that puts the plaintext hash inside ENCRYPTION_INFO (the other layout)', () => {
    const xml = Buffer.from(XML);
    const padded = concatBytes([xml, Uint8Array.of(0x0d)]);
    const cipher = createCipheriv('aes-128-cbc', AES_KEY, IV).setAutoPadding(false);
    const ciphertext = Buffer.concat([cipher.update(padded), cipher.final()]);
    const encryptedKey = publicEncrypt(
      { key: lsc.cert.publicKey, padding: constants.RSA_PKCS1_PADDING },
      AES_KEY,
    );
    const extraHeader = encodeContainer(HeaderTag.ENCRYPTION_INFO, [
      encodeContainer(HeaderTag.IV_INFO, [
        encodeElement(HeaderTag.IV_UNKNOWN, u8(0)),
        encodeElement(HeaderTag.IV, IV),
        encodeElement(HeaderTag.PADDING_COUNT, u16(1)),
      ]),
      encodeContainer(HeaderTag.KEY_INFO, [
        encodeElement(HeaderTag.KEY_UNKNOWN, u8(0)),
        encodeElement(HeaderTag.KEY_SIZE, u16(2048)),
        encodeElement(HeaderTag.KEY_ALGORITHM, u8(1)),
        encodeElement(HeaderTag.ENCRYPTED_KEY, encryptedKey),
      ]),
      encodeElement(HeaderTag.PLAINTEXT_HASH_ALGORITHM, u8(1)),
      encodeElement(HeaderTag.PLAINTEXT_HASH, createHash('sha1').update(xml).digest()),
    ]);
    const file = unwrap(
      buildSignedFile({
        what: '.enc.sgn file',
        version: [2, 0],
        signer: { cert: cm.cert, key: cm.key },
        digest: 'sha1',
        filename: encryptedConfigFilename(MAC),
        timestamp: 1_700_000_000,
        extraHeader,
        body: ciphertext,
      }),
    ).bytes;
    const p = unwrap(parseEncSgn(file));
    expect(p.header.elements.find((e) => e.tag === HeaderTag.ENCRYPTION_INFO)?.length).toBe(333);
    expect(Buffer.from(unwrap(decryptEncSgn(p, lsc.key))).toString()).toBe(XML);
  });
});
