import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSgn,
  envelopeVerifiedLogLine,
  openSgn,
  parseSgn,
  signedConfigFilename,
} from '../../certs/sgn.ts';
import { signedBytesOf, verifySignedFile } from '../../certs/tlv.ts';
import { unwrap } from '../../emulator/result.ts';
import { itWithPeers } from '../support/peers.ts';
import { CertFactory, MAC, OPENSSL, PUB_SERIAL, PUB_SUBJECT, type TestCert } from './ctl-fixtures.ts';

const f = new CertFactory();
afterAll(() => f.cleanup());
let cm: TestCert;
let other: TestCert;
beforeAll(async () => {
  cm = await f.cert({ subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 2048 });
  other = await f.cert({ subject: '/CN=other', serial: '02', key: f.rsaKey(1024, true) });
});

const XML = '<?xml version="1.0" encoding="UTF-8"?>\n<device>\n  <fullConfig>true</fullConfig>\n</device>\n';
const build = () =>
  unwrap(
    buildSgn({
      signer: { cert: cm.cert, key: cm.key },
      payload: XML,
      filename: signedConfigFilename(MAC),
      timestamp: 1700000000,
    }),
  );

describe('.sgn envelope', () => {
  it('round trips: version 1.0 header, FILENAME, and the payload unchanged after HeaderLength', () => {
    const built = build();
    const f1 = unwrap(parseSgn(built.bytes));
    expect(f1.version).toEqual({ major: 1, minor: 0 });
    expect(f1.filename).toBe('SEP001122334455.cnf.xml.sgn');
    expect(f1.headerLength).toBe(built.headerLength);
    expect(f1.headerLength % 4).toBe(0);
    expect(new TextDecoder().decode(f1.payload)).toBe(XML);
    expect(f1.signer.name).toBe('CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL');
  });

  it('a 2048-bit CallManager cert with 62-byte DNs gives the computed header size (docs/reference/trust-files.md §2)', () => {
    // 5+5+3+65+19+65+18+259+(3+28)+7 = 477 -> 480
    expect(build().headerLength).toBe(480);
  });

  it('verifies with the CallManager cert and not with another cert', () => {
    const p = unwrap(parseSgn(build().bytes));
    expect(verifySignedFile(p, cm.cert)).toBe(true);
    expect(verifySignedFile(p, other.cert)).toBe(false);
    expect(openSgn(build().bytes, other.cert).ok).toBe(false);
  });

  it('a single flipped byte in header or payload makes verification fail', () => {
    const good = build().bytes;
    const p = unwrap(parseSgn(good));
    for (let i = 0; i < good.length; i += 2) {
      if (i >= p.header.signatureTlv.offset && i < p.header.signatureTlv.offset + 3) continue;
      const bad = new Uint8Array(good);
      bad[i]! ^= 0x80;
      const r = openSgn(bad, cm.cert);
      expect(r.ok, `flip at ${i}`).toBe(false);
    }
  });

  itWithPeers(['openssl'], 'the signature verifies with openssl dgst over the signed bytes', async () => {
    const p = unwrap(parseSgn(build().bytes));
    writeFileSync(f.path('s.bin'), signedBytesOf(p));
    writeFileSync(f.path('sig.bin'), p.signature);
    writeFileSync(f.path('pub.pem'), createPublicKey(cm.key).export({ type: 'spki', format: 'pem' }));
    const out = execFileSync(OPENSSL, [
      'dgst',
      '-sha1',
      '-verify',
      f.path('pub.pem'),
      '-signature',
      f.path('sig.bin'),
      f.path('s.bin'),
    ]);
    expect(out.toString().trim()).toBe('Verified OK');
  });

  it('the phone log line carries the real header length', () => {
    expect(envelopeVerifiedLogLine(296)).toBe(
      'validate_file_envelope: File sign verify SUCCESS; header length <296>',
    );
  });

  it('a CTL (version 1.2) still parses as an envelope but an .enc.sgn (2.0) is tlv.bad-version', () => {
    const b = new Uint8Array(build().bytes);
    b[3] = 2;
    const r = parseSgn(b);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('tlv.bad-version');
  });
});
