import { createPublicKey, X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derChildren, readDer } from '../../certs/cisco-dn.ts';
import { toX509Name } from '../../certs/dn.ts';
import {
  type CertProfile,
  createPkiContext,
  EKU_OIDS,
  type EkuName,
  type Identity,
  issueCertificate,
  KEY_USAGE_FLAGS,
  keyIdentifier,
  type PkiContext,
  resolveTime,
} from '../../certs/issue.ts';
import { signingKey } from '../../certs/key-pool/index.ts';
import { toArrayBuffer } from '../../certs/pem.ts';
import {
  ciscoCaProfile,
  cucmSelfSigned,
  enterpriseRootCaProfile,
  lscProfile,
  micProfile,
  sastTokenProfile,
} from '../../certs/profiles.ts';
import { x509 } from '../../certs/x509.ts';

/**
 * The reference: the same profile through @peculiar/x509's generator, as the lab issued certificates
 * before it wrote the DER itself. Every input is derived from the profile here, independently.
 */
async function reference(
  ctx: PkiContext,
  profile: CertProfile,
  issued: Identity,
  issuer?: Identity,
): Promise<Buffer> {
  const generation = ctx.nextGeneration(profile.name);
  const spki = createPublicKey(issued.key).export({ type: 'spki', format: 'der' });
  const validity = profile.validity ?? { notBefore: '-1h', notAfter: '+365d' };
  const anchor = validity.anchor === 'now' ? ctx.now() : ctx.labStart;
  const ski = profile.ski === false ? undefined : await keyIdentifier(spki);
  const aki =
    profile.aki === false
      ? undefined
      : issuer
        ? issuer.x509.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId
        : ski;
  const exts: x509.Extension[] = [];
  const bc = profile.basicConstraints;
  if (bc) exts.push(new x509.BasicConstraintsExtension(bc.ca, bc.pathLength, bc.critical ?? true));
  if (profile.keyUsage?.length) {
    const flags = profile.keyUsage.reduce((acc, u) => acc | KEY_USAGE_FLAGS[u], 0);
    exts.push(new x509.KeyUsagesExtension(flags, profile.keyUsageCritical ?? true));
  }
  if (profile.extKeyUsage?.length) {
    const oids = profile.extKeyUsage.map((u) => (u in EKU_OIDS ? EKU_OIDS[u as EkuName] : u));
    exts.push(new x509.ExtendedKeyUsageExtension(oids, profile.extKeyUsageCritical ?? false));
  }
  if (profile.san?.length) {
    const names = profile.san.map((s) => ({
      type: s.type === 'uri' ? ('url' as const) : s.type,
      value: s.value,
    }));
    exts.push(new x509.SubjectAlternativeNameExtension(names, profile.sanCritical ?? false));
  }
  if (ski) exts.push(new x509.SubjectKeyIdentifierExtension(ski));
  if (aki) exts.push(new x509.AuthorityKeyIdentifierExtension(aki));
  for (const e of profile.extensions ?? [])
    exts.push(new x509.Extension(e.oid, e.critical ?? false, toArrayBuffer(e.value)));
  const signer = issuer ? issuer.key : issued.key;
  const hash = profile.hash ?? 'SHA-256';
  const generated = await x509.X509CertificateGenerator.create({
    serialNumber:
      profile.serial ??
      ctx.random.fork(`serial:${profile.name}#${generation}`).serialHex(profile.serialBytes ?? 16),
    subject: toX509Name(profile.subject),
    issuer: issuer ? new x509.Name(issuer.x509.subjectName.toArrayBuffer()) : toX509Name(profile.subject),
    notBefore: resolveTime(validity.notBefore, anchor),
    notAfter: resolveTime(validity.notAfter, anchor),
    publicKey: toArrayBuffer(spki),
    signingKey: await signingKey(signer, hash),
    signingAlgorithm:
      signer.asymmetricKeyType === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash } : { name: 'ECDSA', hash },
    extensions: exts,
  });
  return Buffer.from(generated.rawData);
}

/** tbsCertificate and signatureAlgorithm: all but the signature, which ECDSA draws at random. */
function signedPart(der: Uint8Array): Buffer[] {
  const top = readDer(der, 0);
  if (!top.ok) throw new Error(top.error.message);
  const parts = derChildren(top.value);
  if (!parts.ok) throw new Error(parts.error.message);
  return parts.value.slice(0, 2).map((p) => Buffer.from(p.raw));
}

const LAB_START = new Date('2026-03-01T10:00:00.000Z');
const pair = () => {
  const opts = { seed: 'der-equivalence', labStart: LAB_START, now: () => LAB_START };
  return { mine: createPkiContext(opts), ref: createPkiContext(opts) };
};

/** Issues `profile` both ways and expects the same bytes (RSA) or the same signed part (ECDSA). */
async function same(c: ReturnType<typeof pair>, profile: CertProfile, issuer?: Identity): Promise<Identity> {
  const issued = await issueCertificate(c.mine, profile, issuer);
  const ref = await reference(c.ref, profile, issued, issuer);
  if ((issuer ?? issued).key.asymmetricKeyType === 'rsa') expect(issued.certDer.equals(ref)).toBe(true);
  else expect(signedPart(issued.certDer)).toEqual(signedPart(ref));
  expect(new X509Certificate(issued.certDer).verify((issuer ?? issued).cert.publicKey)).toBe(true);
  return issued;
}

describe('certificates written as DER', () => {
  it('are byte for byte what the X.509 generator wrote, for the lab’s CA, unit and phone profiles', async () => {
    const c = pair();
    const node = { host: 'cucm-pub', domain: 'lab.example' };
    const root = await same(c, enterpriseRootCaProfile({ cn: 'Lab Root CA' }));
    await same(c, cucmSelfSigned(c.mine, node, 'CallManager'));
    // The reference context must see the same generations: issue it there too.
    cucmSelfSigned(c.ref, node, 'CallManager');
    await same(c, cucmSelfSigned(c.mine, node, 'tomcat-ECDSA'));
    cucmSelfSigned(c.ref, node, 'tomcat-ECDSA');
    const capf = await same(c, cucmSelfSigned(c.mine, node, 'CAPF'));
    cucmSelfSigned(c.ref, node, 'CAPF');
    const mfg = await same(c, ciscoCaProfile('Cisco Manufacturing CA SHA2'));
    const rsa2048 = await same(c, ciscoCaProfile('Cisco Root CA 2048'));
    await same(c, micProfile(c.mine, { model: 'CP-8861', mac: 'B000B4BA0AEE' }), mfg);
    micProfile(c.ref, { model: 'CP-8861', mac: 'B000B4BA0AEE' });
    await same(c, micProfile(c.mine, { model: 'CP-7961G', mac: '001122334455', sha1: true }), rsa2048);
    micProfile(c.ref, { model: 'CP-7961G', mac: '001122334455', sha1: true });
    await same(c, lscProfile(c.mine, { model: 'CP-8861', mac: 'B000B4BA0AEE' }), capf);
    lscProfile(c.ref, { model: 'CP-8861', mac: 'B000B4BA0AEE' });
    await same(c, sastTokenProfile(c.mine, 1), mfg);
    sastTokenProfile(c.ref, 1);
    expect(root.x509.subject).toBe('CN=Lab Root CA');
  });

  it('are byte for byte what the generator wrote for every extension shape, key and hash', async () => {
    const c = pair();
    const ca = await same(c, {
      name: 'ec-ca',
      subject: [
        ['C', 'PL'],
        ['O', 'Łódź Labs_ & Co'],
        ['CN', 'EC CA'],
      ],
      key: { kind: 'ec', curve: 'P-384' },
      hash: 'SHA-384',
      basicConstraints: { ca: true, pathLength: 0 },
      keyUsage: ['keyCertSign', 'cRLSign', 'decipherOnly'],
      validity: { notBefore: '-20y', notAfter: '+40y' },
    });
    await same(
      c,
      {
        name: 'leaf',
        subject: [
          ['CN', 'leaf.lab.example'],
          ['emailAddress', 'admin@lab.example'],
          ['DC', 'example'],
          ['serialNumber', 'PID:CP-8861 SN:FCH1234'],
        ],
        hash: 'SHA-512',
        serial: '00ff10',
        basicConstraints: { ca: false, critical: false },
        keyUsage: ['digitalSignature'],
        keyUsageCritical: false,
        extKeyUsage: ['serverAuth', 'codeSigning', '1.3.6.1.4.1.311.20.2.2'],
        extKeyUsageCritical: true,
        san: [
          { type: 'dns', value: 'leaf.lab.example' },
          { type: 'ip', value: '127.1.2.3' },
          { type: 'ip', value: 'fe80::1:2' },
          { type: 'email', value: 'leaf@lab.example' },
          { type: 'uri', value: 'sip:leaf@lab.example' },
        ],
        sanCritical: true,
        extensions: [{ oid: '1.2.3.4.5.6789', critical: true, value: new Uint8Array([0x05, 0x00]) }],
      },
      ca,
    );
    await same(c, {
      name: 'bare',
      subject: 'CN=bare',
      key: { kind: 'ec', curve: 'P-256' },
      hash: 'SHA-1',
      ski: false,
      aki: false,
      serial: '7f',
      validity: { notBefore: new Date('2049-12-31T23:59:59Z'), notAfter: new Date('2050-01-01T00:00:00Z') },
    });
  });
});
