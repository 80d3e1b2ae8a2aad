/**
 * The two-ends verdict exchange: the alert side channel of architecture decision 3.
 *
 * Each end of a handshake gives its own verdict (the device's product rules over OpenSSL's chain
 * result) and records it as `tls.verdict`. Node cannot send a certificate alert (it closes the socket),
 * so a rejecting device records the alert a real device would send with its verdict, and when both
 * ends are lab devices each end waits for the other's verdict before it reports the connection: a
 * client then learns "handshake failed, alert certificate_expired(45)" exactly as a real phone would.
 * This is the one place devices share state, and it goes through the timeline.
 */
import type { Timeline, TlsAlert, TrustRule } from '../events.ts';
import type { Handshake, TrustVerdict, VerifyHook } from './handshake.ts';

/** The rule of a connection whose device has no product rules: OpenSSL's chain result is all. */
export const CHAIN_ONLY_RULE: TrustRule = {
  id: 'chain-only',
  name: 'no product rules (the chain result stands)',
};
/** The rule of a verdict the device's own rules could not give (the hook threw). */
export const HOOK_FAILED_RULE: TrustRule = {
  id: 'verify-hook-failed',
  name: "the device's trust rules failed",
};

/** How long one end waits for a lab peer's verdict before it goes on without it. */
export const PEER_VERDICT_WAIT_MS = 5_000;

/** Runs the device's trust rules on a handshake and records the verdict (`tls.verdict`). */
export async function decide(
  timeline: Timeline,
  device: string,
  h: Handshake,
  verify: VerifyHook | undefined,
): Promise<TrustVerdict> {
  let v: TrustVerdict;
  try {
    v = verify
      ? await verify(h)
      : {
          accepted: true,
          reason: h.chainError ? `no product checks (chain: ${h.chainError})` : 'chain verified',
          rule: CHAIN_ONLY_RULE,
        };
  } catch (e) {
    v = {
      accepted: false,
      reason: `verify hook failed: ${(e as Error).message}`,
      alert: null,
      rule: HOOK_FAILED_RULE,
    };
  }
  timeline.emit(device, 'tls.verdict', {
    connId: h.connId,
    role: h.role,
    accepted: v.accepted,
    reason: v.reason,
    alert: v.alert ?? null,
    rule: v.rule ?? null,
  });
  return v;
}

/**
 * The other end's verdict on a connection, when the other end is a lab device: its `tls.verdict`, or a
 * `tls.failed` (which counts as a rejection without an alert). Null when none came in time.
 */
export async function peerVerdict(
  timeline: Timeline,
  connId: string,
  peerRole: 'client' | 'server',
): Promise<{ accepted: boolean; alert: TlsAlert | null } | null> {
  try {
    const e = await timeline.waitForConnection(
      connId,
      `the ${peerRole}'s verdict on ${connId}`,
      (ev) => (ev.kind === 'tls.verdict' || ev.kind === 'tls.failed') && ev.role === peerRole,
      { timeoutMs: PEER_VERDICT_WAIT_MS },
    );
    if (e.kind === 'tls.verdict') return { accepted: e.accepted, alert: e.alert };
    if (e.kind === 'tls.failed') return { accepted: false, alert: null };
    return null;
  } catch {
    return null;
  }
}

/** The alert a lab peer recorded against this end, if any (read when Node only saw a closed socket). */
export function sideChannelAlert(
  timeline: Timeline,
  connId: string | null,
  from: 'client' | 'server',
): TlsAlert | null {
  return connId ? timeline.alertFor(connId, from) : null;
}
