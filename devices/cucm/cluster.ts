/**
 * The CUCM cluster database: the ONE place where two CUCM devices share state.
 *
 * Why: a real CUCM cluster is one Informix database replicated from the publisher to every
 * subscriber. The trust stores (CallManager-trust, Phone-SAST-trust, ...), the device table (phones,
 * their security profiles, CAPF operations and LSC status), the cluster security mode (mixed mode)
 * and the CTL file are cluster-wide, and every node's TFTP builds its ITL from the TVS and CAPF
 * certificates of the whole cluster. Modelling replication over the wire would add nothing a trainee
 * can observe, so the publisher device owns this object and its subscribers share it (architecture:
 * "a device never reads another device's state" holds between clusters, phones and Expressways;
 * within one cluster the database IS shared state). Nothing outside devices/cucm/ may reach it.
 *
 * It is the one exception, beside the TLS alert side channel (emulator/tls-alerts.ts), to "devices
 * share no state" (architecture.md, "The house"). Everything the nodes of a cluster share is a field
 * of this class, including the call directory (which phone is registered where, for call routing):
 * there is no second registry elsewhere.
 *
 * Lookup: one registry per fabric (= per lab), keyed by the publisher's name, so two labs (parallel
 * tests) and two clusters in one lab never meet.
 */
import type { X509Certificate } from 'node:crypto';
import type { Identity, PkiContext } from '../../certs/issue.ts';
import type { Fabric } from '../../emulator/fabric.ts';
import { LscStatusCode } from '../protocols/lsc-status.ts';
import type { Endpoint } from './call-endpoint.ts';
import type { CertStore } from './cert-store.ts';
import { TrustDb } from './cert-store.ts';
import type { CucmRelease } from './releases.ts';

export type SecurityMode = 'non-secure' | 'authenticated' | 'encrypted';

export interface CapfOperationDecl {
  operation: 'none' | 'install' | 'delete' | 'troubleshoot';
  authMode: 'auth-string' | 'null-string' | 'existing-lsc' | 'existing-mic';
  authString?: string;
  keySize?: 1024 | 2048 | 4096;
  curve?: 'P-256' | 'P-384' | 'P-521';
  completesBy?: string;
}

export interface PhoneDecl {
  name: string;
  model: string;
  protocol: 'SIP' | 'SCCP';
  line?: string;
  security: SecurityMode;
  tftpEncryptedConfig?: boolean;
  capf?: CapfOperationDecl;
}

/** A row of the `device` table, as far as security goes. */
export interface PhoneRecord {
  decl: PhoneDecl;
  /** `device.tkcertificatestatus` (devices/protocols/lsc-status.ts). */
  certificateStatus: number;
  /** The pending CAPF operation, with its deadline (lab-clock ms) when declared. */
  capf: CapfOperationDecl & { deadline: number | null };
  /** The LSC CAPF issued (CUCM keeps its public key: `device.publickey`). */
  lsc: X509Certificate | null;
  /** The MIC the phone presented to CAPF, when it authenticated with it. */
  mic: X509Certificate | null;
}

export interface SipTrunkDecl {
  name: string;
  destination: string;
  port?: number;
  x509SubjectName?: string;
}

/** What the cluster knows of one node (System > Server, and its own certificates). */
export interface NodeInfo {
  name: string;
  fqdn: string;
  address: string;
  /** How System > Server advertises the node: the name phones connect to. */
  processNodeName: string;
  isPublisher: boolean;
  certs: CertStore;
  /** Resets the phones registered to this node (over the wire). */
  resetPhones(devices: (name: string) => boolean, reason: string): number;
}

export type MixedMode = 'none' | 'tokenless' | 'etoken';

/**
 * A TFTP server added to the CTL besides the cluster's own nodes (the CTL client's "Add TFTP Server":
 * an alternate TFTP, e.g. a standalone or another cluster's TFTP, docs/reference/trust-files.md §1.6). Its record
 * (role TFTP) carries the address legacy 79xx phones check the TFTP server against (seed 002).
 */
export interface AlternateTftp {
  /** The name the admin gave (a lab host name or an IP address). */
  host: string;
  address: string;
  /** The certificate that signs the files it serves. */
  cert: X509Certificate;
  /** CCM+TFTP when the server also runs CallManager (another cluster's node); TFTP by default. */
  role: 'TFTP' | 'CCM+TFTP';
}

export interface ClusterOptions {
  publisher: string;
  release: CucmRelease;
  pki: PkiContext;
  domain: string;
}

export class Cluster {
  readonly trust = new TrustDb();
  readonly nodes = new Map<string, NodeInfo>();
  readonly phones = new Map<string, PhoneRecord>();
  readonly sipTrunks: SipTrunkDecl[] = [];
  readonly users: {
    id: string;
    devices: string[];
    csf?: {
      security: 'non-secure' | 'authenticated' | 'encrypted';
      securityProfileName?: string | undefined;
    };
  }[] = [];
  /** Cluster security mode: 0 non-secure, 1 mixed (StationD `ClusterSecurityMode = (1)`, seed 002). */
  mixedMode: MixedMode = 'none';
  /** Hardware SAST tokens (eToken mode). */
  etokens: Identity[] = [];
  /** The token of `etokens` that signs the CTL: the one the CTL client last unlocked (seed 002 line 388). */
  ctlSignerToken = 0;
  /** TFTP servers outside the cluster's nodes that the CTL lists (built into the next CTL). */
  alternateTftp: AlternateTftp[] = [];
  /** The CTL as last generated (`utils ctl update CTLFile`), or null: never generated. */
  ctl: { bytes: Buffer; modified: number } | null = null;
  /**
   * The call directory: the phones registered on any node of the cluster, by device name, as call
   * control reaches them (call-control.ts). In the real product the CallManager nodes learn each
   * other's registrations over intra-cluster signalling; modelling that link adds nothing a trainee
   * can observe, so the directory lives here, inside the one shared cluster database.
   */
  readonly callDirectory = new Map<string, Endpoint>();
  /** Bumped on every change that affects generated files (trust lists, configs). */
  version = 0;
  readonly #listeners = new Set<(why: string) => void>();
  #ready: Promise<void> | null = null;
  readonly #initializers: (() => Promise<void>)[] = [];

  constructor(readonly o: ClusterOptions) {
    this.trust.onChange(() => this.changed('trust store'));
  }

  get publisher(): string {
    return this.o.publisher;
  }

  get pki(): PkiContext {
    return this.o.pki;
  }

  onChange(fn: (why: string) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  changed(why: string): void {
    this.version++;
    for (const l of [...this.#listeners]) l(why);
  }

  /** A node registers its initializer at construction; the first `ready()` runs them all, in order. */
  addInitializer(fn: () => Promise<void>): void {
    this.#initializers.push(fn);
  }

  /** Issues every node's certificates once: a subscriber's ITL needs the TVS certificate of every node. */
  ready(): Promise<void> {
    if (!this.#ready) {
      this.#ready = (async () => {
        for (const f of this.#initializers) await f();
      })();
    }
    return this.#ready;
  }

  addPhone(decl: PhoneDecl, now: number, parseDeadline: (d: string) => number): void {
    const capf = decl.capf ?? { operation: 'none', authMode: 'null-string' };
    this.phones.set(decl.name.toUpperCase(), {
      decl,
      certificateStatus: capf.operation === 'none' ? LscStatusCode.NONE : LscStatusCode.OPERATION_PENDING,
      capf: { ...capf, deadline: capf.completesBy ? parseDeadline(capf.completesBy) : null },
      lsc: null,
      mic: null,
    });
    void now;
  }

  phone(name: string): PhoneRecord | undefined {
    return this.phones.get(name.toUpperCase());
  }

  nodeList(): NodeInfo[] {
    return [...this.nodes.values()];
  }

  publisherNode(): NodeInfo | undefined {
    return this.nodes.get(this.o.publisher);
  }

  /** Resets the phones registered anywhere in the cluster that match `devices`. */
  resetPhones(devices: (name: string) => boolean, reason: string): number {
    let n = 0;
    for (const node of this.nodes.values()) n += node.resetPhones(devices, reason);
    return n;
  }
}

const registries = new WeakMap<Fabric, Map<string, Cluster>>();

/** The cluster of `publisher` in this lab, created on first use (by the publisher or a subscriber). */
export function clusterFor(fabric: Fabric, publisher: string, make: () => Cluster): Cluster {
  let reg = registries.get(fabric);
  if (!reg) {
    reg = new Map();
    registries.set(fabric, reg);
  }
  let c = reg.get(publisher.toLowerCase());
  if (!c) {
    c = make();
    reg.set(publisher.toLowerCase(), c);
  }
  return c;
}
