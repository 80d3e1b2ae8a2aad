/**
 * Every malformed-input class returns a typed `tlv.*` error naming the offset, and no input makes a
 * parser throw.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrustList, parseTrustList, Role, recordFromCertificate } from '../../certs/ctl.ts';
import { buildEncSgn, parseEncSgn } from '../../certs/enc-sgn.ts';
import { inspectFile } from '../../certs/inspect.ts';
import { buildSgn, parseSgn } from '../../certs/sgn.ts';
import { renderShowCtl } from '../../certs/show-ctl.ts';
import { unwrap } from '../../emulator/result.ts';
import { CertFactory, PUB_SERIAL, PUB_SUBJECT, type TestCert } from './ctl-fixtures.ts';

const f = new CertFactory();
afterAll(() => f.cleanup());

let pub: TestCert;
let ctl: Uint8Array; // header 336, records follow
beforeAll(async () => {
  pub = await f.cert({ subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 1024 });
  ctl = unwrap(
    buildTrustList({
      kind: 'CTL',
      signer: { cert: pub.cert, key: pub.key },
      timestamp: 1425667513,
      records: [
        recordFromCertificate(pub.cert, Role.SAST, { dnsName: 'cucm-1051-a-pub' }),
        recordFromCertificate(pub.cert, Role.CCM_TFTP, { dnsName: 'cucm-1051-a-pub' }),
      ],
    }),
  );
});

const mutate = (edit: (b: Uint8Array) => void, base?: Uint8Array) => {
  const b = new Uint8Array(base ?? ctl);
  edit(b);
  return b;
};

function expectError(bytes: Uint8Array, code: string, offset: number) {
  const r = parseTrustList(bytes);
  expect(r.ok).toBe(false);
  if (!r.ok) {
    expect(r.error.code).toBe(code);
    expect(r.error.offset).toBe(offset);
    expect(r.error.format).toBe('tlv');
    expect(r.error.message).toContain(`at byte ${offset}`);
  }
}

describe('malformed CTL/ITL input', () => {
  it('the fixture is a valid file with HeaderLength 336', () => {
    expect(unwrap(parseTrustList(ctl)).headerLength).toBe(336);
  });

  it('an empty file is tlv.empty at 0', () => expectError(new Uint8Array(0), 'tlv.empty', 0));

  it('a file cut inside the first elements is tlv.truncated', () =>
    expectError(ctl.subarray(0, 7), 'tlv.truncated', 0));

  it('a file cut inside a RECORDLENGTH element is tlv.truncated at the record', () =>
    expectError(ctl.subarray(0, 336 + 3), 'tlv.truncated', 336));

  it('a file cut inside a record is tlv.length-past-end at the record', () =>
    expectError(ctl.subarray(0, 336 + 100), 'tlv.length-past-end', 336));

  it('an element length running past the end of the file is tlv.length-past-end', () => {
    const list = unwrap(parseTrustList(ctl));
    const last = list.records[1]!;
    const cert = last.elements.find((e) => e.tag === 9)!;
    // Make the last record and its CERTIFICATE claim more than the file holds.
    const b = mutate((x) => {
      x[last.offset + 3] = 0xff;
      x[last.offset + 4] = 0xff;
    });
    expectError(b, 'tlv.length-past-end', last.offset);
    expect(cert.offset).toBeGreaterThan(last.offset);
  });

  it('HeaderLength beyond the file is tlv.header-length-beyond-file at byte 8', () =>
    expectError(
      mutate((b) => b.set([0xff, 0xfc], 8)),
      'tlv.header-length-beyond-file',
      8,
    ));

  it('HeaderLength that is not a multiple of 4 is tlv.header-length-unaligned', () =>
    expectError(
      mutate((b) => b.set([0x01, 0x51], 8)),
      'tlv.header-length-unaligned',
      8,
    ));

  it('HeaderLength shorter than the header elements is tlv.header-length-mismatch at the overrunning element', () => {
    const list = unwrap(parseTrustList(ctl));
    const ts = list.header.elements.find((e) => e.tag === 15)!;
    expectError(
      mutate((b) => b.set([0x01, 0x4c], 8)),
      'tlv.header-length-mismatch',
      ts.offset,
    ); // 332
  });

  it('HeaderLength longer than the header elements is tlv.header-length-mismatch inside the records', () =>
    expectError(
      mutate((b) => b.set([0x01, 0x54], 8)),
      'tlv.header-length-mismatch',
      336,
    )); // 340

  it('an unknown header tag is tlv.unknown-tag at its offset', () => {
    const list = unwrap(parseTrustList(ctl));
    const pad = list.header.elements.find((e) => e.tag === 13)!;
    expectError(
      mutate((b) => (b[pad.offset] = 0x63)),
      'tlv.unknown-tag',
      pad.offset,
    );
  });

  it('a missing FILENAME is tlv.missing-element', () => {
    const list = unwrap(parseTrustList(ctl));
    const fn = list.header.elements.find((e) => e.tag === 14)!;
    expectError(
      mutate((b) => b.fill(0x0d, fn.offset, fn.offset + 3 + fn.length)),
      'tlv.missing-element',
      336,
    );
  });

  it('a missing SIGNERNAME inside SIGNERID is tlv.missing-element at the container', () => {
    // Turn tag 4 into tag 6: CANAME twice, SIGNERNAME missing -> duplicate is found first.
    const b = mutate((x) => (x[13] = 6));
    const r = parseTrustList(b);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(['tlv.duplicate-element', 'tlv.missing-element']).toContain(r.error.code);
  });

  it('version 3.0 is tlv.bad-version at byte 3', () =>
    expectError(
      mutate((b) => (b[3] = 3)),
      'tlv.bad-version',
      3,
    ));

  it('a file not starting with VERSION is tlv.unexpected-tag at 0', () =>
    expectError(
      mutate((b) => (b[0] = 9)),
      'tlv.unexpected-tag',
      0,
    ));

  it('a RECORDLENGTH one byte short is tlv.record-length-mismatch', () => {
    const list = unwrap(parseTrustList(ctl));
    const r0 = list.records[0]!;
    const lastEl = r0.elements[r0.elements.length - 1]!;
    expectError(
      mutate((b) => b.set([(r0.recordLength - 1) >> 8, (r0.recordLength - 1) & 0xff], r0.offset + 3)),
      'tlv.record-length-mismatch',
      lastEl.offset,
    );
  });

  it('bytes after the last record are tlv.trailing-bytes', () => {
    const b = new Uint8Array(ctl.length + 2);
    b.set(ctl);
    b.set([0xaa, 0xbb], ctl.length);
    expectError(b, 'tlv.trailing-bytes', ctl.length);
  });

  it('a SIGNATUREMODULUS that disagrees with the signature size is tlv.signature-length-mismatch', () => {
    const list = unwrap(parseTrustList(ctl));
    const mod = list.header.elements.find((e) => e.tag === 7)!.children![1]!.children![1]!;
    const sig = list.header.signatureTlv.offset;
    expectError(
      mutate((b) => (b[mod.offset + 3] = 2)),
      'tlv.signature-length-mismatch',
      sig,
    );
  });

  it('a fixed-size element with the wrong length is tlv.bad-element-length', () => {
    const list = unwrap(parseTrustList(ctl));
    const r0 = list.records[0]!;
    const fn = r0.elements.find((e) => e.tag === 4)!;
    // FUNCTION length 2 -> 1 shifts the record: the length check or the record framing catches it.
    const r = parseTrustList(mutate((b) => (b[fn.offset + 2] = 1)));
    expect(r.ok).toBe(false);
  });
});

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('parsers never throw', () => {
  it('every truncation and 1500 random byte flips of a CTL, .sgn and .enc.sgn return a Result', () => {
    const sgn = unwrap(
      buildSgn({
        signer: { cert: pub.cert, key: pub.key },
        payload: '<device/>',
        filename: 'x.sgn',
        timestamp: 1,
      }),
    ).bytes;
    const enc = unwrap(
      buildEncSgn({
        signer: { cert: pub.cert, key: pub.key },
        deviceCert: pub.cert,
        xml: '<device/>',
        filename: 'x.enc.sgn',
        timestamp: 1,
      }),
    ).bytes;
    const rand = rng(42);
    for (const [file, parse] of [
      [ctl, parseTrustList],
      [sgn, parseSgn],
      [enc, parseEncSgn],
    ] as const) {
      const check = (b: Uint8Array) => {
        const r = (parse as (x: Uint8Array) => { ok: boolean; error?: { offset: number; code: string } })(b);
        expect(typeof r.ok).toBe('boolean');
        if (!r.ok) {
          expect(r.error!.code).toMatch(/^tlv\./);
          expect(r.error!.offset).toBeGreaterThanOrEqual(0);
          expect(r.error!.offset).toBeLessThanOrEqual(b.length);
        }
      };
      for (let n = 0; n <= file.length; n++) check(file.subarray(0, n));
      for (let i = 0; i < 1500; i++) {
        const b = new Uint8Array(file);
        const flips = 1 + Math.floor(rand() * 3);
        for (let k = 0; k < flips; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
        check(b);
      }
    }
  });

  it('show ctl and inspect render garbage without throwing', () => {
    const rand = rng(7);
    for (let i = 0; i < 300; i++) {
      const b = new Uint8Array(ctl);
      b[Math.floor(rand() * 400)] = Math.floor(rand() * 256);
      expect(typeof renderShowCtl(b)).toBe('string');
      expect(typeof inspectFile(b, 'CTLFile.tlv').ok).toBe('boolean');
      expect(typeof inspectFile(b.subarray(0, Math.floor(rand() * b.length))).ok).toBe('boolean');
    }
  });
});
