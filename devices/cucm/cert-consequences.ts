/**
 * What a certificate change on a CUCM node causes, as data (architecture decision 8): which services
 * restart onto the new certificate, which generated files are rebuilt, whether the phones are reset,
 * and the trace line CUCM writes. node.ts applies a row; adding a unit is a row, not a branch.
 *
 * Sources: seed 003 ("Certificate Regeneration": a CallManager, TVS, CAPF or ITLRecovery change
 * regenerates the ITL and "All the registered phones with callmanager group containing the node will
 * be restarted"; the tomcat certificate needs `utils service restart Cisco Tomcat`), TAC-217138 (CAPF).
 *
 * What is deliberately absent: the CTL. CUCM never rebuilds the CTL on a certificate change; the
 * administrator runs `utils ctl update CTLFile` (the ctl-stale-after-regen scenario is that fault).
 */
import type { CucmUnit } from '../../certs/profiles.ts';
import type { TrustStoreName } from './cert-store.ts';

/** The services of a node that present or check a certificate. */
export type CucmService = 'CallManager' | 'TVS' | 'CAPF' | 'Tomcat';

/** A generated TFTP file a certificate change rebuilds. */
export type GeneratedFile = 'ITLFile.tlv';

export interface CertChangeEffect {
  /** Services that restart onto the new certificate (each swaps its secure context in place). */
  readonly restart: readonly CucmService[];
  /** Generated files rebuilt (and re-signed) at once. */
  readonly regenerate: readonly GeneratedFile[];
  /** Every registered phone of the cluster is reset ("Cnf group reset"). */
  readonly resetPhones: boolean;
  /** `isITLRelatedRole=...` of the `Certificate CNF.` trace line; null: the unit is not ITL-related. */
  readonly itlRelatedRole: string | null;
}

const NONE: CertChangeEffect = { restart: [], regenerate: [], resetPhones: false, itlRelatedRole: null };

/** An own certificate regenerated or replaced by a CA-signed one (`set cert regen`, upload). */
export const OWN_CERT_CHANGE: Readonly<Record<CucmUnit, CertChangeEffect>> = {
  CallManager: {
    restart: ['CallManager'],
    regenerate: ['ITLFile.tlv'],
    resetPhones: true,
    itlRelatedRole: 'SERVICE_CALLMANAGER leads to an active TFTP node',
  },
  TVS: {
    restart: ['TVS'],
    regenerate: ['ITLFile.tlv'],
    resetPhones: true,
    itlRelatedRole: 'CERTIFICATE_SERVICE_TVS',
  },
  CAPF: {
    restart: ['CAPF'],
    regenerate: ['ITLFile.tlv'],
    resetPhones: true,
    itlRelatedRole: 'CERTIFICATE_SERVICE_CAPF',
  },
  ITLRecovery: {
    restart: [],
    regenerate: ['ITLFile.tlv'],
    resetPhones: true,
    itlRelatedRole: 'CERTIFICATE_SERVICE_ITLRECOVERY',
  },
  tomcat: { ...NONE, restart: ['Tomcat'] },
  'tomcat-ECDSA': { ...NONE, restart: ['Tomcat'] },
  // The lab's 2443/5061 present the RSA CallManager certificate only; ipsec has no service modelled.
  'CallManager-ECDSA': NONE,
  ipsec: NONE,
};

/**
 * A trust store changed (upload, delete, a unit's self-signed copy replaced). OpenSSL's trust list of
 * 2443/5061 is CallManager-trust: CallManager takes a new secure context ("restart Cisco CallManager")
 * before the upload or delete returns, so the next handshake sees it.
 */
export const TRUST_STORE_CHANGE: Readonly<
  Record<TrustStoreName, { readonly restart: readonly CucmService[] }>
> = {
  'CallManager-trust': { restart: ['CallManager'] },
  'tomcat-trust': { restart: [] },
  'CAPF-trust': { restart: [] },
  'TVS-trust': { restart: [] },
  'ipsec-trust': { restart: [] },
  'Phone-VPN-trust': { restart: [] },
  'Phone-SAST-trust': { restart: [] },
};
