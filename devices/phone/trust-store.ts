/**
 * What a phone holds of CTL and ITL, and the questions it asks of them (docs/reference/trust-files.md §1.4, §1.6, §4):
 * is this certificate in my trust list with this role, who may sign the next trust list or config.
 * A phone keeps the file bytes (for the MD5 the Trust List menu shows) and the parsed records only.
 * The rules that decide with these answers (who may sign, which TLS servers to accept) are in
 * trust-rules.ts.
 */
import { createHash, type X509Certificate } from 'node:crypto';
import { type ParsedTrustRecord, Role, type TrustList, type TrustListKind } from '../../certs/ctl.ts';
import { matchesSigner, sameBytes } from './cert-facts.ts';
import { type HeldTrustList, holdTrustList } from './trust-list-cache.ts';

export type { HeldTrustList } from './trust-list-cache.ts';

/** Does the record describe this certificate? Full DER when the record has it, else serial + issuer. */
export function recordMatches(r: ParsedTrustRecord, cert: X509Certificate): boolean {
  if (r.certificate) return sameBytes(r.certificate, cert.raw);
  return matchesSigner(cert, { serial: r.serial, issuer: r.issuerName });
}

/** Roles that may sign a trust list (SAST) or, before CUCM 12, the ITL (the CallManager cert as TFTP). */
export const TRUST_LIST_SIGNER_ROLES: readonly number[] = [Role.SAST];
/** Roles whose certificate signs configuration files (docs/reference/trust-files.md §2). */
export const CONFIG_SIGNER_ROLES: readonly number[] = [Role.TFTP, Role.CCM_TFTP, Role.SAST];
/** Roles of a CallManager TLS server (SCCP 2443 / SIP 5061). */
export const CCM_ROLES: readonly number[] = [Role.CCM, Role.CCM_TFTP];

export class PhoneTrustStore {
  ctl: HeldTrustList | null = null;
  itl: HeldTrustList | null = null;

  held(kind: TrustListKind): HeldTrustList | null {
    return kind === 'CTL' ? this.ctl : this.itl;
  }

  /** Installs a list; its held form is shared with every phone that installed the same bytes. */
  set(kind: TrustListKind, list: TrustList, md5?: string): void {
    const h = holdTrustList(list, md5 ?? createHash('md5').update(list.bytes).digest('hex'));
    if (kind === 'CTL') this.ctl = h;
    else this.itl = h;
  }

  delete(which: TrustListKind | 'all'): void {
    if (which === 'CTL' || which === 'all') this.ctl = null;
    if (which === 'ITL' || which === 'all') this.itl = null;
  }

  get empty(): boolean {
    return !this.ctl && !this.itl;
  }

  /** Certificates with one of `roles` in the given lists (default both), for signature checks. */
  certsWithRoles(
    roles: readonly number[],
    kinds: readonly TrustListKind[] = ['CTL', 'ITL'],
  ): X509Certificate[] {
    const out: X509Certificate[] = [];
    for (const k of kinds) {
      const h = this.held(k);
      if (!h) continue;
      h.list.records.forEach((r, i) => {
        const c = h.certs[i];
        if (c && roles.includes(r.role.code)) out.push(c);
      });
    }
    return out;
  }

  /** Records of a role in one list. */
  records(kind: TrustListKind, roles: readonly number[]): ParsedTrustRecord[] {
    return this.held(kind)?.list.records.filter((r) => roles.includes(r.role.code)) ?? [];
  }

  /** Is `cert` in the list `kind` with one of `roles`? */
  contains(kind: TrustListKind, cert: X509Certificate, roles: readonly number[]): boolean {
    return this.records(kind, roles).some((r) => recordMatches(r, cert));
  }

  /** Addresses of the TFTP-capable records of the CTL (the 7940/7960 TFTP rule, seed 002). */
  ctlTftpAddresses(): string[] {
    return this.records('CTL', [Role.CCM_TFTP, Role.TFTP])
      .map((r) => r.ipAddress)
      .filter((a): a is string => !!a && a !== '0.0.0.0');
  }
}
