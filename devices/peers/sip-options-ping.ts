/**
 * The application server's trunk check (seed 000): one SIP OPTIONS over an established TLS stream,
 * answered or not, with the failure as the Java application reports it (JSSE's exception texts).
 */
import type { TlsAlert } from '../../emulator/events.ts';
import type { ConnectError } from '../../emulator/fabric.ts';
import type { SecureStream } from '../../emulator/net/types.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';
import { encodeSip, header, SipFramer, type SipRequest, type SipResponse } from '../protocols/sip.ts';

export interface TrunkError extends UclabError {
  alert: TlsAlert | null;
}

/** JSSE's message for a handshake ended by the peer (what the Java application logs). */
export function jsseMessage(a: TlsAlert | null): string {
  return a
    ? `javax.net.ssl.SSLHandshakeException: Received fatal alert: ${a.name}`
    : 'javax.net.ssl.SSLHandshakeException: Remote host closed connection during handshake';
}

/** What the Java application logs when the trunk's TLS connection could not be made. */
export function connectFailureText(e: ConnectError): string {
  if (e.verdict) return `javax.net.ssl.SSLHandshakeException: ${e.verdict.reason}`;
  if (e.code === 'ECONNREFUSED') return 'java.net.ConnectException: Connection refused (Connection refused)';
  if (e.code === 'tls.timeout' || e.code === 'fabric.unknown-host')
    return `java.net.ConnectException: ${e.message}`;
  return jsseMessage(e.alert);
}

/**
 * Sends `req` and waits for the response with its Call-ID. A close before it (CUCM refusing the
 * certificate after the handshake) reports the alert `closedBy()` finds, as JSSE's SSLException.
 */
export function pingOptions(
  stream: SecureStream,
  req: SipRequest,
  opts: { timeoutMs: number; closedBy: () => TlsAlert | null },
): Promise<Result<SipResponse, TrunkError>> {
  const framer = new SipFramer();
  return new Promise<Result<SipResponse, TrunkError>>((resolve) => {
    const timer = setTimeout(() => {
      resolve(
        err({
          code: 'sip.timeout',
          message: `no answer to OPTIONS within ${opts.timeoutMs} ms`,
          alert: null,
        }),
      );
    }, opts.timeoutMs);
    const done = (r: Result<SipResponse, TrunkError>) => {
      clearTimeout(timer);
      resolve(r);
    };
    stream.on('data', (d: Buffer) => {
      for (const r of framer.push(d)) {
        if (!r.ok) return done(err({ code: r.error.code, message: r.error.message, alert: null }));
        if (r.value.kind === 'response' && header(r.value, 'call-id') === header(req, 'call-id'))
          return done(ok(r.value));
      }
    });
    stream.on('close', () => {
      const a = opts.closedBy();
      done(
        err({
          code: 'sip.closed',
          message: jsseMessage(a).replace('SSLHandshakeException', 'SSLException'),
          alert: a,
        }),
      );
    });
    stream.write(encodeSip(req));
  });
}
