/**
 * TLS renegotiation on an established connection, as a fabric operation (architecture decision 2):
 * mod_ssl's per-directory `SSLVerifyClient require` asks for the client certificate this way (seed
 * 001). The new handshake is recorded like any other (`tls.handshake`, marked `renegotiation`), with
 * the device's verdict when it gives a `verify` hook, and the outcome as `tls.renegotiation`.
 *
 * Node/OpenSSL facts (docs/reference/toolchain.md §3.4): TLS 1.0-1.2 only (`renegotiate()` returns false on 1.3,
 * which has none); the server needs SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION or the client
 * resumes its session and sends no certificate (every lab listener sets it, `secure-contexts.ts`); a
 * client with SSL_OP_NO_RENEGOTIATION makes the server's socket fail with ERR_SSL_NO_RENEGOTIATION.
 */
import type { EventMap } from '../events.ts';
import { err, ok, type Result, type UclabError } from '../result.ts';
import type { TlsConnection } from './connections.ts';
import type { FabricCore } from './core.ts';
import {
  type Handshake,
  handshakeEvent,
  readHandshake,
  type TrustVerdict,
  type VerifyHook,
} from './handshake.ts';
import { cannotRenegotiate } from './tls-over-stream.ts';
import { decide } from './verdicts.ts';

export interface RenegotiateOptions {
  /** Ask the peer for its certificate (the server's CertificateRequest). Default true. */
  requestCert?: boolean;
  /** The device's own rules on the new handshake, recorded as `tls.verdict` like any handshake's. */
  verify?: VerifyHook;
  /** How long the new handshake may take; the connection is closed when it runs out. Default 10 s. */
  timeoutMs?: number;
}

export interface Renegotiated {
  /** The new handshake: the peer certificate it brought and OpenSSL's chain result on it. */
  handshake: Handshake;
  /** The device's verdict, when it gave a `verify` hook. */
  verdict: TrustVerdict | null;
}

export interface RenegotiationError extends UclabError {
  code:
    | 'tls.renegotiation-impossible'
    | 'tls.renegotiation-refused'
    | 'tls.renegotiation-timeout'
    | 'fabric.unknown-connection';
  connId: string;
}

function describe(h: Handshake, v: TrustVerdict | null): string {
  const peer = h.peerChain[0];
  const cert = peer ? `peer certificate ${peer.subject.replace(/\n/g, ', ')}` : 'no peer certificate';
  const chain = peer ? `; chain ${h.chainError ?? 'verified'}` : '';
  const verdict = v ? `; ${v.accepted ? 'accepted' : 'refused'}: ${v.reason}` : '';
  return `${h.version} ${h.cipher}, ${cert}${chain}${verdict}`;
}

export function renegotiate(
  core: FabricCore,
  device: string,
  conn: TlsConnection,
  opts: RenegotiateOptions = {},
): Promise<Result<Renegotiated, RenegotiationError>> {
  const { timeline } = core;
  const rec = core.secureStreams.get(conn.socket);
  if (!rec) {
    return Promise.resolve(
      err({
        code: 'fabric.unknown-connection',
        message: `connection ${conn.id} is not a TLS connection of this lab`,
        connId: conn.id,
      }),
    );
  }
  const { sock, role, local, remote } = rec;
  const record = (outcome: EventMap['tls.renegotiation']['outcome'], detail: string) =>
    timeline.emit(device, 'tls.renegotiation', { connId: conn.id, role, outcome, detail });
  const version = sock.getProtocol();
  if (version === 'TLSv1.3') {
    const detail = 'TLS 1.3 has no renegotiation; post-handshake authentication is not available';
    record('impossible', detail);
    return Promise.resolve(err({ code: 'tls.renegotiation-impossible', message: detail, connId: conn.id }));
  }
  if (cannotRenegotiate(sock)) {
    const detail =
      'renegotiation is not available on the in-memory transport (node:tls over an in-process stream cannot renegotiate safely): run this lab on loopback';
    record('impossible', detail);
    return Promise.resolve(err({ code: 'tls.renegotiation-impossible', message: detail, connId: conn.id }));
  }
  if (sock.destroyed) {
    const detail = 'the connection is already closed';
    record('refused', detail);
    return Promise.resolve(err({ code: 'tls.renegotiation-refused', message: detail, connId: conn.id }));
  }
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return new Promise((resolve) => {
    let settled = false;
    /** The new handshake completed: a close or error after this is not a refusal. */
    let handshaken = false;
    const cleanup = () => {
      settled = true;
      clearTimeout(timer);
      sock.off('error', onError);
      sock.off('close', onClose);
    };
    const refused = (code: RenegotiationError['code'], detail: string) => {
      if (settled || handshaken) return;
      cleanup();
      record('refused', detail);
      resolve(err({ code, message: `renegotiation on ${conn.id} failed: ${detail}`, connId: conn.id }));
    };
    const onError = (e: NodeJS.ErrnoException) =>
      refused('tls.renegotiation-refused', `${e.code ?? 'ERROR'}: ${e.message}`);
    const onClose = () =>
      refused(
        'tls.renegotiation-refused',
        `the ${role === 'server' ? 'client' : 'server'} closed the connection during the renegotiation`,
      );
    sock.on('error', onError);
    sock.once('close', onClose);
    const timer = setTimeout(() => {
      refused('tls.renegotiation-timeout', `no renegotiation handshake within ${timeoutMs} ms`);
      sock.destroy();
    }, timeoutMs);
    const started = sock.renegotiate(
      { requestCert: opts.requestCert ?? true, rejectUnauthorized: false },
      (e) => {
        if (settled) return;
        if (e)
          return refused(
            'tls.renegotiation-refused',
            `${(e as NodeJS.ErrnoException).code ?? 'ERROR'}: ${e.message}`,
          );
        handshaken = true;
        const h = readHandshake(sock, conn.id, role, local, remote);
        timeline.emit(device, 'tls.handshake', handshakeEvent(h, true));
        void (async () => {
          const verdict = opts.verify ? await decide(timeline, device, h, opts.verify) : null;
          cleanup();
          record('completed', describe(h, verdict));
          resolve(ok({ handshake: h, verdict }));
        })();
      },
    );
    if (!started) refused('tls.renegotiation-refused', 'renegotiation could not start');
  });
}
