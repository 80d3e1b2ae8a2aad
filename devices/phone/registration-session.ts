/**
 * One registration connection to a CallManager and what the SCCP station (sccp-station.ts) and the SIP
 * user agent (sip-user-agent.ts) share on it: the protocol's framer reads what CallManager sends (a
 * framing error is logged as `<protocol>: <message>` and drops the connection), the attempt settles
 * once (the protocol's answer, no answer within the TLS timeout, or the connection closing first),
 * keepalives that go unanswered give the connection up, and a closed connection goes back to the
 * registrar (registration.ts), which decides whether to register again.
 */

import type { ByteStream } from '../../emulator/net/types.ts';
import type { FormatError, Result } from '../../emulator/result.ts';
import type { SccpCallMessage } from '../protocols/sccp-call.ts';
import type { SipMessage, SipRequest } from '../protocols/sip.ts';
import type { PhoneContext } from './context.ts';
import type { RegistrationState } from './events.ts';

export interface RegistrationConnection {
  socket: ByteStream;
  /** The fabric's id of the connection, for the `sccp.message` / `sip.message` events. */
  connId: string;
  secure: boolean;
  transport: string;
  server: string;
  keepAlive: NodeJS.Timeout | null;
  closing: boolean;
  /** Index of the CallManager (in priority order) this connection goes to. */
  cmIndex: number;
  /** Keepalives (SCCP KeepAlive / SIP REGISTER refresh) sent and not yet answered. */
  unanswered: number;
  /** Why the phone itself gave the connection up (keepalives unanswered), for the re-registration log. */
  lostWhy: string | null;
  /** A re-registration attempt: failures do not flip the phone to Unregistered (it keeps Registering). */
  retry: boolean;
}

export interface ProtocolOutcome {
  state: RegistrationState;
  detail: string;
}

/** What CallManager may send on a registration connection besides the registration itself. */
export interface StationHooks {
  /** A reset or restart ordered by CallManager (SCCP Reset, SIP NOTIFY). */
  onReset(kind: string): void;
  /** SCCP: a call message (CallState, CallInfo, OpenReceiveChannel, ...). */
  sccpCall(reg: RegistrationConnection, m: SccpCallMessage): Promise<void>;
  /** SIP: the final answer to this phone's INVITE. */
  sipInviteResponse(m: SipMessage, send: (m: SipMessage) => void): void;
  /** SIP: CallManager offers a call. */
  sipInvite(m: SipRequest, send: (m: SipMessage) => void): Promise<void>;
  sipAck(m: SipRequest): void;
  /** SIP BYE/CANCEL: true when it released the call in progress (the call has ended). */
  sipRelease(m: SipRequest): boolean;
}

/** A registration attempt as the protocol modules see it. */
export interface RegistrationSession {
  readonly p: PhoneContext;
  readonly reg: RegistrationConnection;
  readonly hooks: StationHooks;
  /** The registration state the attempt reached (a retry's failure keeps the phone Registering). */
  setState(state: RegistrationState, detail: string): void;
  /** The connection closed (whoever closed it). */
  closed(): void;
}

/** True (and the connection given up) when `missedKeepAlives` keepalives went unanswered. */
export function keepAliveUnanswered(p: PhoneContext, reg: RegistrationConnection): boolean {
  const limit = p.timers.missedKeepAlives ?? p.profile.reRegistration.missedKeepAlives;
  if (reg.unanswered < limit) return false;
  reg.lostWhy = `${reg.unanswered} keepalives not acknowledged`;
  if (reg.keepAlive) clearInterval(reg.keepAlive);
  reg.keepAlive = null;
  reg.socket.destroy();
  return true;
}

/** Sends a keepalive every `seconds` until the connection ends or too many go unanswered. */
export function startKeepAlive(
  p: PhoneContext,
  reg: RegistrationConnection,
  seconds: number,
  send: () => void,
): void {
  reg.keepAlive = setInterval(() => {
    if (keepAliveUnanswered(p, reg)) return;
    reg.unanswered++;
    send();
  }, seconds * 1000);
  reg.keepAlive.unref();
}

/**
 * Runs one registration over the connection: `onMessage` handles one decoded message and may settle
 * the attempt; `start` sends the first Register once the handlers are in place.
 */
export function registerOver<M>(
  s: RegistrationSession,
  proto: {
    protocol: 'SCCP' | 'SIP';
    framer: { push(chunk: Buffer): Result<M, FormatError>[] };
    /** Detail when nothing answers in time. */
    noAnswer: string;
    /** Detail when the connection closes before the answer. */
    closedEarly: string;
    onMessage: (m: M, settle: (state: RegistrationState, detail: string) => void) => void;
    start: () => void;
  },
): Promise<ProtocolOutcome> {
  const { reg, p } = s;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (state: RegistrationState, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!reg.retry || state !== 'unregistered') s.setState(state, detail);
      resolve({ state, detail });
    };
    const timer = setTimeout(() => settle('unregistered', proto.noAnswer), p.timers.tlsTimeoutMs ?? 5000);
    reg.socket.on('data', (chunk: Buffer) => {
      for (const r of proto.framer.push(chunk)) {
        if (!r.ok) {
          p.console.line(`${proto.protocol}: ${r.error.message}`, 'ERR');
          reg.socket.destroy();
          return;
        }
        proto.onMessage(r.value, settle);
      }
    });
    reg.socket.once('close', () => {
      settle('unregistered', proto.closedEarly);
      s.closed();
    });
    reg.socket.on('error', () => {});
    proto.start();
  });
}
