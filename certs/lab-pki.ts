/**
 * The lab-wide certificate authorities a CUCM meets: stand-ins for the Cisco manufacturing hierarchy
 * (they sign phone MICs at "manufacture") and a lab enterprise CA (for `signedBy: 'enterprise-ca'`).
 *
 * These are not device state: they are the outside world (Cisco's factory, the customer's AD CS).
 * They are derived from the lab seed and the lab start only, so any device (or test) that asks for
 * them gets byte-identical certificates without reading another device: RSA PKCS#1 v1.5 signatures
 * are deterministic, keys come from the pool by label, serials from the seed.
 */

import { labMemo } from '../emulator/lab-memo.ts';
import { createPkiContext, type Identity, issueCertificate, type PkiContext } from './issue.ts';
import { type CiscoManufacturing, enterpriseRootCaProfile, issueCiscoManufacturing } from './profiles.ts';

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

function keyOf(ref: LabPkiRef): string {
  return `${ref.seed}@${ref.start}`;
}

/** Memoised per lab when the reference carries its scope; issued afresh (byte-identical) otherwise. */
function perLab<T>(ref: LabPkiRef, what: string, make: () => T): T {
  return ref.scope ? labMemo(ref.scope, `${what}/${keyOf(ref)}`, make) : make();
}

/** The Cisco manufacturing stand-ins of this lab (Cisco Root CA 2048, M2, Manufacturing CA [SHA2], CAP-RTP-00x). */
export function ciscoManufacturingFor(ref: LabPkiRef): Promise<CiscoManufacturing> {
  return perLab(ref, 'cisco-manufacturing', () =>
    issueCiscoManufacturing(
      createPkiContext({ seed: `${ref.seed}/cisco-manufacturing`, labStart: new Date(ref.start) }),
    ),
  );
}

/** The lab's enterprise root CA (`uclab-ENTERPRISE-CA`), for CA-signed CUCM certificates. */
export function enterpriseCaFor(ref: LabPkiRef): Promise<Identity> {
  return perLab(ref, 'enterprise-ca', () =>
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
