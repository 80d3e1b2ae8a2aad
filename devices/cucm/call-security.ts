/**
 * CUCM's call security decision, from both devices' security modes (seed 002: "The security status
 * of the least secure party is used to determine which icon is displayed"): Encrypted when both are
 * encrypted (lock, SRTP keys passed), Authenticated when the least secure is authenticated (shield,
 * RTP), NotAuthenticated otherwise (no icon). CUCM tells each phone: SIP `Call-Info:
 * <urn:x-cisco-remotecc:callinfo>;security=...`, SCCP CallInfo `callSecurityStatus`
 * (devices/protocols/sccp.ts). SRTP keys (RFC 4568 `a=crypto`) are passed only on an Encrypted call.
 */
import { SccpCallSecurityStatus } from '../protocols/sccp-call.ts';
import type { CallIcon, CallSecurity } from './events.ts';

export type { CallIcon, CallSecurity } from './events.ts';

/** Seed 002 table: the least secure party decides. Modes: 1 non-secure, 2 authenticated, 3 encrypted. */
export function callSecurityOf(a: number, b: number): { security: CallSecurity; icon: CallIcon } {
  const least = Math.min(a, b);
  return least >= 3
    ? { security: 'Encrypted', icon: 'lock' }
    : least === 2
      ? { security: 'Authenticated', icon: 'shield' }
      : { security: 'NotAuthenticated', icon: 'none' };
}

/** The SCCP CallInfo `callSecurityStatus` of each decision. */
export const SCCP_CALL_SECURITY: Readonly<Record<CallSecurity, number>> = {
  Encrypted: SccpCallSecurityStatus.Encrypted,
  Authenticated: SccpCallSecurityStatus.Authenticated,
  NotAuthenticated: SccpCallSecurityStatus.NotAuthenticated,
};

/** Whether a call with this decision carries SRTP keys: only an Encrypted call does. */
export function keepsSrtpKeys(security: CallSecurity): boolean {
  return security === 'Encrypted';
}
