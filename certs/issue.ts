// Certificate issuance from a typed profile. Keys come from the committed pool (no key generation
// at run time), serials from the lab's seeded random source, and validity is declared relative to
// lab start (architecture decisions 4 and 5).
import { createPublicKey, type KeyObject, sign, X509Certificate } from 'node:crypto';
import { type Duration, parseDuration } from '../emulator/clock.ts';
import {
  authorityKeyIdentifierValue,
  basicConstraintsValue,
  certificate,
  extension,
  extKeyUsageValue,
  keyUsageValue,
  oid,
  signatureAlgorithm,
  subjectAltNameValue,
  subjectKeyIdentifierValue,
  tbsCertificate,
} from './certificate-der.ts';
import { derChildren, readDer } from './cisco-dn.ts';
import { type Dn, type DnInput, formatOneLine, toDn, toX509Name } from './dn.ts';
import { KeyScope, type KeySpec, type PoolKey, type SignatureHash } from './key-pool/index.ts';
import { specOfKeyObject } from './key-pool/specs.ts';
import { keyToPem, toArrayBuffer, toPem } from './pem.ts';
import { SeededRandom } from './seeded-random.ts';
import { x509 } from './x509.ts';

export type { SignatureHash } from './key-pool/index.ts';

// ---------------------------------------------------------------------------------------------
// Lab context

export interface PkiContext {
  readonly seed: string;
  readonly random: SeededRandom;
  readonly keys: KeyScope;
  /** Lab start: the anchor of every relative validity. */
  readonly labStart: Date;
  /** The lab clock (the wall clock unless a test passes another). */
  now(): Date;
  /** 1 for the first certificate issued under a name, 2 for its first regeneration, ... */
  nextGeneration(name: string): number;
}

export interface PkiContextOptions {
  seed: string;
  labStart?: Date;
  now?: () => Date;
  keys?: KeyScope;
}

export function createPkiContext(options: PkiContextOptions): PkiContext {
  const generations = new Map<string, number>();
  const now = options.now ?? (() => new Date());
  return {
    seed: options.seed,
    random: new SeededRandom(options.seed),
    keys: options.keys ?? new KeyScope(),
    labStart: options.labStart ?? now(),
    now,
    nextGeneration(name: string): number {
      const next = (generations.get(name) ?? 0) + 1;
      generations.set(name, next);
      return next;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Profile vocabulary

export interface Validity {
  /** Offset from the anchor, or an absolute date. */
  notBefore: Duration | Date;
  notAfter: Duration | Date;
  /** What relative offsets count from: lab start (default) or the lab clock at issuance (regeneration). */
  anchor?: 'labStart' | 'now';
}

// Durations are the lab's: one parser for certificates and protocol timers alike.
export { type Duration, parseDuration };

/** X.509 times have one-second resolution: resolve to whole seconds so what we compare is what is encoded. */
export function resolveTime(value: Duration | Date, anchor: Date): Date {
  const ms = value instanceof Date ? value.getTime() : anchor.getTime() + parseDuration(value);
  return new Date(Math.floor(ms / 1000) * 1000);
}

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign'
  | 'encipherOnly'
  | 'decipherOnly';

export const EKU_OIDS = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  /** IPsec end system, which CUCM and CAPF put in their certificates (docs/reference/capf.md §6). */
  ipsecEndSystem: '1.3.6.1.5.5.7.3.5',
  timeStamping: '1.3.6.1.5.5.7.3.8',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
} as const;

export type EkuName = keyof typeof EKU_OIDS;

export type SanEntry =
  | { type: 'dns'; value: string }
  | { type: 'ip'; value: string }
  | { type: 'email'; value: string }
  | { type: 'uri'; value: string };

export interface BasicConstraints {
  ca: boolean;
  pathLength?: number;
  critical?: boolean;
}

export interface CustomExtension {
  oid: string;
  critical?: boolean;
  /** DER of the extension value (the content of extnValue). */
  value: Uint8Array;
}

/** Everything that decides what a certificate looks like. Profiles (profiles.ts) fill these in. */
export interface CertProfile {
  /** Identity name in the lab (e.g. `cucm-pub/CallManager`): seeds the key label and the serial. */
  name: string;
  subject: DnInput;
  /** Key to certify: a pool spec (default RSA 2048), drawn by keyLabel from the lab's KeyScope. */
  key?: KeySpec;
  /** Pool label; default `name`, plus `#<generation>` from the second issuance on (a regeneration gets a new key). */
  keyLabel?: string;
  /** Certify this key instead of a pool key (re-certifying an existing key, CSR signing). */
  privateKey?: KeyObject;
  /** Hex serial; default: 16 seeded bytes (the length CUCM shows, docs/reference/trust-files.md §1.7). */
  serial?: string;
  serialBytes?: number;
  validity?: Validity;
  hash?: SignatureHash;
  /** null: no extension. */
  basicConstraints?: BasicConstraints | null;
  keyUsage?: readonly KeyUsageName[] | null;
  keyUsageCritical?: boolean;
  /** EKU names or dotted OIDs; null or []: no extension. */
  extKeyUsage?: readonly (EkuName | (string & {}))[] | null;
  extKeyUsageCritical?: boolean;
  san?: readonly SanEntry[] | null;
  sanCritical?: boolean;
  /** Subject key identifier (default true). */
  ski?: boolean;
  /** Authority key identifier (default true). */
  aki?: boolean;
  extensions?: readonly CustomExtension[];
}

/** A certificate with, when we hold it, its private key. */
export interface IssuedCert {
  name: string;
  certPem: string;
  certDer: Buffer;
  cert: X509Certificate;
  /** The same certificate parsed by @peculiar/x509. */
  x509: x509.X509Certificate;
  /** Issuers up to the root, nearest first, not including this certificate. */
  chain: Identity[];
}

export interface Identity extends IssuedCert {
  key: KeyObject;
  keyPem: string;
  /** The key's spec (for "RSA 2048" / "EC P-384" displays and for CAPF key sizes). */
  spec: KeySpec;
  /** The pool label the key came from, when it came from the pool. */
  keyLabel?: string;
}

// ---------------------------------------------------------------------------------------------
// Issuance

/** keyUsage names → @peculiar/x509 flag bits, in RFC 5280 bit order (issuance, CSRs, chain checks). */
export const KEY_USAGE_FLAGS: Readonly<Record<KeyUsageName, number>> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
  encipherOnly: x509.KeyUsageFlags.encipherOnly,
  decipherOnly: x509.KeyUsageFlags.decipherOnly,
};

/** The keyUsage names whose bits are set in `flags`, in RFC 5280 bit order. */
export function keyUsageNames(flags: number): KeyUsageName[] {
  return (Object.keys(KEY_USAGE_FLAGS) as KeyUsageName[]).filter((n) => (flags & KEY_USAGE_FLAGS[n]) !== 0);
}

const skiCache = new Map<string, string>();

/** RFC 5280 method 1 key identifier (SHA-1 of the subjectPublicKey bits), hex, cached per key. */
export async function keyIdentifier(spkiDer: Uint8Array): Promise<string> {
  const cacheKey = Buffer.from(spkiDer).toString('base64');
  const hit = skiCache.get(cacheKey);
  if (hit) return hit;
  const ext = await x509.SubjectKeyIdentifierExtension.create(toArrayBuffer(spkiDer));
  skiCache.set(cacheKey, ext.keyId);
  return ext.keyId;
}

/** The DER Extensions of a profile, in the order RFC 5280 lists them (and the lab always wrote them). */
function buildExtensions(profile: CertProfile, ski: string | undefined, aki: string | undefined): Buffer[] {
  const exts: Buffer[] = [];
  const bc = profile.basicConstraints;
  if (bc) exts.push(extension('2.5.29.19', bc.critical ?? true, basicConstraintsValue(bc.ca, bc.pathLength)));
  if (profile.keyUsage && profile.keyUsage.length > 0) {
    const flags = profile.keyUsage.reduce((acc, u) => acc | KEY_USAGE_FLAGS[u], 0);
    exts.push(extension('2.5.29.15', profile.keyUsageCritical ?? true, keyUsageValue(flags)));
  }
  if (profile.extKeyUsage && profile.extKeyUsage.length > 0) {
    const oids = profile.extKeyUsage.map((u) => (u in EKU_OIDS ? EKU_OIDS[u as EkuName] : u));
    exts.push(extension('2.5.29.37', profile.extKeyUsageCritical ?? false, extKeyUsageValue(oids)));
  }
  if (profile.san && profile.san.length > 0) {
    exts.push(extension('2.5.29.17', profile.sanCritical ?? false, subjectAltNameValue(profile.san)));
  }
  if (ski) exts.push(extension('2.5.29.14', false, subjectKeyIdentifierValue(Buffer.from(ski, 'hex'))));
  if (aki) exts.push(extension('2.5.29.35', false, authorityKeyIdentifierValue(Buffer.from(aki, 'hex'))));
  for (const e of profile.extensions ?? []) exts.push(extension(e.oid, e.critical ?? false, e.value));
  return exts;
}

/** The subject Name and the subject key identifier of an issuer, read from its DER. */
function issuerFacts(certDer: Uint8Array): { subject: Uint8Array; ski: string | undefined } {
  const fail = (why: string) => new Error(`cannot read the issuer certificate: ${why}`);
  const cert = readDer(certDer, 0);
  if (!cert.ok) throw fail(cert.error.message);
  const tbs = derChildren(cert.value);
  if (!tbs.ok || !tbs.value[0]) throw fail('no tbsCertificate');
  const fields = derChildren(tbs.value[0]);
  if (!fields.ok) throw fail(fields.error.message);
  const f = fields.value[0]?.tag === 0xa0 ? fields.value.slice(1) : fields.value;
  const subject = f[4];
  if (!subject) throw fail('no subject');
  let ski: string | undefined;
  const extsTagged = f.find((n) => n.tag === 0xa3);
  const exts = extsTagged ? derChildren(extsTagged) : undefined;
  const list = exts?.ok && exts.value[0] ? derChildren(exts.value[0]) : undefined;
  for (const e of list?.ok ? list.value : []) {
    const parts = derChildren(e);
    if (!parts.ok || Buffer.compare(parts.value[0]?.raw ?? Buffer.alloc(0), SKI_OID) !== 0) continue;
    const inner = readDer(parts.value.at(-1)!.value, 0);
    if (inner.ok) ski = Buffer.from(inner.value.value).toString('hex');
  }
  return { subject: subject.raw, ski };
}
const SKI_OID = oid('2.5.29.14');

/**
 * DER Names by content. A name's encoding is a pure function of its attributes (the string type is
 * chosen from the value, certs/dn.ts toX509Name), so the same subject issued again reuses its bytes.
 * Bounded: a fleet's thousands of phone subjects must not grow it without end.
 */
const nameDers = new Map<string, Uint8Array>();
const NAME_CACHE_MAX = 4096;

function nameDer(dn: Dn): Uint8Array {
  const key = JSON.stringify(dn.map((a) => [a.type, a.value]));
  let der = nameDers.get(key);
  if (!der) {
    der = new Uint8Array(toX509Name(dn).toArrayBuffer());
    if (nameDers.size >= NAME_CACHE_MAX) nameDers.clear();
    nameDers.set(key, der);
  }
  return der;
}

/**
 * Exports of a key, by key object: a KeyObject is immutable, so its SPKI and PKCS#8 PEM are the same
 * bytes every time; a CA signs hundreds of leaves and a pool key serves many labs.
 */
const spkiOf = new WeakMap<KeyObject, Buffer>();
const pemOf = new WeakMap<KeyObject, string>();

function spkiDer(publicKey: KeyObject): Buffer {
  let der = spkiOf.get(publicKey);
  if (!der) {
    der = publicKey.export({ type: 'spki', format: 'der' });
    spkiOf.set(publicKey, der);
  }
  return der;
}

function privateKeyPem(key: KeyObject): string {
  let pem = pemOf.get(key);
  if (pem === undefined) {
    pem = keyToPem(key);
    pemOf.set(key, pem);
  }
  return pem;
}

const NODE_HASH: Record<SignatureHash, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

/** RSASSA-PKCS1-v1_5 or ECDSA (DER Ecdsa-Sig-Value, RFC 5758 §3.2), on libuv's pool as WebCrypto did. */
function signTbs(key: KeyObject, hash: SignatureHash, tbs: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    sign(NODE_HASH[hash], tbs, { key, dsaEncoding: 'der' }, (e, signature) =>
      e ? reject(e) : resolve(signature),
    ),
  );
}

/**
 * A certificate and what it is, with its parsed forms made only when something reads them: many
 * certificates a lab issues are only ever served as PEM (a fleet's MICs), and most of the rest are
 * checked through node's X509Certificate alone, never @peculiar/x509's.
 */
function issuedCert<T extends object>(fields: T, certDer: Buffer, node?: X509Certificate): T & IssuedCert {
  let parsed: x509.X509Certificate | undefined;
  const out = fields as T & IssuedCert;
  Object.defineProperty(out, 'cert', {
    enumerable: true,
    configurable: true,
    get: () => (node ??= new X509Certificate(certDer)),
  });
  Object.defineProperty(out, 'x509', {
    enumerable: true,
    configurable: true,
    get: () => (parsed ??= new x509.X509Certificate(toArrayBuffer(certDer))),
  });
  return out;
}

/** Which key a profile certifies, and under what label. */
function resolveKey(
  ctx: PkiContext,
  profile: CertProfile,
  generation: number,
): { key: KeyObject; spec: KeySpec; label?: string; pool?: PoolKey } {
  if (profile.privateKey) {
    const spec = specOfKeyObject(profile.privateKey);
    if (!spec) throw new Error(`${profile.name}: unsupported key type for the lab`);
    return { key: profile.privateKey, spec };
  }
  const spec = profile.key ?? { kind: 'rsa', bits: 2048 };
  const label = profile.keyLabel ?? (generation > 1 ? `${profile.name}#${generation}` : profile.name);
  const pool = ctx.keys.take(spec, label);
  return { key: pool.privateKey, spec, label, pool };
}

/** Issue a certificate for a public key we may not hold (e.g. from a foreign CSR). */
export async function issueForPublicKey(
  ctx: PkiContext,
  profile: CertProfile,
  publicKey: KeyObject,
  issuer: Identity,
): Promise<IssuedCert> {
  const generation = ctx.nextGeneration(profile.name);
  const core = await issueCore(ctx, profile, generation, spkiDer(publicKey), issuer);
  return issuedCert(core, core.certDer);
}

/** Issue a certificate from a profile: self-signed unless `issuer` is given. */
export async function issueCertificate(
  ctx: PkiContext,
  profile: CertProfile,
  issuer?: Identity,
): Promise<Identity> {
  const generation = ctx.nextGeneration(profile.name);
  const { key, spec, label, pool } = resolveKey(ctx, profile, generation);
  const spki = pool ? pool.spkiDer : spkiDer(createPublicKey(key));
  const core = await issueCore(ctx, profile, generation, spki, issuer, key);
  return issuedCert(
    { ...core, key, keyPem: privateKeyPem(key), spec, ...(label !== undefined ? { keyLabel: label } : {}) },
    core.certDer,
  );
}

async function issueCore(
  ctx: PkiContext,
  profile: CertProfile,
  generation: number,
  spki: Buffer,
  issuer: Identity | undefined,
  ownKey?: KeyObject,
): Promise<Omit<IssuedCert, 'x509' | 'cert'>> {
  const subject = toDn(profile.subject);
  const hash = profile.hash ?? 'SHA-256';
  const validity = profile.validity ?? { notBefore: '-1h', notAfter: '+365d' };
  const anchor = validity.anchor === 'now' ? ctx.now() : ctx.labStart;
  const notBefore = resolveTime(validity.notBefore, anchor);
  const notAfter = resolveTime(validity.notAfter, anchor);
  if (notAfter.getTime() < notBefore.getTime()) {
    throw new Error(
      `${profile.name}: notAfter ${notAfter.toISOString()} is before notBefore ${notBefore.toISOString()}`,
    );
  }
  const serial =
    profile.serial ??
    ctx.random.fork(`serial:${profile.name}#${generation}`).serialHex(profile.serialBytes ?? 16);

  const signerKey = issuer ? issuer.key : ownKey;
  if (!signerKey) throw new Error(`${profile.name}: a self-signed certificate needs its own private key`);
  if (signerKey.asymmetricKeyType !== 'rsa' && signerKey.asymmetricKeyType !== 'ec') {
    throw new Error(`${profile.name}: the signing key is ${signerKey.asymmetricKeyType}, not RSA or EC`);
  }
  const ski = profile.ski === false ? undefined : await keyIdentifier(spki);
  const facts = issuer ? issuerFacts(issuer.certDer) : undefined;
  let aki: string | undefined;
  if (profile.aki !== false) {
    aki = issuer
      ? (facts?.ski ?? (await keyIdentifier(spkiDer(issuer.cert.publicKey))))
      : (ski ?? (await keyIdentifier(spki)));
  }
  const algorithm = signatureAlgorithm(signerKey.asymmetricKeyType, hash);
  const subjectName = nameDer(subject);
  const tbs = tbsCertificate({
    serialHex: serial,
    signature: algorithm,
    // The issuer name is copied byte for byte from the CA's subject, so name chaining never depends
    // on string-type choices.
    issuer: facts ? facts.subject : subjectName,
    notBefore,
    notAfter,
    subject: subjectName,
    spki,
    extensions: buildExtensions(profile, ski, aki),
  });
  const certDer = certificate(tbs, algorithm, await signTbs(signerKey, hash, tbs));
  return {
    name: profile.name,
    certPem: toPem(certDer, 'CERTIFICATE'),
    certDer,
    chain: issuer ? [issuer, ...issuer.chain] : [],
  };
}

/** Wrap an existing certificate and key (e.g. loaded from files) as an Identity. */
export function identityFromPem(
  name: string,
  certPem: string,
  key: KeyObject,
  chain: Identity[] = [],
): Identity {
  const cert = new X509Certificate(certPem);
  const spec = specOfKeyObject(key);
  if (!spec) throw new Error(`${name}: unsupported key type for the lab`);
  const certDer = Buffer.from(cert.raw);
  return issuedCert(
    { name, certPem: toPem(certDer, 'CERTIFICATE'), certDer, chain, key, keyPem: keyToPem(key), spec },
    certDer,
    cert,
  );
}

/** The subject of a profile, for messages. */
export function describeSubject(subject: DnInput): string {
  const dn: Dn = toDn(subject);
  return formatOneLine(dn);
}
