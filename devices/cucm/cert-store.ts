/**
 * CUCM's certificate stores: the own certificates of one node (`show cert list own`) and the trust
 * stores (`show cert list trust`), with the operations and rules of Cisco Unified OS Administration >
 * Security > Certificate Management.
 *
 * Trust stores are one database for the whole cluster (seed 003, CSCus28550: "deletion from one node
 * deletes from ALL"), so `TrustDb` lives in the cluster object (cluster.ts) and every node's
 * `CertStore` works on it. Own certificates are per node.
 *
 * Rules modelled:
 * - each own certificate's self-signed copy appears in the matching -trust store(s), as on CUCM;
 * - a trust certificate without keyCertSign is refused as a CA (seed 000: the application server's
 *   certificate had only digitalSignature+keyEncipherment);
 * - a CA-signed upload must chain (by AKI/SKI, certs/chain.ts) to a certificate already in the
 *   unit's trust store, and must carry the key of the pending CSR;
 * - the "modified in the last 5 minutes" guard between CallManager and TVS (seed 003) is in node.ts,
 *   which owns the lab clock and the wording.
 */
import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { buildChain, hasKeyCertSign, isCa, isSelfSigned } from '../../certs/chain.ts';
import { type GeneratedCsr, generateCsr } from '../../certs/csr.ts';
import { commonName, subjectDn } from '../../certs/dn.ts';
import {
  type CertProfile,
  type Identity,
  issueCertificate,
  type PkiContext,
  type SignatureHash,
} from '../../certs/issue.ts';
import type { KeySpec } from '../../certs/key-pool/index.ts';
import { certToPem } from '../../certs/pem.ts';
import { type CucmNode, type CucmUnit, cucmSelfSigned } from '../../certs/profiles.ts';
import { x509 } from '../../certs/x509.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import { readUploadFile } from './upload-file.ts';

export const OWN_UNITS: readonly CucmUnit[] = [
  'tomcat',
  'tomcat-ECDSA',
  'ipsec',
  'CallManager',
  'CallManager-ECDSA',
  'CAPF',
  'TVS',
  'ITLRecovery',
];

export const TRUST_STORES = [
  'tomcat-trust',
  'CallManager-trust',
  'CAPF-trust',
  'TVS-trust',
  'ipsec-trust',
  'Phone-VPN-trust',
  'Phone-SAST-trust',
] as const;
export type TrustStoreName = (typeof TRUST_STORES)[number];

/** Where a unit's CA chain must be, and where its self-signed copy goes (CUCM's layout). */
export const UNIT_TRUST: Readonly<Record<CucmUnit, readonly TrustStoreName[]>> = {
  tomcat: ['tomcat-trust'],
  'tomcat-ECDSA': ['tomcat-trust'],
  ipsec: ['ipsec-trust'],
  CallManager: ['CallManager-trust'],
  'CallManager-ECDSA': ['CallManager-trust'],
  // The CAPF certificate also goes to CallManager-trust, so LSCs it issues are trusted on 2443/5061.
  CAPF: ['CAPF-trust', 'CallManager-trust'],
  TVS: ['TVS-trust'],
  ITLRecovery: ['Phone-SAST-trust', 'CallManager-trust'],
};

export function isTrustStore(s: string): s is TrustStoreName {
  return (TRUST_STORES as readonly string[]).includes(s);
}

export function isUnit(s: string): s is CucmUnit {
  return (OWN_UNITS as readonly string[]).includes(s);
}

/** Unit names are case-insensitive on the CLI (`set cert regen callmanager`). */
export function unitNamed(s: string): CucmUnit | undefined {
  return OWN_UNITS.find((u) => u.toLowerCase() === s.toLowerCase());
}

export function trustStoreNamed(s: string): TrustStoreName | undefined {
  return TRUST_STORES.find((t) => t.toLowerCase() === s.toLowerCase());
}

export interface CertError extends UclabError {}

function fail(code: string, message: string): { ok: false; error: CertError } {
  return err({ code: `cert.${code}`, message });
}

/** The CN, or the first RDN for a certificate without one (certs/dn.ts reads the DER, not Node's text). */
function cnOf(cert: X509Certificate): string {
  const dn = subjectDn(cert);
  return commonName(dn) ?? (dn[0] ? `${dn[0].type}=${dn[0].value}` : 'cert');
}

// ------------------------------------------------------------------------------------- trust DB

export interface TrustEntry {
  readonly store: TrustStoreName;
  /** `CallManager-trust/cucm-pub.lab.example.pem` as `show cert list trust` prints it. */
  readonly file: string;
  readonly cert: X509Certificate;
  readonly pem: string;
  readonly description: string;
  /** `system` (factory), `own:<node>/<unit>` (self-signed copy), `upload`. */
  readonly origin: string;
}

export class TrustDb {
  readonly #entries: TrustEntry[] = [];
  /** Bumped on every change, so caches (ITL, TVS lookups, TLS contexts) know to rebuild. */
  version = 0;
  readonly #listeners = new Set<(store: TrustStoreName) => void>();

  onChange(fn: (store: TrustStoreName) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #changed(store: TrustStoreName): void {
    this.version++;
    for (const l of this.#listeners) l(store);
  }

  list(store?: TrustStoreName): TrustEntry[] {
    return this.#entries.filter((e) => store === undefined || e.store === store);
  }

  certs(store: TrustStoreName): X509Certificate[] {
    return this.list(store).map((e) => e.cert);
  }

  pems(store: TrustStoreName): string[] {
    return this.list(store).map((e) => e.pem);
  }

  has(store: TrustStoreName, cert: X509Certificate): boolean {
    return this.list(store).some((e) => e.cert.fingerprint256 === cert.fingerprint256);
  }

  #fileName(store: TrustStoreName, cert: X509Certificate): string {
    const base =
      cnOf(cert)
        .trim()
        .replace(/[^A-Za-z0-9._-]+/g, '_') || 'certificate';
    let file = `${store}/${base}.pem`;
    if (this.#entries.some((e) => e.file === file))
      file = `${store}/${base}_${cert.serialNumber.slice(-8).toLowerCase()}.pem`;
    return file;
  }

  /** Adds without CUCM's upload checks (factory content and own-certificate copies). */
  put(store: TrustStoreName, cert: X509Certificate, description: string, origin: string): TrustEntry {
    const existing = this.list(store).find((e) => e.cert.fingerprint256 === cert.fingerprint256);
    if (existing) return existing;
    const entry: TrustEntry = {
      store,
      file: this.#fileName(store, cert),
      cert,
      pem: certToPem(cert),
      description,
      origin,
    };
    this.#entries.push(entry);
    this.#changed(store);
    return entry;
  }

  /** Removes entries of a store by predicate; returns what was removed. */
  remove(store: TrustStoreName, pred: (e: TrustEntry) => boolean): TrustEntry[] {
    const gone: TrustEntry[] = [];
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i] as TrustEntry;
      if (e.store === store && pred(e)) {
        gone.push(e);
        this.#entries.splice(i, 1);
      }
    }
    if (gone.length > 0) this.#changed(store);
    return gone;
  }

  /**
   * "Upload Certificate/Certificate chain" to a -trust store, with CUCM's rule: a certificate that is
   * meant as a trust anchor (CA, or self-signed) must carry keyCertSign (seed 000). The file is one
   * PEM or DER certificate, or a DER PKCS#7 chain (upload-file.ts, seed 003).
   */
  upload(
    store: TrustStoreName,
    file: string | Uint8Array,
    description = 'Trust Certificate',
  ): Result<TrustEntry[], CertError> {
    const read = readUploadFile(file);
    if (!read.ok) return read;
    const certs = read.value.certs;
    for (const c of certs) {
      if ((isCa(c) || isSelfSigned(c)) && !hasKeyCertSign(c)) {
        // Wording: approximation (seed 000 shows the refusal only as a failed trunk; M).
        return fail(
          'no-keycertsign',
          `Certificate upload failed: ${cnOf(c)} does not have the Certificate Sign (keyCertSign) key usage and cannot be used as a trust certificate`,
        );
      }
    }
    return ok(certs.map((c) => this.put(store, c, description, 'upload')));
  }
}

// ------------------------------------------------------------------------------------- own certs

export type DeclaredKey = 'rsa1024' | 'rsa2048' | 'rsa4096' | 'ec256' | 'ec384';
export type DeclaredHash = 'SHA1' | 'SHA256' | 'SHA384' | 'SHA512';

export interface UnitDeclaration {
  key?: DeclaredKey;
  notBefore?: string;
  notAfter?: string;
  hash?: DeclaredHash;
  signedBy?: 'self' | 'enterprise-ca';
  san?: { dns?: string[]; ip?: string[] | 'self' };
}

export function keySpecOf(k: DeclaredKey): KeySpec {
  switch (k) {
    case 'rsa1024':
      return { kind: 'rsa', bits: 1024 };
    case 'rsa2048':
      return { kind: 'rsa', bits: 2048 };
    case 'rsa4096':
      return { kind: 'rsa', bits: 4096 };
    case 'ec256':
      return { kind: 'ec', curve: 'P-256' };
    case 'ec384':
      return { kind: 'ec', curve: 'P-384' };
  }
}

export function hashOf(h: DeclaredHash): SignatureHash {
  return ({ SHA1: 'SHA-1', SHA256: 'SHA-256', SHA384: 'SHA-384', SHA512: 'SHA-512' } as const)[h];
}

export interface OwnCert {
  readonly unit: CucmUnit;
  readonly identity: Identity;
  /** `Self-signed certificate generated by system` or `Certificate Signed by <CA CN>`. */
  readonly description: string;
  readonly caSigned: boolean;
  /** Intermediates and root (CA-signed only), nearest first. */
  readonly chain: X509Certificate[];
  /** Lab-clock time of the last change (regenerate / upload), ms. */
  readonly modifiedAt: number;
  readonly generation: number;
}

export interface RegenerateOptions {
  key?: DeclaredKey;
  hash?: DeclaredHash;
}

export interface CertStoreOptions {
  /** The node as the PKI profiles see it. */
  node: CucmNode;
  nodeName: string;
  nodeAddress: string;
  pki: PkiContext;
  trust: TrustDb;
  now: () => number;
  declared: Partial<Record<CucmUnit, UnitDeclaration>>;
  enterpriseCa: () => Promise<Identity>;
}

/** The own certificates of one node. */
export class CertStore {
  readonly #own = new Map<CucmUnit, OwnCert>();
  readonly #csr = new Map<CucmUnit, GeneratedCsr>();
  readonly #listeners = new Set<(unit: CucmUnit, cert: OwnCert) => void>();

  constructor(private readonly o: CertStoreOptions) {}

  onChange(fn: (unit: CucmUnit, cert: OwnCert) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  get trust(): TrustDb {
    return this.o.trust;
  }

  /** Issues every unit as declared (self-signed unless `signedBy: 'enterprise-ca'`). */
  async init(): Promise<void> {
    for (const unit of OWN_UNITS) {
      const d = this.o.declared[unit] ?? {};
      const issued = await this.#issue(unit, 1, d, false);
      this.#set(unit, issued, false);
    }
  }

  own(unit: CucmUnit): OwnCert {
    const c = this.#own.get(unit);
    if (!c)
      throw new Error(`${this.o.nodeName}: certificate ${unit} is not issued yet (start the node first)`);
    return c;
  }

  all(): OwnCert[] {
    return OWN_UNITS.flatMap((u) => {
      const c = this.#own.get(u);
      return c ? [c] : [];
    });
  }

  /** The TLS identity of a unit (leaf + chain to send). */
  tlsIdentity(unit: CucmUnit): { certPem: string; keyPem: string; chainPem: string[] } {
    const c = this.own(unit);
    return { certPem: c.identity.certPem, keyPem: c.identity.keyPem, chainPem: c.chain.map(certToPem) };
  }

  #profile(unit: CucmUnit, generation: number, d: UnitDeclaration, regen: boolean): CertProfile {
    const ipSans = d.san?.ip === 'self' ? [this.o.nodeAddress] : (d.san?.ip ?? []);
    const node: CucmNode = {
      ...this.o.node,
      altNames: [...(this.o.node.altNames ?? []), ...(d.san?.dns ?? [])],
      ipSans,
    };
    const base = cucmSelfSigned(this.o.pki, node, unit, { generation });
    const validity = {
      notBefore: d.notBefore ?? (regen ? '-1h' : (base.validity?.notBefore ?? '-1h')),
      notAfter: d.notAfter ?? base.validity?.notAfter ?? '+5y',
      ...(regen ? { anchor: 'now' as const } : {}),
    };
    return {
      ...base,
      ...(d.key ? { key: keySpecOf(d.key) } : {}),
      ...(d.hash ? { hash: hashOf(d.hash) } : {}),
      validity,
    };
  }

  async #issue(
    unit: CucmUnit,
    generation: number,
    d: UnitDeclaration,
    regen: boolean,
  ): Promise<Omit<OwnCert, 'modifiedAt'>> {
    const profile = this.#profile(unit, generation, d, regen);
    if (d.signedBy === 'enterprise-ca') {
      const ca = await this.o.enterpriseCa();
      // The CA decides the extensions (seed 003 "CA Requirements for Signing CSR").
      const identity = await issueCertificate(
        this.o.pki,
        {
          ...profile,
          basicConstraints: { ca: false, critical: true },
          keyUsage: unit.endsWith('ECDSA')
            ? ['digitalSignature', 'keyAgreement', 'keyCertSign']
            : ['digitalSignature', 'keyEncipherment', 'dataEncipherment', 'keyCertSign'],
          extKeyUsage: ['serverAuth', 'clientAuth'],
        },
        ca,
      );
      for (const store of UNIT_TRUST[unit]) this.o.trust.put(store, ca.cert, 'Trust Certificate', 'system');
      return {
        unit,
        identity,
        description: `Certificate Signed by ${cnOf(ca.cert)}`,
        caSigned: true,
        chain: [ca.cert],
        generation,
      };
    }
    const identity = await issueCertificate(this.o.pki, profile);
    return {
      unit,
      identity,
      description: 'Self-signed certificate generated by system',
      caSigned: false,
      chain: [],
      generation,
    };
  }

  #set(unit: CucmUnit, c: Omit<OwnCert, 'modifiedAt'>, notify: boolean): OwnCert {
    const previous = this.#own.get(unit);
    const full: OwnCert = { ...c, modifiedAt: this.o.now() };
    this.#own.set(unit, full);
    // The old self-signed copy leaves the trust store; the new one goes in (as CUCM replaces it).
    for (const store of UNIT_TRUST[unit]) {
      if (previous && !previous.caSigned) {
        const fp = previous.identity.cert.fingerprint256;
        this.o.trust.remove(store, (e) => e.cert.fingerprint256 === fp);
      }
      if (!full.caSigned)
        this.o.trust.put(store, full.identity.cert, 'Trust Certificate', `own:${this.o.nodeName}/${unit}`);
    }
    if (notify) for (const l of this.#listeners) l(unit, full);
    return full;
  }

  /** "Generate Self-signed" / `set cert regen <unit>`: a new key and serial, self-signed. */
  async regenerate(unit: CucmUnit, opts: RegenerateOptions = {}): Promise<Result<OwnCert, CertError>> {
    const current = this.own(unit);
    const d: UnitDeclaration = {
      ...(opts.key ? { key: opts.key } : {}),
      ...(opts.hash ? { hash: opts.hash } : {}),
    };
    if (!opts.key) {
      const spec = current.identity.spec;
      d.key =
        spec.kind === 'rsa' ? (`rsa${spec.bits}` as DeclaredKey) : spec.curve === 'P-256' ? 'ec256' : 'ec384';
    }
    if (unit.endsWith('ECDSA') && d.key?.startsWith('rsa')) {
      return fail('bad-key', `${unit} needs an EC key (ec256 or ec384)`);
    }
    if (!unit.endsWith('ECDSA') && d.key?.startsWith('ec')) {
      return fail('bad-key', `${unit} needs an RSA key (rsa1024, rsa2048 or rsa4096)`);
    }
    const issued = await this.#issue(unit, current.generation + 1, d, true);
    this.#csr.delete(unit);
    return ok(this.#set(unit, issued, true));
  }

  /** "Generate CSR": same subject and SANs, a new key held until the CA-signed certificate comes back. */
  async generateCsr(unit: CucmUnit): Promise<Result<{ csrPem: string }, CertError>> {
    const current = this.own(unit);
    const p = this.#profile(unit, current.generation + 1, {}, true);
    const csr = await generateCsr(this.o.pki, {
      name: `${p.name}#csr${current.generation + 1}`,
      subject: p.subject,
      key: current.identity.spec,
      ...(p.hash ? { hash: p.hash } : {}),
      ...(p.san ? { san: p.san } : {}),
      keyUsage: unit.endsWith('ECDSA')
        ? ['digitalSignature', 'keyAgreement']
        : ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth', 'clientAuth'],
    });
    this.#csr.set(unit, csr);
    return ok({ csrPem: csr.csrPem });
  }

  /**
   * "Upload Certificate/Certificate chain" of a CA-signed own certificate. `chainPem` certificates are
   * uploaded to the unit's -trust store first (with the trust rules); then the leaf must chain, by
   * AKI/SKI, to that store and carry the key of the pending CSR.
   */
  async uploadCaSigned(
    unit: CucmUnit,
    certFile: string | Uint8Array,
    chainFile?: string | Uint8Array,
  ): Promise<Result<OwnCert, CertError>> {
    const read = readUploadFile(certFile);
    if (!read.ok) return read;
    // A DER PKCS#7 holds the leaf with its chain: the leaf is the one that issues no other.
    const all = read.value.certs;
    const leaf = (all.find((c) => !all.some((o) => o !== c && o.checkIssued(c))) ??
      all[0]) as X509Certificate;
    const store = UNIT_TRUST[unit][0] as TrustStoreName;
    for (const ca of all.filter((c) => c !== leaf)) {
      const up = this.o.trust.upload(store, Buffer.from(ca.raw));
      if (!up.ok) return up;
    }
    if (chainFile && chainFile.length > 0 && !(typeof chainFile === 'string' && chainFile.trim() === '')) {
      const up = this.o.trust.upload(store, chainFile);
      if (!up.ok) return up;
    }
    const chain = buildChain(leaf, this.o.trust.certs(store));
    if (!chain.complete) {
      // Wording: approximation (M): CUCM refuses a leaf whose issuer is not in the -trust store.
      return fail(
        'chain-incomplete',
        `Certificate upload failed: the issuer of ${cnOf(leaf)} (${chain.missing.issuer}) is not in ${store}. Upload the CA certificate chain to ${store} first`,
      );
    }
    const csr = this.#csr.get(unit);
    const key: KeyObject | undefined = csr?.key;
    const leafKey = leaf.publicKey.export({ type: 'spki', format: 'der' });
    if (!csr || !key || !createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(leafKey)) {
      return fail(
        'key-mismatch',
        `Certificate upload failed: the certificate does not match the private key of the ${unit} CSR. Generate a CSR for ${unit} and have that CSR signed`,
      );
    }
    const identity: Identity = {
      name: `${this.o.nodeName}/${unit}`,
      certPem: certToPem(leaf),
      certDer: Buffer.from(leaf.raw),
      cert: leaf,
      x509: new x509.X509Certificate(new Uint8Array(leaf.raw)),
      chain: [],
      key,
      keyPem: csr.keyPem,
      spec: csr.spec,
    };
    const current = this.own(unit);
    const issuerCa = chain.chain[1]?.cert;
    this.#csr.delete(unit);
    return ok(
      this.#set(
        unit,
        {
          unit,
          identity,
          description: `Certificate Signed by ${issuerCa ? cnOf(issuerCa) : 'CA'}`,
          caSigned: true,
          chain: chain.chain.slice(1).map((l) => l.cert),
          generation: current.generation + 1,
        },
        true,
      ),
    );
  }
}
