/**
 * A phone service opened over HTTPS (Services, Directories: TAC-118699, "Troubleshoot Corporate
 * Directory Host Not Found"): the phone opens TLS to the service's server and checks the certificate
 * the server presents. A certificate of its CTL/ITL is trusted at once; any other is a question for
 * TVS, asked with the certificate verification request since the phone holds the whole certificate
 * (docs/reference/tvs.md §3; seed 003: "TVS takes care of HTTPS communication"). When TVS does not
 * vouch, the phone sends no request and its screen says "Host not found" (TAC-118699).
 *
 * The outcome is a `phone.service` event: what the screen showed, how the server was trusted, the HTTP
 * status of the answer.
 */
import type { X509Certificate } from 'node:crypto';
import { Role, type TrustListKind } from '../../certs/ctl.ts';
import type { Handshake, TrustVerdict } from '../../emulator/fabric.ts';
import { alert } from '../../emulator/tls-alerts.ts';
import type { PhoneContext } from './context.ts';
import type { TrustedVia } from './events.ts';
import type { PhoneTvs } from './tvs-client.ts';

/** The role TVS must vouch with for an HTTPS server: APP-SERVER (docs/reference/trust-files.md §1.4, tomcat's role in docs/reference/tvs.md §4). */
export const HTTPS_TVS_ROLES: readonly number[] = [Role.APP_SERVER];

/** Every record role: a certificate the phone's trust lists carry is trusted for HTTPS whatever its role. */
const ANY_ROLE: readonly number[] = [
  Role.SAST,
  Role.CCM,
  Role.CCM_TFTP,
  Role.TFTP,
  Role.CAPF,
  Role.APP_SERVER,
  Role.TVS,
];

/** What the phone's screen shows when the service's server is not trusted (TAC-118699). */
export const HOST_NOT_FOUND = 'Host not found';

export type ServiceResult = 'opened' | 'untrusted' | 'unreachable' | 'bad-url';

export interface ServiceOutcome {
  url: string;
  outcome: ServiceResult;
  /** How the server's certificate was trusted, when it was. */
  via: TrustedVia | null;
  /** The status code of the HTTP answer, when one came. */
  httpStatus: number | null;
  /** What the screen showed: the service, or "Host not found". */
  screen: string;
  reason: string | null;
}

declare module '../../emulator/events.ts' {
  interface EventMap {
    /** The user opened a phone service over HTTPS (TAC-118699): what the screen showed and why. */
    'phone.service': ServiceOutcome;
  }
}

function heldIn(p: PhoneContext, cert: X509Certificate): TrustListKind | null {
  for (const kind of ['CTL', 'ITL'] as const) if (p.trust.contains(kind, cert, ANY_ROLE)) return kind;
  return null;
}

/** Reads the status line of the answer (the body does not matter to the question of trust). */
function statusLine(
  socket: { on(e: 'data', f: (b: Buffer) => void): unknown; once(e: 'close', f: () => void): unknown },
  timeoutMs: number,
): Promise<number | null> {
  return new Promise((resolve) => {
    let text = '';
    const timer = setTimeout(() => resolve(null), timeoutMs);
    socket.on('data', (b: Buffer) => {
      text += b.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (m || text.includes('\r\n')) {
        clearTimeout(timer);
        resolve(m ? Number(m[1]) : null);
      }
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

/** Opens `url` as the phone does when the user picks a service; never throws. */
export async function openService(p: PhoneContext, tvs: PhoneTvs, url: string): Promise<ServiceOutcome> {
  const done = (o: Omit<ServiceOutcome, 'url'>): ServiceOutcome => {
    const out = { url, ...o };
    p.emit('phone.service', out);
    return out;
  };
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return done({
      outcome: 'bad-url',
      via: null,
      httpStatus: null,
      screen: HOST_NOT_FOUND,
      reason: `${url} is not a URL`,
    });
  }
  if (target.protocol !== 'https:') {
    return done({
      outcome: 'bad-url',
      via: null,
      httpStatus: null,
      screen: HOST_NOT_FOUND,
      reason: `${url}: only HTTPS services are modelled`,
    });
  }
  let via: TrustedVia | null = null;
  const verify = async (h: Handshake): Promise<TrustVerdict> => {
    const leaf = h.peerChain[0];
    if (!leaf)
      return { accepted: false, reason: 'the server sent no certificate', alert: alert('handshake_failure') };
    const kind = heldIn(p, leaf);
    if (kind) {
      via = 'trust-list';
      return { accepted: true, reason: `the server certificate is in the ${kind}`, alert: null };
    }
    const v = await tvs.verify(leaf, HTTPS_TVS_ROLES);
    if (!v.ok) return { accepted: false, reason: v.why, alert: alert('certificate_unknown') };
    via = 'tvs';
    if (p.console.secd) p.console.line('SECD: Authenticated the HTTPS conn via TVS');
    return { accepted: true, reason: 'TVS vouches for the server certificate', alert: null };
  };
  const timeoutMs = p.timers.tlsTimeoutMs ?? 5000;
  const conn = await p.fabric.connectTls(
    p.name,
    { host: target.hostname, port: Number(target.port || 443) },
    { ...p.tlsOptions(), timeoutMs: timeoutMs * 3 },
    verify,
  );
  if (!conn.ok) {
    const refused = conn.error.verdict && !conn.error.verdict.accepted;
    return done({
      outcome: refused ? 'untrusted' : 'unreachable',
      via: null,
      httpStatus: null,
      screen: HOST_NOT_FOUND,
      reason: conn.error.verdict?.reason ?? conn.error.message,
    });
  }
  const socket = conn.value.socket;
  const status = statusLine(socket, timeoutMs);
  socket.write(
    `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nConnection: close\r\n\r\n`,
  );
  const httpStatus = await status;
  socket.end();
  return done({
    outcome: httpStatus === null ? 'unreachable' : 'opened',
    via,
    httpStatus,
    screen: httpStatus === null ? HOST_NOT_FOUND : target.pathname,
    reason: httpStatus === null ? 'the server sent no HTTP answer' : null,
  });
}
