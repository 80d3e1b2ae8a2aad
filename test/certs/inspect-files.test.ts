import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrustList, Role, recordFromCertificate } from '../../certs/ctl.ts';
import { buildEncSgn } from '../../certs/enc-sgn.ts';
import { detectKind, inspectFile } from '../../certs/inspect.ts';
import { buildSgn } from '../../certs/sgn.ts';
import { unwrap } from '../../emulator/result.ts';
import { itWithPeers } from '../support/peers.ts';
import { CertFactory, OPENSSL, PUB_SERIAL, PUB_SUBJECT, type TestCert } from './ctl-fixtures.ts';

const f = new CertFactory();
afterAll(() => f.cleanup());
let pub: TestCert;
let ca: TestCert;
beforeAll(async () => {
  pub = await f.cert({ subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 1024 });
  ca = await f.cert({ subject: '/CN=lab-root', serial: '01', key: f.rsaKey(1024, true), ca: true });
});

const signer = () => ({ cert: pub.cert, key: pub.key });

describe('uclab inspect', () => {
  it('prints an ITL as show itl, whatever the file is called', () => {
    const itl = unwrap(
      buildTrustList({
        kind: 'ITL',
        signer: signer(),
        timestamp: 1,
        records: [recordFromCertificate(pub.cert, Role.SAST)],
      }),
    );
    expect(detectKind(itl)).toBe('ITL');
    const out = unwrap(inspectFile(itl, 'ITLSEP001122334455.tlv'));
    expect(out).toContain('Parse ITL File');
    expect(out).toContain('The ITL file was verified successfully.');
  });

  it('tells an ITL from a CTL by the FILENAME in its header (tag 14), not by the name on disk', () => {
    const build = (kind: 'CTL' | 'ITL') =>
      unwrap(
        buildTrustList({
          kind,
          signer: signer(),
          timestamp: 1,
          records: [recordFromCertificate(pub.cert, Role.SAST)],
        }),
      );
    expect(detectKind(build('ITL'), 'x-ITLFile.tlv')).toBe('ITL');
    expect(detectKind(build('ITL'), 'CTLFile.tlv')).toBe('ITL');
    expect(detectKind(build('CTL'), 'ITLFile.tlv')).toBe('CTL');
    expect(unwrap(inspectFile(build('ITL'), 'x-ITLFile.tlv'))).toContain('Parse ITL File');
  });

  it('prints a .sgn header table and the XML payload, and checks the signature when given the cert', () => {
    const xml = '<device><fullConfig>true</fullConfig></device>';
    const sgn = unwrap(
      buildSgn({ signer: signer(), payload: xml, filename: 'SEP001122334455.cnf.xml.sgn', timestamp: 1 }),
    ).bytes;
    expect(detectKind(sgn)).toBe('sgn');
    const out = unwrap(inspectFile(sgn, undefined, { trusted: [pub.cert] }));
    expect(out).toContain('Version:\t1.0');
    expect(out).toContain('14\tFILENAME\t28\tSEP001122334455.cnf.xml.sgn');
    expect(out).toContain('File sign verify SUCCESS');
    expect(out).toContain(xml);
  });

  it('prints the encryption info of a .enc.sgn without the plaintext', () => {
    const enc = unwrap(
      buildEncSgn({
        signer: signer(),
        deviceCert: ca.cert,
        xml: '<device>secret</device>',
        filename: 'SEP001122334455.cnf.xml.enc.sgn',
        timestamp: 1,
      }),
    ).bytes;
    expect(detectKind(enc)).toBe('enc.sgn');
    const out = unwrap(inspectFile(enc, 'SEP001122334455.cnf.xml.enc.sgn'));
    expect(out).toContain('Version:\t2.0');
    expect(out).toContain('AES-128-CBC');
    expect(out).toContain('1024-bit device key');
    expect(out).not.toContain('secret');
  });

  it('prints PEM and DER certificates with the CUCM DN form', () => {
    const pem = unwrap(inspectFile(new TextEncoder().encode(pub.pem), 'CallManager.pem'));
    expect(pem).toContain('Subject: CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL');
    expect(pem).toContain('Serial Number: 70:CA:F6:4E:09:07:51:B9:DF:22:F4:9F:75:4F:C5:BB');
    expect(pem).toContain('Public Key: RSA (1024 bit)');
    expect(pem).toContain('sha256WithRSAEncryption');
    const der = unwrap(inspectFile(new Uint8Array(pub.cert.raw), 'CallManager.der'));
    expect(der).toBe(pem);
  });

  itWithPeers(['openssl'], 'lists the certificates of a PKCS#7 bundle made by openssl', async () => {
    execFileSync(OPENSSL, [
      'crl2pkcs7',
      '-nocrl',
      '-certfile',
      pub.certPath,
      '-certfile',
      ca.certPath,
      '-out',
      f.path('b.p7b'),
    ]);
    execFileSync(OPENSSL, [
      'crl2pkcs7',
      '-nocrl',
      '-certfile',
      pub.certPath,
      '-certfile',
      ca.certPath,
      '-outform',
      'DER',
      '-out',
      f.path('b.p7c'),
    ]);
    for (const name of ['b.p7b', 'b.p7c']) {
      const out = unwrap(inspectFile(new Uint8Array(readFileSync(f.path(name))), name));
      expect(out).toContain('PKCS#7 SignedData with 2 certificates');
      expect(out).toContain('Subject: CN=cucm-1051-a-pub;');
      expect(out).toContain('Subject: CN=lab-root');
    }
  });

  it('garbage and empty input are typed errors', () => {
    const r = inspectFile(new TextEncoder().encode('hello world'), 'notes.txt');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('inspect.unknown-format');
    const e = inspectFile(new Uint8Array(0));
    expect(e.ok).toBe(false);
    if (!e.ok) expect(e.error.code).toBe('inspect.empty');
  });

  it('a truncated CTL is reported with the tlv error and its offset', () => {
    const ctl = unwrap(
      buildTrustList({
        kind: 'CTL',
        signer: signer(),
        timestamp: 1,
        records: [recordFromCertificate(pub.cert, Role.SAST)],
      }),
    );
    const r = inspectFile(ctl.subarray(0, 400), 'CTLFile.tlv');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('tlv.length-past-end');
  });
});
