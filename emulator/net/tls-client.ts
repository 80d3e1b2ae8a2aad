/**
 * TLS clients: the transport opens the raw stream from the device's own address, node:tls runs the
 * handshake over it, then the device's verdict and, when the server is a lab device, the server's
 * verdict decide what the device is handed (decision 3).
 */

import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import * as tls from 'node:tls';
import type { Endpoint } from '../events.ts';
import { err, ok, type Result } from '../result.ts';
import { alertFromErrorCode } from '../tls-alerts.ts';
import { DEFAULT_TLS_TIMEOUT_MS, type Target, type TlsClientConfig } from './config.ts';
import type { ConnectError, TlsConnection } from './connections.ts';
import { assertOpen, type FabricCore } from './core.ts';
import { handshakeEvent, presentedCertificate, readHandshake, type VerifyHook } from './handshake.ts';
import { MemoryStream } from './memory.ts';
import { carryAddresses, flushBeforeDestroy } from './tls-over-stream.ts';
import { decide, peerVerdict, sideChannelAlert } from './verdicts.ts';

export function connectTls(
  core: FabricCore,
  device: string,
  target: Target,
  config: TlsClientConfig,
  verify?: VerifyHook,
): Promise<Result<TlsConnection, ConnectError>> {
  assertOpen(core);
  const { timeline, registry } = core;
  const resolved = core.hosts.resolve(target.host);
  if (!resolved.ok) return Promise.resolve(err({ ...resolved.error, alert: null, connId: null }));
  const address = resolved.value;
  const servername =
    config.servername === false
      ? undefined
      : (config.servername ?? (isIP(target.host) ? undefined : target.host));
  const serverIsLab = core.tlsListeners.has(`${address}:${target.port}`);
  const timeoutMs = config.timeoutMs ?? DEFAULT_TLS_TIMEOUT_MS;
  const remote: Endpoint = { address, port: target.port };
  const secureContext = core.clientContexts.get(config);

  return new Promise((resolve) => {
    let id: string | null = null;
    let settled = false;
    let sock: TLSSocket | null = null;
    const finish = (r: Result<TlsConnection, ConnectError>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const { stream: raw, connected } = core.transport.connect({
      address,
      port: target.port,
      localAddress: core.hosts.localAddressFor(device, address),
    });
    registry.trackHandshake(raw);
    const timer = setTimeout(() => {
      (sock ?? raw).destroy();
      finish(
        err({
          code: 'tls.timeout',
          message: `no TLS session with ${target.host}:${target.port} within ${timeoutMs} ms`,
          alert: null,
          connId: id,
        }),
      );
    }, timeoutMs);

    const onEarlyError = (e: NodeJS.ErrnoException) => {
      // Before the handshake completed: an alert on the wire, or a lab peer's side-channel alert.
      const onWire = alertFromErrorCode(e.code);
      const refusal = onWire ? null : sideChannelAlert(timeline, id, 'server');
      if (refusal) {
        // A lab server refused our certificate and closed the socket before our end had read its
        // Finished (TLS 1.2: the server decides first, and destroy() can beat the flight): Node says
        // only "socket disconnected", but a real server sent the alert. Report it exactly as the
        // refusal seen after the handshake (below), so the outcome does not depend on that race.
        timeline.emit(device, 'tls.failed', {
          connId: id,
          role: 'client',
          code: `ALERT_${refusal.name.toUpperCase()}`,
          message: `peer sent alert ${refusal.name}(${refusal.code})`,
          alert: refusal,
        });
        finish(
          err({
            code: 'tls.rejected-by-peer',
            message: `${target.host}:${target.port} refused our certificate: alert ${refusal.name}(${refusal.code})`,
            alert: refusal,
            connId: id,
          }),
        );
        return;
      }
      timeline.emit(device, 'tls.failed', {
        connId: id,
        role: 'client',
        code: e.code ?? 'ERROR',
        message: e.message,
        alert: onWire,
      });
      finish(
        err({
          code: e.code ?? 'tls.error',
          message: `TLS handshake with ${target.host}:${target.port} failed: ${e.message}`,
          alert: onWire,
          connId: id,
        }),
      );
    };

    const refusedAfterHandshake = (s: TLSSocket) => {
      s.off('error', onEarlyError);
      s.on('error', () => {});
      s.destroy();
    };

    const onSecure = (s: TLSSocket, local: Endpoint, connId: string) => {
      // A client end holds at most one identity: what it presents is known without asking OpenSSL.
      const h = readHandshake(
        s,
        connId,
        'client',
        local,
        remote,
        presentedCertificate(config.identity?.certPem),
      );
      timeline.emit(device, 'tls.handshake', handshakeEvent(h));
      void (async () => {
        const v = await decide(timeline, device, h, verify);
        if (!v.accepted) {
          refusedAfterHandshake(s);
          finish(
            err({
              code: 'tls.rejected',
              message: `${device} refused the certificate of ${target.host}:${target.port}: ${v.reason}`,
              alert: null,
              connId,
              handshake: h,
              verdict: v,
            }),
          );
          return;
        }
        if (serverIsLab) {
          const peer = await peerVerdict(timeline, connId, 'server');
          if (peer && !peer.accepted) {
            refusedAfterHandshake(s);
            const alert = peer.alert;
            timeline.emit(device, 'tls.failed', {
              connId,
              role: 'client',
              code: alert ? `ALERT_${alert.name.toUpperCase()}` : 'ECONNRESET',
              message: alert
                ? `peer sent alert ${alert.name}(${alert.code})`
                : 'peer closed the connection after the handshake',
              alert,
            });
            finish(
              err({
                code: 'tls.rejected-by-peer',
                message: `${target.host}:${target.port} refused our certificate${
                  alert ? `: alert ${alert.name}(${alert.code})` : ''
                }`,
                alert,
                connId,
                handshake: h,
              }),
            );
            return;
          }
        }
        s.off('error', onEarlyError);
        s.on('error', () => {});
        if (s.destroyed) {
          finish(
            err({
              code: 'tls.closed',
              message: `${target.host}:${target.port} closed the connection after the handshake`,
              alert: sideChannelAlert(timeline, connId, 'server'),
              connId,
              handshake: h,
            }),
          );
          return;
        }
        core.secureStreams.set(s, { sock: s, role: 'client', local, remote });
        finish(ok({ id: connId, socket: s, local, remote, handshake: h }));
      })();
    };

    void connected.then((r) => {
      if (settled) {
        raw.destroy();
        return;
      }
      if (!r.ok) return onEarlyError(r.error);
      const local = r.local;
      const connId = registry.attach(local, remote, 'client', raw).id;
      id = connId;
      timeline.emit(device, 'net.connect', { connId, proto: 'tls', role: 'client', local, remote });
      raw.on('error', () => {
        /* the TLS socket over it reports */
      });
      const options: tls.ConnectionOptions = { socket: raw, secureContext, rejectUnauthorized: false };
      if (servername) options.servername = servername;
      const s = tls.connect(options);
      carryAddresses(s, raw, local, remote);
      if (raw instanceof MemoryStream) flushBeforeDestroy(s, raw);
      sock = s;
      registry.handshakeEnded(raw);
      registry.track(s);
      s.on('keylog', (line: Buffer) => core.keylog.write(line));
      s.once('close', () => timeline.emit(device, 'net.close', { connId, role: 'client' }));
      s.once('error', onEarlyError);
      s.once('secureConnect', () => onSecure(s, local, connId));
    });
  });
}
