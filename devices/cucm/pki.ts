/**
 * The lab-wide certificate authorities a CUCM meets: stand-ins for the Cisco manufacturing hierarchy
 * (they sign phone MICs at "manufacture") and a lab enterprise CA (for `signedBy: 'enterprise-ca'`).
 *
 * These are not device state: they are the outside world (Cisco's factory, the customer's AD CS).
 * They are derived from the lab seed and the lab start only, so any device (or test) that asks for
 * them gets byte-identical certificates without reading another device: RSA PKCS#1 v1.5 signatures
 * are deterministic, keys come from the pool by label, serials from the seed.
 */
import { createPkiContext, type Identity, issueCertificate, type PkiContext } from '../../certs/issue.ts';
import {
  type CiscoManufacturing,
  enterpriseRootCaProfile,
  issueCiscoManufacturing,
} from '../../certs/profiles.ts';

export interface LabPkiRef {
  seed: string;
  /** Lab start (ms): the anchor of every relative validity. */
  start: number;
  /**
   * An object that lives exactly as long as the lab (its Timeline or Fabric, from DeviceContext): the
   * memo hangs off it, so it is collected with the lab. Devices pass `ctx.timeline`. Without it nothing
   * is kept and each call issues afresh; the certificates are byte-identical either way (see above),
   * only slower.
   */
  scope?: object;
}

interface LabCas {
  manufacturing: Map<string, Promise<CiscoManufacturing>>;
  enterprise: Map<string, Promise<Identity>>;
}

/**
 * One memo per lab, keyed weakly by the lab's scope object: `run --all`, the benchmark and a long
 * `uclab up` session create many labs in one process, and a module-level map would keep every lab's
 * CAs forever. Inside a lab the key is still (seed, start), which a lab never changes.
 */
const byLab = new WeakMap<object, LabCas>();

function memoOf(ref: LabPkiRef): LabCas | null {
  if (!ref.scope) return null;
  let m = byLab.get(ref.scope);
  if (!m) {
    m = { manufacturing: new Map(), enterprise: new Map() };
    byLab.set(ref.scope, m);
  }
  return m;
}

function keyOf(ref: LabPkiRef): string {
  return `${ref.seed}@${ref.start}`;
}

function memoised<T>(
  cache: Map<string, Promise<T>> | undefined,
  key: string,
  make: () => Promise<T>,
): Promise<T> {
  let p = cache?.get(key);
  if (!p) {
    p = make();
    cache?.set(key, p);
  }
  return p;
}

/** The Cisco manufacturing stand-ins of this lab (Cisco Root CA 2048, M2, Manufacturing CA [SHA2], CAP-RTP-00x). */
export function ciscoManufacturingFor(ref: LabPkiRef): Promise<CiscoManufacturing> {
  return memoised(memoOf(ref)?.manufacturing, keyOf(ref), () =>
    issueCiscoManufacturing(
      createPkiContext({ seed: `${ref.seed}/cisco-manufacturing`, labStart: new Date(ref.start) }),
    ),
  );
}

/** The lab's enterprise root CA (`uclab-ENTERPRISE-CA`), for CA-signed CUCM certificates. */
export function enterpriseCaFor(ref: LabPkiRef): Promise<Identity> {
  return memoised(memoOf(ref)?.enterprise, keyOf(ref), () =>
    issueCertificate(
      createPkiContext({ seed: `${ref.seed}/enterprise-ca`, labStart: new Date(ref.start) }),
      enterpriseRootCaProfile({ cn: 'uclab-ENTERPRISE-CA', dc: ['lab', 'uclab'] }),
    ),
  );
}

/** The PKI context of one CUCM cluster (own certificates, LSCs, SAST tokens). */
export function clusterPkiContext(ref: LabPkiRef, publisher: string): PkiContext {
  return createPkiContext({ seed: `${ref.seed}/cucm/${publisher}`, labStart: new Date(ref.start) });
}
