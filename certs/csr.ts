// PKCS#10: CUCM's "Generate CSR" and Expressway's CSR page, and a CA signing a CSR into a
// certificate (the enterprise CA step of seeds 003/004).
import { createPublicKey, type KeyObject } from 'node:crypto';
import { type Dn, type DnInput, dnFromDer, toDn, toX509Name } from './dn.ts';
import {
  type CertProfile,
  EKU_OIDS,
  type EkuName,
  type Identity,
  type IssuedCert,
  issueCertificate,
  issueForPublicKey,
  KEY_USAGE_FLAGS,
  type KeyUsageName,
  keyUsageNames,
  type PkiContext,
  type SanEntry,
  type SignatureHash,
} from './issue.ts';
import { type KeySpec, signingKey } from './key-pool/index.ts';
import { specOfKeyObject } from './key-pool/specs.ts';
import { isPem, keyToPem, parsePemBlocks, toArrayBuffer, toPem } from './pem.ts';
import { subtle, x509 } from './x509.ts';

export interface CsrRequest {
  /** Lab name of the identity the CSR is for (e.g. `cucm-pub/tomcat`): the key label by default. */
  name: string;
  subject: DnInput;
  key?: KeySpec;
  keyLabel?: string;
  /** Use this key (e.g. the key of the current self-signed cert, as CUCM does) instead of a pool key. */
  privateKey?: KeyObject;
  hash?: SignatureHash;
  san?: readonly SanEntry[];
  keyUsage?: readonly KeyUsageName[];
  extKeyUsage?: readonly (EkuName | (string & {}))[];
}

export interface GeneratedCsr {
  name: string;
  csrPem: string;
  csrDer: Buffer;
  csr: x509.Pkcs10CertificateRequest;
  key: KeyObject;
  keyPem: string;
  spec: KeySpec;
  keyLabel?: string;
}

export interface CsrInfo {
  subject: Dn;
  publicKey: KeyObject;
  san: SanEntry[];
  keyUsage?: KeyUsageName[];
  extKeyUsage?: (EkuName | (string & {}))[];
  /** The CSR's self-signature verifies. */
  signatureValid: boolean;
  der: Buffer;
}

async function keyPairOf(key: KeyObject, hash: SignatureHash): Promise<CryptoKeyPair> {
  const spec = specOfKeyObject(key);
  if (!spec) throw new Error('unsupported key type for a lab CSR');
  const algorithm =
    spec.kind === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash } : { name: 'ECDSA', namedCurve: spec.curve };
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const publicKey = await subtle.importKey('spki', toArrayBuffer(spki), algorithm, true, ['verify']);
  return { privateKey: await signingKey(key, hash), publicKey };
}

/** Generate a PKCS#10 request signed with a pool key (or the given key). */
export async function generateCsr(ctx: PkiContext, request: CsrRequest): Promise<GeneratedCsr> {
  let key: KeyObject;
  let spec: KeySpec;
  let keyLabel: string | undefined;
  if (request.privateKey) {
    key = request.privateKey;
    const s = specOfKeyObject(key);
    if (!s) throw new Error(`${request.name}: unsupported key type`);
    spec = s;
  } else {
    spec = request.key ?? { kind: 'rsa', bits: 2048 };
    keyLabel = request.keyLabel ?? `${request.name}#csr${ctx.nextGeneration(`csr:${request.name}`)}`;
    key = ctx.keys.take(spec, keyLabel).privateKey;
  }
  const hash = request.hash ?? 'SHA-256';
  const extensions: x509.Extension[] = [];
  if (request.keyUsage && request.keyUsage.length > 0) {
    extensions.push(
      new x509.KeyUsagesExtension(
        request.keyUsage.reduce((a, u) => a | KEY_USAGE_FLAGS[u], 0),
        true,
      ),
    );
  }
  if (request.extKeyUsage && request.extKeyUsage.length > 0) {
    const oids = request.extKeyUsage.map((u) => (u in EKU_OIDS ? EKU_OIDS[u as EkuName] : u));
    extensions.push(new x509.ExtendedKeyUsageExtension(oids));
  }
  if (request.san && request.san.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        request.san.map((s) => ({ type: s.type === 'uri' ? ('url' as const) : s.type, value: s.value })),
      ),
    );
  }
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: toX509Name(request.subject),
    keys: await keyPairOf(key, hash),
    signingAlgorithm: spec.kind === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash } : { name: 'ECDSA', hash },
    extensions,
  });
  const csrDer = Buffer.from(csr.rawData);
  return {
    name: request.name,
    csrPem: toPem(csrDer, 'CERTIFICATE REQUEST'),
    csrDer,
    csr,
    key,
    keyPem: keyToPem(key),
    spec,
    ...(keyLabel !== undefined ? { keyLabel } : {}),
  };
}

function csrDerOf(data: string | Uint8Array): Buffer {
  if (typeof data === 'string' || isPem(data)) {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    const block = parsePemBlocks(text).find(
      (b) => b.label === 'CERTIFICATE REQUEST' || b.label === 'NEW CERTIFICATE REQUEST',
    );
    if (!block) throw new Error('no CERTIFICATE REQUEST block in PEM text');
    return block.der;
  }
  return Buffer.from(data);
}

/** Read a CSR (PEM or DER): subject, key, requested extensions, and whether its signature verifies. */
export async function parseCsr(data: string | Uint8Array | GeneratedCsr): Promise<CsrInfo> {
  const der = typeof data === 'object' && 'csrDer' in data ? data.csrDer : csrDerOf(data);
  const csr = new x509.Pkcs10CertificateRequest(toArrayBuffer(der));
  const ext = (oid: string): x509.Extension | undefined => csr.extensions.find((e) => e.type === oid);
  const sanRaw = ext('2.5.29.17');
  const sanExt = sanRaw ? new x509.SubjectAlternativeNameExtension(sanRaw.rawData) : undefined;
  const san: SanEntry[] = [];
  for (const n of sanExt?.names.toJSON() ?? []) {
    if (n.type === 'dns' || n.type === 'ip' || n.type === 'email') san.push({ type: n.type, value: n.value });
    else if (n.type === 'url') san.push({ type: 'uri', value: n.value });
  }
  const kuRaw = ext('2.5.29.15');
  const ku = kuRaw ? new x509.KeyUsagesExtension(kuRaw.rawData) : undefined;
  const ekuRaw = ext('2.5.29.37');
  const eku = ekuRaw ? new x509.ExtendedKeyUsageExtension(ekuRaw.rawData) : undefined;
  const ekuByOid = new Map<string, EkuName>(Object.entries(EKU_OIDS).map(([n, o]) => [o, n as EkuName]));
  return {
    subject: dnFromDer(csr.subjectName.toArrayBuffer()),
    publicKey: createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' }),
    san,
    ...(ku ? { keyUsage: keyUsageNames(ku.usages) } : {}),
    ...(eku ? { extKeyUsage: eku.usages.map((u) => ekuByOid.get(String(u)) ?? String(u)) } : {}),
    signatureValid: await csr.verify(),
    der,
  };
}

/** What the CA puts in the certificate; subject and SANs default to the CSR's. */
export type CsrSigningProfile = Omit<CertProfile, 'subject' | 'key' | 'keyLabel' | 'privateKey'> & {
  subject?: DnInput;
};

/**
 * A CA signs a CSR. With a CSR we generated, the result is a full Identity (we hold the key);
 * with a foreign CSR, a certificate only. The CA decides the extensions (profile); the CSR gives
 * the subject, the key and, unless the profile says otherwise, the SANs.
 */
export async function signCsr(
  ctx: PkiContext,
  csr: GeneratedCsr,
  ca: Identity,
  profile: CsrSigningProfile,
): Promise<Identity>;
export async function signCsr(
  ctx: PkiContext,
  csr: string | Uint8Array,
  ca: Identity,
  profile: CsrSigningProfile,
): Promise<IssuedCert>;
export async function signCsr(
  ctx: PkiContext,
  csr: GeneratedCsr | string | Uint8Array,
  ca: Identity,
  profile: CsrSigningProfile,
): Promise<Identity | IssuedCert> {
  const info = await parseCsr(csr);
  if (!info.signatureValid) throw new Error(`${profile.name}: the CSR signature does not verify`);
  const full: CertProfile = {
    ...profile,
    subject: profile.subject ? toDn(profile.subject) : info.subject,
    san: profile.san !== undefined ? profile.san : info.san,
  };
  if (typeof csr === 'object' && 'csrDer' in csr) {
    return issueCertificate(ctx, { ...full, privateKey: csr.key }, ca);
  }
  return issueForPublicKey(ctx, full, info.publicKey, ca);
}
