/**
 * Jabber (Client Services Framework) devices registering over SIP: an end user's CSF device, with the
 * device security mode and the name of its phone security profile.
 *
 * Over Mobile and Remote Access the Expressway-C forwards the device's REGISTER on its own connection:
 * TCP 5060 for a non-secure device, TLS 5061 for an authenticated or encrypted one, presenting the
 * Expressway-C's certificate, not one of the device. CUCM takes that certificate for the device when
 * it names the device's phone security profile: that is why the Expressway-C certificate's SAN must
 * hold the "Unified CM phone security profile names" (seed 003 lines 119-124, 145), and why, without
 * them, "Softphone Registration fails (other will work) when endpoint security settings are
 * authenticated or encrypted" (seed 003 line 509). CUCM's rejection text is the lab's (L).
 */
import type { X509Certificate } from 'node:crypto';
import { sanEntries } from '../../certs/chain.ts';
import { commonName, subjectDn } from '../../certs/dn.ts';
import type { Cluster } from './cluster.ts';

export type CsfSecurity = 'non-secure' | 'authenticated' | 'encrypted';

export interface CsfDevice {
  name: string;
  user: string;
  security: CsfSecurity;
  /** The phone security profile's name, FQDN format (`csf-secure.lab.example`); null when none is set. */
  securityProfileName: string | null;
}

const MODE: Record<CsfSecurity, 1 | 2 | 3> = { 'non-secure': 1, authenticated: 2, encrypted: 3 };

/** The CSF device `name` of an end user, or null. */
export function csfDeviceOf(cluster: Cluster, name: string): CsfDevice | null {
  const upper = name.toUpperCase();
  const user = cluster.users.find((u) => u.devices.some((d) => d.toUpperCase() === upper));
  if (!user || !upper.startsWith('CSF')) return null;
  return {
    name: upper,
    user: user.id,
    security: user.csf?.security ?? 'non-secure',
    securityProfileName: user.csf?.securityProfileName ?? null,
  };
}

export function csfSecurityMode(d: CsfDevice): 1 | 2 | 3 {
  return MODE[d.security];
}

/** Whether CUCM takes the registration of `d` arriving over `transport` with `leaf` as the TLS peer. */
export function admitCsf(
  d: CsfDevice,
  transport: 'tcp' | 'tls',
  leaf: X509Certificate | undefined,
): { ok: true } | { ok: false; text: string; reason: string } {
  const mode = MODE[d.security];
  if (transport === 'tcp' && mode !== 1)
    return {
      ok: false,
      text: 'Security Mode Mismatch',
      reason: `${d.name} has device security mode ${mode} (${d.security}) and must register over TLS`,
    };
  if (transport === 'tls' && mode === 1)
    return {
      ok: false,
      text: 'Security Mode Mismatch',
      reason: `${d.name} is non-secure and must not register over TLS`,
    };
  if (transport === 'tls') {
    const cn = leaf ? (commonName(subjectDn(leaf)) ?? '') : '';
    const names = leaf ? [cn, ...sanEntries(leaf).map((s) => s.value)].map((n) => n.toLowerCase()) : [];
    const profile = d.securityProfileName?.toLowerCase() ?? null;
    if (!names.includes(d.name.toLowerCase()) && !(profile && names.includes(profile)))
      return {
        ok: false,
        text: 'Device Name Mismatch',
        reason: `the certificate presented (${cn || 'none'}) names neither ${d.name} nor its phone security profile ${d.securityProfileName ?? '(none)'}`,
      };
  }
  return { ok: true };
}
