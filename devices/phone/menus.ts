/**
 * The phone's menus as a person reads them on the screen: Settings > Security > Trust List (seed 002:
 * the CTL and ITL with their MD5 sums and records) and Settings > Security Configuration. Rendered from
 * what the phone holds, or, for a report or live view, from the `phone.trust-list` events that carry
 * the same records (`trustListRecordLine` is the one wording of a record line for both).
 */
import type { PhoneConfig } from '../../certs/phone-config.ts';
import type { SecurityLevel, TrustListRecordView } from './events.ts';
import type { HeldTrustList, PhoneTrustStore } from './trust-store.ts';

export const SECURITY_NAMES: Record<number, SecurityLevel> = {
  1: 'non-secure',
  2: 'authenticated',
  3: 'encrypted',
};

/** The records of a held trust list as the menu lists them. */
export function trustListRecordViews(h: HeldTrustList): readonly TrustListRecordView[] {
  // Named once per content when the list was held (trust-list-cache.ts), and frozen: every event
  // about the same list shares them (a fleet's events held nine record objects a phone otherwise).
  return h.views;
}

/** `  6. cucm-pub.lab.example : TFTP (127.169.171.13)`: record `index` (from 0) of a trust list. */
export function trustListRecordLine(r: TrustListRecordView, index: number): string {
  return `  ${index + 1}. ${r.name} : ${r.role}${r.ipAddress ? ` (${r.ipAddress})` : ''}`;
}

/** Settings > Security > Trust List (seed 002): CTL and ITL with their MD5 sums and records. */
export function trustListMenu(trust: PhoneTrustStore): string {
  const lines: string[] = ['Trust List'];
  for (const kind of ['CTL', 'ITL'] as const) {
    const h = trust.held(kind);
    lines.push(`  ${kind} File: ${h ? h.md5 : 'Not Installed'}`);
  }
  for (const kind of ['CTL', 'ITL'] as const) {
    const h = trust.held(kind);
    if (!h) continue;
    lines.push(`${kind} File (MD5 ${h.md5})`);
    trustListRecordViews(h).forEach((r, i) => {
      lines.push(trustListRecordLine(r, i));
    });
  }
  return lines.join('\n');
}

/** Settings > Security Configuration: security mode, MIC, LSC, CTL/ITL, CAPF server. */
export function securityMenu(s: {
  config: PhoneConfig | null;
  mic: boolean;
  lsc: boolean;
  trust: PhoneTrustStore;
}): string {
  const mode = s.config ? (SECURITY_NAMES[s.config.deviceSecurityMode] ?? 'non-secure') : 'non-secure';
  const capf = s.config?.capfList[0];
  return [
    'Security Configuration',
    `  Security Mode: ${mode === 'non-secure' ? 'Non-Secure' : mode === 'authenticated' ? 'Authenticated' : 'Encrypted'}`,
    `  MIC: ${s.mic ? 'Installed' : 'Not Installed'}`,
    `  LSC: ${s.lsc ? 'Installed' : 'Not Installed'}`,
    `  CTL File: ${s.trust.ctl?.md5 ?? 'Not Installed'}`,
    `  ITL File: ${s.trust.itl?.md5 ?? 'Not Installed'}`,
    `  CAPF Server: ${capf?.processNodeName ? `${capf.processNodeName}:${capf.phonePort}` : ''}`,
  ].join('\n');
}
