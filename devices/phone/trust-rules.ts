/**
 * Why a phone trusts or rejects something: the phone's own trust rules (layer two of architecture
 * decision 3), as pure functions over what the phone holds (its CTL/ITL, `PhoneTrustStore`), its
 * firmware profile and the certificate or file in question. Each returns a verdict with its reason, in
 * words a person can act on; the callers (trust-list-step.ts, config-fetch.ts, tvs-client.ts,
 * capf-step.ts, registration.ts) do the network work and log in the phone's wording.
 *
 * Where a rule cannot decide from what the phone holds, it says so (`ask-tvs`): the phone then asks TVS
 * (docs/reference/trust-files.md §4 step 2b) and the `...AfterTvs` rule decides with TVS's answer.
 *
 * Sources: docs/reference/trust-files.md §4 (who may sign the next trust list), §1.6 (record roles), §2 (config
 * signer roles), docs/reference/capf.md §2 (CAPF server), docs/reference/tvs.md §2 (TVS server); seed 002 (the 7940/7960 TFTP rule, SHA-1-only
 * firmware, erasing the CTL as the fix).
 */
import type { X509Certificate } from 'node:crypto';
import { Role, type TrustList, type TrustListKind } from '../../certs/ctl.ts';
import { type SignedFileInfo, type SignerId, verifySignedFile } from '../../certs/tlv.ts';
import type { TlsAlert, TrustRule } from '../../emulator/events.ts';
import { alert } from '../../emulator/tls-alerts.ts';
import { certificateOf, commonNameOf, matchesSigner, signatureHashOf } from './cert-facts.ts';
import { acceptsSignatureHash, type FirmwareProfile } from './firmware-profiles.ts';
import { verifyTrustListOnce } from './trust-list-cache.ts';
import { CCM_ROLES, CONFIG_SIGNER_ROLES, type PhoneTrustStore } from './trust-store.ts';

/** A certificate rule's answer; `alert` is what the phone sends when it refuses a TLS peer. */
export type CertVerdict =
  | { accepted: true; reason: string; rule: TrustRule }
  | { accepted: false; reason: string; alert: TlsAlert; rule: TrustRule };

/**
 * The phone's TLS certificate rules by stable id (`tls.verdict` names the one that decided): ids stay
 * when the wording changes, so a report or a test can name the rule.
 */
export const PHONE_TLS_RULES = {
  tvsServer: { id: 'phone.tvs-server-itl-role-21', name: 'TVS certificate is the ITL TVS record (role 21)' },
  capfServer: {
    id: 'phone.capf-server-record',
    name: 'CAPF certificate is the CAPF record of the CTL, else the ITL',
  },
  cucmSentCertificate: { id: 'phone.cucm-certificate-present', name: 'CUCM presents a certificate' },
  cucmSignatureHash: {
    id: 'phone.firmware-signature-hash',
    name: 'the firmware can verify the signature hash',
  },
  cucmInCtl: { id: 'phone.cucm-ctl-ccm-record', name: 'CallManager certificate is a CCM record of the CTL' },
  cucmValidity: { id: 'phone.cucm-certificate-validity', name: 'CallManager certificate is valid now' },
} as const satisfies Record<string, TrustRule>;

/** A trust-list rule's answer: `corrupt` files show "Trust List Verification Failed", others "Update Failed". */
export type TrustListVerdict =
  | { decision: 'accept'; via: 'leap of faith' | 'trust list' | 'TVS' }
  | { decision: 'refuse'; why: string; corrupt: boolean }
  | { decision: 'ask-tvs'; roles: readonly number[] };

/** Who signs a config file, as far as the phone's trust lists know. */
export type ConfigSignerVerdict =
  | { decision: 'accept'; cert: X509Certificate; via: 'trust-list' | 'tvs' }
  | { decision: 'refuse'; why: string }
  | { decision: 'ask-tvs'; roles: readonly number[] };

/** A verdict once TVS has answered: accept or refuse. */
export type Decided<V> = Exclude<V, { decision: 'ask-tvs' }>;

/** What TVS said about a signer, as the TVS client hands it to the rules. */
export type TvsVouch = { ok: true; cert: X509Certificate; roles: number[] } | { ok: false; why: string };

/** Roles TVS must vouch with for a trust-list signer (docs/reference/trust-files.md §4 step 2b). */
export const TRUST_LIST_TVS_ROLES: readonly number[] = [Role.SAST, Role.CCM_TFTP, Role.TFTP];
/** Roles TVS must vouch with for a config signer (docs/reference/trust-files.md §2). */
export const CONFIG_TVS_ROLES: readonly number[] = [Role.TFTP, Role.CCM_TFTP, Role.SAST];

const nameOf = commonNameOf;

/** The hash of a certificate's signature, as the firmware rows name it (`sha1`, `sha256`). */
export { signatureHashOf };

/**
 * The 7940/7960 rule (seed 002): with a CTL, only TFTP servers whose address is a TFTP record of that
 * CTL are trusted. Newer firmware trusts any address and checks only the file signatures.
 */
export function tftpServerVerdict(
  store: PhoneTrustStore,
  profile: FirmwareProfile,
  tftpAddress: string,
): { accepted: true } | { accepted: false; reason: string } {
  if (!profile.tftpMustBeInCtl || !store.ctl) return { accepted: true };
  if (store.ctlTftpAddresses().includes(tftpAddress)) return { accepted: true };
  return { accepted: false, reason: `TFTP server ${tftpAddress} is not in the CTL` };
}

/**
 * Who may sign a new CTL/ITL (docs/reference/trust-files.md §4, §1.6), judged from what the phone holds:
 * - nothing held that could judge it: leap of faith, if the file is consistent (its own signer record
 *   verifies the signature). The first ITL is taken on leap of faith (SecGuide "trusts the first ITL
 *   file automatically") unless the CTL names its signer, then the CTL's copy must verify it (docs/reference/trust-files.md §4
 *   step 2); the first CTL likewise, which is why erasing the CTL on the phone is the fix of seed 002;
 * - a CTL that replaces a CTL must be signed by a SAST of the installed CTL: no TVS path (seed 002);
 * - otherwise a signer the held lists do not know is a question for TVS (docs/reference/trust-files.md §4 step 2b).
 */
export function trustListVerdict(
  store: PhoneTrustStore,
  kind: TrustListKind,
  list: TrustList,
): TrustListVerdict {
  const byCtl =
    kind === 'ITL' && !store.itl && store.ctl
      ? verifyTrustListOnce(list, store.certsWithRoles([Role.SAST], ['CTL']))
      : null;
  const ctlKnowsSigner = byCtl !== null && (byCtl.ok || byCtl.error.reason === 'signature-mismatch');
  const judges: TrustListKind[] =
    kind === 'CTL'
      ? store.ctl
        ? ['CTL']
        : []
      : store.itl
        ? store.ctl
          ? ['CTL', 'ITL']
          : ['ITL']
        : ctlKnowsSigner
          ? ['CTL']
          : [];
  if (judges.length === 0) {
    const self = verifyTrustListOnce(list);
    if (!self.ok) return { decision: 'refuse', why: self.error.message, corrupt: true };
    return { decision: 'accept', via: 'leap of faith' };
  }
  const v = verifyTrustListOnce(list, store.certsWithRoles([Role.SAST], judges));
  if (v.ok) return { decision: 'accept', via: 'trust list' };
  if (v.error.reason === 'signature-mismatch')
    return { decision: 'refuse', why: v.error.message, corrupt: true };
  if (kind === 'CTL' && store.ctl) {
    return {
      decision: 'refuse',
      why: `signer ${list.signer.name} is not a SAST of the installed CTL`,
      corrupt: false,
    };
  }
  return { decision: 'ask-tvs', roles: TRUST_LIST_TVS_ROLES };
}

/** The trust-list rule once TVS answered about the signer (docs/reference/trust-files.md §4 step 2b). */
export function trustListVerdictAfterTvs(list: TrustList, tvs: TvsVouch): Decided<TrustListVerdict> {
  if (!tvs.ok)
    return { decision: 'refuse', why: `signer ${list.signer.name} unknown and ${tvs.why}`, corrupt: false };
  const again = verifyTrustListOnce(list, [tvs.cert]);
  if (!again.ok)
    return {
      decision: 'refuse',
      why: again.error.message,
      corrupt: again.error.reason === 'signature-mismatch',
    };
  return { decision: 'accept', via: 'TVS' };
}

/**
 * Who may sign a config file (docs/reference/trust-files.md §2): a TFTP, CCM+TFTP or SAST record of the ITL (and the CTL, in mixed
 * mode) with the signer's serial and issuer; otherwise TVS must vouch for it.
 */
export function configSignerVerdict(store: PhoneTrustStore, signer: SignerId): ConfigSignerVerdict {
  const lists: TrustListKind[] = store.ctl ? ['CTL', 'ITL'] : ['ITL'];
  for (const c of store.certsWithRoles(CONFIG_SIGNER_ROLES, lists)) {
    if (matchesSigner(c, signer)) return { decision: 'accept', cert: c, via: 'trust-list' };
  }
  return { decision: 'ask-tvs', roles: CONFIG_TVS_ROLES };
}

/** The config-signer rule once TVS answered. */
export function configSignerVerdictAfterTvs(signer: SignerId, tvs: TvsVouch): Decided<ConfigSignerVerdict> {
  if (!tvs.ok)
    return { decision: 'refuse', why: `signer ${signer.name} is not in the trust list and ${tvs.why}` };
  return { decision: 'accept', cert: tvs.cert, via: 'tvs' };
}

/** A signed config's envelope: the signature must verify with the trusted signer's key. */
export function configEnvelopeVerdict(
  file: SignedFileInfo,
  signerCert: X509Certificate,
): { accepted: true } | { accepted: false; reason: string } {
  return verifySignedFile(file, signerCert)
    ? { accepted: true }
    : { accepted: false, reason: 'signature does not verify' };
}

/**
 * TVS's answer about a signer (docs/reference/tvs.md §3): it must know the signer, send a certificate that parses and has
 * the signer's serial and issuer, and vouch with one of the roles the question needs.
 */
export function tvsAnswerVerdict(
  answer: { status: number; roles: number[]; certificate?: Buffer },
  signer: SignerId,
  roles: readonly number[],
  server: string,
): TvsVouch {
  if (answer.status !== 0 || !answer.certificate)
    return { ok: false, why: `TVS ${server} does not know ${signer.name}` };
  const cert = certificateOf(answer.certificate);
  if (!cert) return { ok: false, why: 'TVS returned a certificate that does not parse' };
  if (!matchesSigner(cert, signer)) return { ok: false, why: 'TVS returned a different certificate' };
  if (!answer.roles.some((x) => roles.includes(x)))
    return {
      ok: false,
      why: `TVS vouches for ${signer.name} with roles ${answer.roles.join(',')}, not ${roles.join('/')}`,
    };
  return { ok: true, cert, roles: answer.roles };
}

/** The TVS server certificate must be the ITL's TVS record (role 21), docs/reference/tvs.md §2. */
export function tvsServerVerdict(store: PhoneTrustStore, cert: X509Certificate): CertVerdict {
  const rule = PHONE_TLS_RULES.tvsServer;
  if (store.contains('ITL', cert, [Role.TVS]))
    return { accepted: true, reason: 'TVS certificate matches the ITL TVS record (role 21)', rule };
  return {
    accepted: false,
    reason: 'TVS certificate is not in the ITL (role 21)',
    alert: alert('unknown_ca'),
    rule,
  };
}

/** The CAPF server certificate must be the CAPF record of the CTL in mixed mode, else of the ITL (docs/reference/capf.md §2). */
export function capfServerVerdict(store: PhoneTrustStore, cert: X509Certificate): CertVerdict {
  const list: TrustListKind | null = store.ctl ? 'CTL' : store.itl ? 'ITL' : null;
  const rule = PHONE_TLS_RULES.capfServer;
  if (list && store.contains(list, cert, [Role.CAPF]))
    return { accepted: true, reason: `CAPF certificate matches the ${list} CAPF record`, rule };
  return {
    rule,
    accepted: false,
    reason: list
      ? `CAPF certificate ${nameOf(cert)} is not the CAPF record of the ${list}`
      : 'no CTL or ITL to check the CAPF certificate',
    alert: alert('unknown_ca'),
  };
}

/**
 * CUCM's SCCP/SIP TLS certificate (2443/5061): a signature hash the firmware can verify (SHA-1-only
 * 79xx, seed 002), a CCM or CCM+TFTP record of the CTL, and valid at `now` (seed 002's
 * `SEC-ERR ... subcode:45(EXPIRED_CERT)`).
 */
export function callManagerVerdict(
  store: PhoneTrustStore,
  profile: FirmwareProfile,
  leaf: X509Certificate | undefined,
  now: number,
): CertVerdict {
  const R = PHONE_TLS_RULES;
  if (!leaf)
    return {
      accepted: false,
      reason: 'CUCM sent no certificate',
      alert: alert('handshake_failure'),
      rule: R.cucmSentCertificate,
    };
  const hash = signatureHashOf(leaf);
  if (!acceptsSignatureHash(profile, hash)) {
    return {
      accepted: false,
      reason: `${profile.label} cannot verify a ${hash} signature`,
      alert: alert('bad_certificate'),
      rule: R.cucmSignatureHash,
    };
  }
  if (!store.contains('CTL', leaf, CCM_ROLES)) {
    return {
      accepted: false,
      reason: `CallManager certificate ${nameOf(leaf)} (serial ${leaf.serialNumber}) is not in the CTL`,
      alert: alert('unknown_ca'),
      rule: R.cucmInCtl,
    };
  }
  if (new Date(leaf.validTo).getTime() < now || new Date(leaf.validFrom).getTime() > now) {
    return {
      accepted: false,
      reason: `CallManager certificate ${nameOf(leaf)} expired on ${leaf.validTo}`,
      alert: alert('certificate_expired'),
      rule: R.cucmValidity,
    };
  }
  return { accepted: true, reason: 'CallManager certificate matches the CTL CCM record', rule: R.cucmInCtl };
}

/**
 * Whether the phone registers over TLS: its config asks for Authenticated (2) or Encrypted (3) and its
 * CTL holds a CallManager record to check CUCM's certificate against; otherwise it registers in the clear.
 */
export function secureRegistrationVerdict(store: PhoneTrustStore, deviceSecurityMode: number): boolean {
  return (deviceSecurityMode === 2 || deviceSecurityMode === 3) && store.records('CTL', CCM_ROLES).length > 0;
}
