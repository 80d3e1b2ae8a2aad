import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CertificateExtensions, readCertificateExtensions } from '../../certs/extensions.ts';
import {
  createPkiContext,
  type IssuedCert,
  issueCertificate,
  keyUsageNames,
  type SanEntry,
} from '../../certs/issue.ts';
import {
  appServerNoCertSignProfile,
  enterpriseIntermediateCaProfile,
  enterpriseRootCaProfile,
  expresswayServerProfile,
} from '../../certs/peer-profiles.ts';
import { cucmSelfSigned, lscProfile, micProfile } from '../../certs/profiles.ts';
import { x509 } from '../../certs/x509.ts';

/**
 * The reference: what @peculiar/x509's full ASN.1 model makes of the same DER (the reader it replaced
 * on the handshake path). Names are compared as @peculiar/x509 encodes them.
 */
function byPeculiar(der: Uint8Array): Omit<CertificateExtensions, 'issuerNameHex' | 'subjectNameHex'> & {
  names: [string, string];
} {
  const c = new x509.X509Certificate(new Uint8Array(der));
  const bc = c.getExtension(x509.BasicConstraintsExtension);
  const ku = c.getExtension(x509.KeyUsagesExtension);
  const eku = c.getExtension(x509.ExtendedKeyUsageExtension);
  const san = c.getExtension(x509.SubjectAlternativeNameExtension);
  const ski = c.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = c.getExtension(x509.AuthorityKeyIdentifierExtension);
  const ekuNames: Record<string, string> = {
    '1.3.6.1.5.5.7.3.1': 'serverAuth',
    '1.3.6.1.5.5.7.3.2': 'clientAuth',
    '1.3.6.1.5.5.7.3.3': 'codeSigning',
    '1.3.6.1.5.5.7.3.4': 'emailProtection',
    '1.3.6.1.5.5.7.3.5': 'ipsecEndSystem',
    '1.3.6.1.5.5.7.3.8': 'timeStamping',
    '1.3.6.1.5.5.7.3.9': 'ocspSigning',
  };
  const hex = (n: x509.Name) => Buffer.from(n.toArrayBuffer()).toString('hex');
  return {
    ...(bc
      ? {
          basicConstraints: {
            ca: bc.ca,
            ...(bc.pathLength !== undefined ? { pathLength: bc.pathLength } : {}),
            critical: bc.critical,
          },
        }
      : {}),
    ...(ku ? { keyUsage: keyUsageNames(ku.usages) } : {}),
    ...(eku ? { extKeyUsage: eku.usages.map((u) => ekuNames[String(u)] ?? String(u)) } : {}),
    subjectAltName: san
      ? san.names
          .toJSON()
          .flatMap((n): SanEntry[] =>
            n.type === 'dns' || n.type === 'ip' || n.type === 'email'
              ? [{ type: n.type, value: n.value }]
              : n.type === 'url'
                ? [{ type: 'uri', value: n.value }]
                : [],
          )
      : [],
    ...(ski ? { subjectKeyId: ski.keyId.toLowerCase() } : {}),
    ...(aki?.keyId ? { authorityKeyId: aki.keyId.toLowerCase() } : {}),
    names: [hex(c.issuerName), hex(c.subjectName)],
  };
}

function byReader(der: Uint8Array) {
  const r = readCertificateExtensions(der);
  if (!r.ok) throw new Error(r.error.message);
  const { issuerNameHex, subjectNameHex, ...rest } = r.value;
  return { ...rest, names: [issuerNameHex, subjectNameHex] };
}

let corpus: { name: string; cert: IssuedCert }[] = [];

beforeAll(async () => {
  const ctx = createPkiContext({ seed: 'extensions-test' });
  const node = { host: 'cucm-pub', domain: 'lab.example', ou: 'TAC', o: 'Lab', c: 'PL' };
  const root = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'Ext Root' }));
  const sub = await issueCertificate(ctx, enterpriseIntermediateCaProfile({ cn: 'Ext Sub' }), root);
  const capf = await issueCertificate(ctx, cucmSelfSigned(ctx, node, 'CAPF'));
  const custom = (name: string, extra: object) =>
    issueCertificate(ctx, { name, subject: [['CN', name]], ...extra }, root);
  const entries: [string, Promise<IssuedCert>][] = [
    ['enterprise root', Promise.resolve(root)],
    ['intermediate with pathLength 0', Promise.resolve(sub)],
    ['CallManager self-signed', issueCertificate(ctx, cucmSelfSigned(ctx, node, 'CallManager'))],
    ['CallManager-ECDSA', issueCertificate(ctx, cucmSelfSigned(ctx, node, 'CallManager-ECDSA'))],
    ['TVS', issueCertificate(ctx, cucmSelfSigned(ctx, node, 'TVS'))],
    ['CAPF', Promise.resolve(capf)],
    ['LSC', issueCertificate(ctx, lscProfile(ctx, { model: 'CP-8861', mac: '0011223344AA' }), capf)],
    ['MIC', issueCertificate(ctx, micProfile(ctx, { model: 'CP-8861', mac: '0011223344AB' }), root)],
    [
      'Expressway server',
      issueCertificate(
        ctx,
        expresswayServerProfile({
          name: 'exp',
          cn: 'exp.lab.example',
          dns: ['exp.lab.example'],
          ips: ['10.1.2.3'],
        }),
        sub,
      ),
    ],
    [
      'application server without keyCertSign',
      issueCertificate(ctx, appServerNoCertSignProfile({ name: 'app', cn: 'app.lab' }), root),
    ],
    [
      'IPv4, IPv6, e-mail and URI names',
      custom('sans', {
        san: [
          { type: 'ip', value: '10.0.0.1' },
          { type: 'ip', value: '2001:db8::1' },
          { type: 'ip', value: 'fe80:0:0:1::' },
          { type: 'ip', value: '2001:db8:0:0:1:0:0:1' },
          { type: 'email', value: 'admin@lab.example' },
          { type: 'uri', value: 'https://lab.example/x' },
          { type: 'dns', value: 'a.lab.example' },
        ],
        sanCritical: true,
      }),
    ],
    [
      'an EKU the lab does not name, critical',
      custom('eku', { extKeyUsage: ['1.3.6.1.4.1.311.20.2.2', 'clientAuth'], extKeyUsageCritical: true }),
    ],
    ['every key usage', custom('ku', { keyUsage: ['digitalSignature', 'cRLSign', 'decipherOnly'] })],
    [
      'no extensions at all',
      custom('bare', { basicConstraints: null, keyUsage: null, extKeyUsage: null, ski: false, aki: false }),
    ],
    [
      'a CA with pathLength 3',
      custom('ca3', { basicConstraints: { ca: true, pathLength: 3, critical: false } }),
    ],
  ];
  corpus = await Promise.all(entries.map(async ([name, c]) => ({ name, cert: await c })));
});

describe('certificate extensions read from DER', () => {
  it('read the same as @peculiar/x509 for every profile the lab issues', () => {
    expect(corpus.length).toBeGreaterThan(10);
    for (const { name, cert } of corpus) {
      expect({ name, ...byReader(cert.certDer) }).toEqual({ name, ...byPeculiar(cert.certDer) });
    }
  });

  it('show a SAN IPv6 address in RFC 5952 form', () => {
    const sans = corpus.find((c) => c.name.startsWith('IPv4'))?.cert;
    const r = readCertificateExtensions(sans?.certDer ?? new Uint8Array());
    expect(r.ok && r.value.subjectAltName.filter((e) => e.type === 'ip').map((e) => e.value)).toEqual([
      '10.0.0.1',
      '2001:db8::1',
      'fe80:0:0:1::',
      '2001:db8::1:0:0:1',
    ]);
  });

  it('name the extension and the byte offset when an extension does not decode', () => {
    const der = Buffer.from(corpus[0]!.cert.certDer);
    // The basicConstraints extnValue: OID 2.5.29.19 (06 03 55 1d 13), then maybe critical, then 04 len.
    const at = der.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x13]));
    const octet = der.indexOf(0x04, at + 5);
    der[octet + 2] = 0x02; // the inner SEQUENCE becomes an INTEGER
    const r = readCertificateExtensions(der);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/^basicConstraints is not a SEQUENCE \(at byte \d+\)$/);
  });

  it('never throw, and agree with @peculiar/x509 wherever both read a damaged certificate', () => {
    const seeds = corpus.map((c) => c.cert.certDer);
    let compared = 0;
    fc.assert(
      fc.property(
        fc.nat(seeds.length - 1),
        fc.array(fc.tuple(fc.nat(4000), fc.nat(255)), { minLength: 1, maxLength: 4 }),
        (which, edits) => {
          const der = Buffer.from(seeds[which]!);
          for (const [pos, byte] of edits) der[pos % der.length] = byte;
          const mine = readCertificateExtensions(der);
          let theirs: ReturnType<typeof byPeculiar> | null = null;
          try {
            new X509Certificate(der); // what a handshake would have accepted
            theirs = byPeculiar(der);
          } catch {
            return;
          }
          if (!mine.ok) return;
          compared++;
          expect(byReader(der)).toEqual(theirs);
        },
      ),
      { numRuns: 1500, seed: 20261202 },
    );
    expect(compared).toBeGreaterThan(50);
  });
});
