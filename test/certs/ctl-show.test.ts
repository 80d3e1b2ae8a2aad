/**
 * `show ctl` / `show itl` in the layout of docs/reference/trust-files.md §1.7 (TAC-118893).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrustList, Role, recordFromCertificate } from '../../certs/ctl.ts';
import { expandTabs, renderShowCtl, renderShowItl } from '../../certs/show-ctl.ts';
import { unwrap } from '../../emulator/result.ts';
import { CertFactory, PUB_SERIAL, PUB_SUBJECT, type TestCert } from './ctl-fixtures.ts';

const f = new CertFactory();
afterAll(() => f.cleanup());

let pub: TestCert;
let capf: TestCert;
let ctl: Uint8Array;
const TS = 1425667513; // Fri Mar 06 19:45:13 CET 2015

beforeAll(async () => {
  pub = await f.certTuned(
    { subject: PUB_SUBJECT, serial: PUB_SERIAL, bits: 1024 },
    694,
    (c) => c.cert.raw.length,
  );
  capf = await f.cert({
    subject: '/C=PL/ST=Malopolska/L=Krakow/O=Cisco/OU=TAC/CN=CAPF-12ab34cd',
    serial: '0102',
    key: f.rsaKey(1024, true),
  });
  const opts = { dnsName: 'cucm-1051-a-pub', ipAddress: '10.48.47.153' };
  ctl = unwrap(
    buildTrustList({
      kind: 'CTL',
      signer: { cert: pub.cert, key: pub.key },
      timestamp: TS,
      records: [
        recordFromCertificate(pub.cert, Role.SAST, opts),
        recordFromCertificate(pub.cert, Role.CCM_TFTP, opts),
        recordFromCertificate(capf.cert, Role.CAPF, opts),
      ],
    }),
  );
});

const lines = (text: string) => text.split('\n').map(expandTabs);

describe('show ctl', () => {
  it('prints the docs/reference/trust-files.md §1.7 header block line for line', () => {
    const out = lines(renderShowCtl(ctl, { timeZone: 'Europe/Warsaw' }));
    const md5 = createHash('md5').update(ctl).digest('hex');
    const sha1 = createHash('sha1').update(ctl).digest('hex');
    expect(out.slice(0, 22)).toEqual([
      'The checksum value of the CTL file:',
      `${md5}(MD5)`,
      `${sha1}(SHA1)`,
      `Length of CTL file: ${ctl.length}`,
      'The CTL File was last modified on Fri Mar 06 19:45:13 CET 2015',
      '        Parse CTL File',
      '        ----------------',
      'Version:        1.2',
      'HeaderLength:   336 (BYTES)',
      'BYTEPOS TAG             LENGTH  VALUE',
      '------- ---             ------  -----',
      '3       SIGNERID        2       149',
      '4       SIGNERNAME      62      CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL',
      '5       SERIALNUMBER    16      70:CA:F6:4E:09:07:51:B9:DF:22:F4:9F:75:4F:C5:BB',
      '6       CANAME          62      CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL',
      '7       SIGNATUREINFO   2       15',
      '8       DIGESTALGORTITHM        1',
      '9       SIGNATUREALGOINFO       2       8',
      '10      SIGNATUREALGORTITHM     1',
      '11      SIGNATUREMODULUS        1',
      '12      SIGNATURE       128',
      expect.stringMatching(/^[0-9a-f]{1,2}( [0-9a-f]{1,2}){7}$/),
    ]);
    const sigEnd = out.indexOf('14      FILENAME        12');
    expect(sigEnd).toBe(21 + 16); // 128 bytes = 16 rows of 8
    expect(out[sigEnd + 1]).toBe('15      TIMESTAMP       4');
  });

  it('drops leading zeros in the signature rows', () => {
    const out = lines(renderShowCtl(ctl));
    const start = out.indexOf('12      SIGNATURE       128') + 1;
    const bytes = out
      .slice(start, start + 16)
      .join(' ')
      .split(' ');
    expect(bytes).toHaveLength(128);
    expect(bytes.every((b) => /^[0-9a-f]{1,2}$/.test(b) && (b.length === 1 || b[0] !== '0'))).toBe(true);
  });

  it('prints each record as docs/reference/trust-files.md §1.7 with the eToken line for the signing SAST', () => {
    const out = lines(renderShowCtl(ctl));
    const i = out.indexOf('CTL Record #:1');
    const sha1 = createHash('sha1').update(pub.cert.raw).digest('hex').toUpperCase().match(/../g)!.join(' ');
    expect(out.slice(i, i + 16)).toEqual([
      'CTL Record #:1',
      '----',
      'BYTEPOS TAG             LENGTH  VALUE',
      '------- ---             ------  -----',
      '1       RECORDLENGTH    2       1156',
      '2       DNSNAME         16      cucm-1051-a-pub',
      '3       SUBJECTNAME     62      CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL',
      '4       FUNCTION        2       System Administrator Security Token',
      '5       ISSUERNAME      62      CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL',
      '6       SERIALNUMBER    16      70:CA:F6:4E:09:07:51:B9:DF:22:F4:9F:75:4F:C5:BB',
      '7       PUBLICKEY       140',
      '8       SIGNATURE       128',
      `9       CERTIFICATE     694     ${sha1} (SHA1 Hash HEX)`,
      '10      IPADDRESS       4',
      'This etoken was used to sign the CTL file.',
      'CTL Record #:2',
    ]);
    expect(out).toContain('4       FUNCTION        2       CCM+TFTP');
    expect(out).toContain('4       FUNCTION        2       CAPF');
  });

  it('ends with the verdict', () => {
    const out = lines(renderShowCtl(ctl));
    expect(out.at(-2)).toBe('The CTL file was verified successfully.');
  });

  it('a tampered file ends with "Verification of the CTL File Failed"', () => {
    const bad = new Uint8Array(ctl);
    bad[bad.length - 10]! ^= 1;
    const out = lines(renderShowCtl(bad));
    expect(out.at(-2)).toBe('Verification of the CTL File Failed');
  });

  it('a non-signing SAST record says the eToken was not used', async () => {
    const other = await f.cert({ subject: '/CN=ITLRECOVERY_cucm', serial: '99', key: f.rsaKey(1024, true) });
    const bytes = unwrap(
      buildTrustList({
        kind: 'CTL',
        signer: { cert: pub.cert, key: pub.key },
        timestamp: TS,
        records: [recordFromCertificate(pub.cert, Role.SAST), recordFromCertificate(other.cert, Role.SAST)],
      }),
    );
    const out = lines(renderShowCtl(bytes));
    expect(out.filter((l) => l.startsWith('This etoken'))).toEqual([
      'This etoken was used to sign the CTL file.',
      'This etoken was not used to sign the CTL file.',
    ]);
  });

  it('with no CTL it prints the CUCM "not found" text', () => {
    expect(renderShowCtl(null).split('\n').slice(0, 3)).toEqual([
      'Length of CTL file: 0',
      'CTL File not found. Please run CTLClient plugin or run the CLI - utils ctl.. to generate the CTL file.',
      'Error parsing the CTL File.',
    ]);
  });

  it('a corrupt file prints "Error parsing the CTL File." and the reason', () => {
    const out = renderShowCtl(ctl.subarray(0, 100));
    expect(out).toContain('Error parsing the CTL File.');
    expect(out).toContain('at byte');
  });
});

describe('show itl', () => {
  it('uses the ITL words, ISSUENAME and prints the TVS hash record', async () => {
    const tvs = await f.cert({
      subject: '/C=IN/O=Cisco/OU=TAC/CN=cs-ccm-sub',
      serial: '6DEE',
      key: f.rsaKey(1024, true),
    });
    const bytes = unwrap(
      buildTrustList({
        kind: 'ITL',
        signer: { cert: pub.cert, key: pub.key },
        timestamp: TS,
        records: [
          recordFromCertificate(pub.cert, Role.SAST),
          recordFromCertificate(tvs.cert, Role.TVS, { certHash: 'sha1', ipAddress: null }),
        ],
      }),
    );
    const out = lines(renderShowItl(bytes));
    const hash = createHash('sha1').update(tvs.cert.raw).digest('hex').toUpperCase().match(/../g)!.join(' ');
    expect(out[0]).toBe('The checksum value of the ITL file:');
    expect(out).toContain('        Parse ITL File');
    expect(out).toContain('ITL Record #:2');
    expect(out).toContain('4       FUNCTION        2       TVS');
    expect(out).toContain('5       ISSUENAME       34      CN=cs-ccm-sub;OU=TAC;O=Cisco;C=IN');
    expect(out).toContain(`11      CERTHASH        20      ${hash}`);
    expect(out).toContain('12      HASH ALGORITHM  1       SHA-1');
    expect(out).toContain('This etoken was used to sign the ITL file.');
    expect(out.at(-2)).toBe('The ITL file was verified successfully.');
  });
});
