import { describe, expect, it } from 'vitest';
import {
  ciscoIssuer,
  ciscoSubject,
  dnFromDer,
  formatCiscoDn,
  formatRfc4514,
  issuerDn,
  normalizeType,
  parseDn,
  parseRfc4514,
  subjectDn,
} from '../../certs/dn.ts';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { cucmSelfSigned, issueCiscoManufacturing, sastTokenProfile } from '../../certs/profiles.ts';
import { x509 } from '../../certs/x509.ts';

/** The names as @peculiar/x509's ASN.1 model reads them: the independent reading the DER reader must match. */
function peculiarNames(der: ArrayBuffer): { subject: unknown; issuer: unknown } {
  const cert = new x509.X509Certificate(der);
  const read = (name: x509.Name) =>
    name
      .toJSON()
      .flatMap((rdn) =>
        Object.entries(rdn).flatMap(([type, values]) =>
          values.map((value) => ({ type: normalizeType(type), value })),
        ),
      );
  return { subject: read(cert.subjectName), issuer: read(cert.issuerName) };
}

describe('distinguished names', () => {
  it("a CUCM certificate renders in CUCM's ; form exactly as the reference example", async () => {
    const ctx = createPkiContext({ seed: 'dn' });
    const node = { host: 'cucm-1051-a-pub', ou: 'TAC', o: 'Cisco', l: 'Krakow', st: 'Malopolska', c: 'PL' };
    const cm = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'CallManager'));
    // Encoded L, ST, CN, OU, O, C as CUCM does; printed CN first (docs/reference/trust-files.md §1.1, SUBJECTNAME 62).
    expect(cm.cert.subject.split('\n')[0]).toBe('L=Krakow');
    const expected = 'CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL';
    expect(ciscoSubject(cm.cert)).toBe(expected);
    expect(ciscoIssuer(cm.cert)).toBe(expected);
    expect(ciscoSubject(cm.cert).length + 1).toBe(62);
  });

  it('an eToken certificate renders in the lower-case quoted form seed 002 shows', async () => {
    const ctx = createPkiContext({ seed: 'dn-etoken' });
    const cisco = await issueCiscoManufacturing(ctx);
    const token = await issueCertificate(ctx, sastTokenProfile(ctx, 1), cisco.manufacturingCa);
    const subject = ciscoSubject(token.cert);
    expect(subject).toMatch(/^cn="SAST-ADN[0-9a-f]{8} ";ou=IPCBU;o="Cisco Systems, Inc\."$/);
    expect(subject.length + 1).toBe(56);
    expect(ciscoIssuer(token.cert)).toBe('cn=Cisco Manufacturing CA;o=Cisco Systems');
    expect(token.cert.serialNumber.length).toBe(20);
  });

  it('parses comma, semicolon and slash forms and renders RFC 4514 last RDN first', () => {
    const der = parseDn('/C=PL/O=Cisco/CN=cucm');
    expect(der).toEqual(parseDn('C=PL, O=Cisco, CN=cucm'));
    expect(parseDn('CN=a;OU=b')).toEqual([
      { type: 'CN', value: 'a' },
      { type: 'OU', value: 'b' },
    ]);
    expect(formatRfc4514(der)).toBe('CN=cucm,O=Cisco,C=PL');
    expect(parseRfc4514('CN=cucm,O=Cisco,C=PL')).toEqual(der);
    expect(formatRfc4514(parseDn('O="Cisco Systems, Inc.", CN=x'))).toBe('CN=x,O=Cisco Systems\\, Inc.');
    expect(formatCiscoDn(parseDn('DC=lab, DC=vngtp, CN=vngtp-ACTIVE-DIR-CA'))).toBe(
      'CN=vngtp-ACTIVE-DIR-CA;DC=vngtp;DC=lab',
    );
  });

  it('certificate names read from the DER agree with @peculiar/x509, attribute by attribute in DER order', async () => {
    const ctx = createPkiContext({ seed: 'dn-der' });
    const cisco = await issueCiscoManufacturing(ctx);
    const node = { host: 'cucm-pub', ou: 'TAC', o: 'Cisco', l: 'Kraków', st: 'Małopolska', c: 'PL' };
    const certs = [
      (await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'CallManager'))).cert,
      (await issueCertificate(ctx, sastTokenProfile(ctx, 2), cisco.manufacturingCa)).cert,
      (
        await issueCertificate(
          ctx,
          {
            name: 'many',
            subject: [
              ['DC', 'lab'],
              ['DC', 'example'],
              ['O', 'Cisco Systems, Inc.'],
              ['serialNumber', 'PID:CP-8861 SN:FCH1234'],
              ['emailAddress', 'pki@lab.example'],
              ['UID', 'u1'],
              ['CN', 'SEP001122334455'],
            ],
          },
          cisco.manufacturingCa,
        )
      ).cert,
    ];
    for (const cert of certs) {
      const reference = peculiarNames(new Uint8Array(cert.raw).buffer);
      expect({ subject: subjectDn(cert), issuer: issuerDn(cert) }).toEqual(reference);
    }
    expect(subjectDn(certs[2]!).map((a) => a.type)).toEqual([
      'DC',
      'DC',
      'O',
      'serialNumber',
      'emailAddress',
      'UID',
      'CN',
    ]);
  });

  it('a DER name that is not a Name is refused with the offset, not read as an empty name', () => {
    expect(() => dnFromDer(new Uint8Array([0x30, 0x05, 0x31, 0x03, 0x30]))).toThrow(
      /not a distinguished name: DER:.*at byte/,
    );
    expect(dnFromDer(new Uint8Array([0x30, 0x00]))).toEqual([]);
  });
});
