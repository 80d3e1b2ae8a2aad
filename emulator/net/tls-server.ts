/**
 * TLS listeners. The transport accepts the raw stream; node:tls runs the handshake over it (the
 * `tls.Server` never listens itself: it is fed each accepted stream, so any transport works under it).
 *
 * What a real server does and Node does not do for us (docs/reference/toolchain.md §3.8):
 * - a handshake deadline that closes the socket: Node's `handshakeTimeout` fires (handshake bytes do not
 *   hold it off: they never reach the TLS socket's own activity timer) but only emits `tlsClientError`
 *   and leaves the socket open. The fabric closes the stream itself and records `tls.failed` with code
 *   `tls.handshake-timeout`;
 * - an idle timeout once the handshake is done, and caps per peer and per listener (`limits.ts`).
 */
import type { TLSSocket } from 'node:tls';
import * as tls from 'node:tls';
import type { Endpoint } from '../events.ts';
import { alertFromErrorCode } from '../tls-alerts.ts';
import { DEFAULT_TLS_TIMEOUT_MS, type ListenerLimits, type TlsServerConfig } from './config.ts';
import type { ConnEntry, ConnectError, TlsConnection, TlsListener } from './connections.ts';
import { assertOpen, type FabricCore, runHandler } from './core.ts';
import { handshakeEvent, presentedCertificate, readHandshake, type VerifyHook } from './handshake.ts';
import { admitStream, armIdleTimeout, ConnectionCaps, resolveLimits } from './limits.ts';
import { MemoryStream } from './memory.ts';
import { serverContextOptions } from './secure-contexts.ts';
import { carryAddresses, flushBeforeDestroy } from './tls-over-stream.ts';
import type { RawStream } from './transport.ts';
import { decide, peerVerdict, sideChannelAlert } from './verdicts.ts';

export interface TlsHandlers {
  verify?: VerifyHook;
  onConnection: (c: TlsConnection) => void;
  onFailure?: (e: ConnectError) => void;
}

/** A handshake in progress on a listener. */
interface PendingHandshake {
  entry: ConnEntry;
  raw: RawStream;
  local: Endpoint;
  remote: Endpoint;
}

/** The code a handshake that ran out of time is recorded with, whichever timer saw it first. */
export const HANDSHAKE_TIMEOUT_CODE = 'tls.handshake-timeout';

export async function listenTls(
  core: FabricCore,
  device: string,
  port: number,
  config: TlsServerConfig,
  handlers: TlsHandlers,
  limitsOpt?: Partial<ListenerLimits>,
): Promise<TlsListener> {
  assertOpen(core);
  const { timeline, registry } = core;
  const address = core.hosts.addressOf(device);
  const limits = resolveLimits(limitsOpt, core.listenerDefaults);
  const caps = new ConnectionCaps(limits);
  const deadlineMs = config.timeoutMs ?? DEFAULT_TLS_TIMEOUT_MS;
  const server = tls.createServer({
    ...serverContextOptions(config),
    requestCert: config.requestCert ?? false,
    rejectUnauthorized: false,
    honorCipherOrder: config.honorCipherOrder ?? false,
    handshakeTimeout: deadlineMs,
  });
  const pending = new Map<RawStream, PendingHandshake>();
  // What the listener presents while it has one identity (`update()` may change it); with an RSA and
  // an ECDSA identity the handshake chooses, and the socket is asked.
  let current = config;
  const presentedNow = () =>
    current.identities.length === 1 ? presentedCertificate(current.identities[0]?.certPem) : undefined;

  /**
   * The handshake a TLS socket belongs to: node:tls keeps the stream it wraps as `_parent` (a
   * net.Socket), or, for any other duplex (a stream under a fault), as the `stream` of the
   * JSStreamSocket under its handle.
   */
  const pendingOf = (sock: TLSSocket): PendingHandshake | undefined => {
    const internals = sock as TLSSocket & {
      _parent?: RawStream | null;
      _handle?: { _parentWrap?: { stream?: RawStream } } | null;
    };
    const parent = internals._parent ?? internals._handle?._parentWrap?.stream;
    if (parent) return pending.get(parent);
    for (const p of pending.values()) {
      if (p.remote.address === sock.remoteAddress && p.remote.port === sock.remotePort) return p;
    }
    return undefined;
  };

  const ended = (p: PendingHandshake) => {
    pending.delete(p.raw);
    registry.handshakeEnded(p.raw);
  };

  /** Records a handshake that did not complete, once per connection, and tells the device. */
  const fail = (
    p: PendingHandshake | undefined,
    failure: { event: string; error: string; message: string; nodeCode?: string | undefined },
  ) => {
    if (p) {
      if (p.entry.serverFailed) return;
      p.entry.serverFailed = true;
    }
    const id = p?.entry.id ?? null;
    const received = alertFromErrorCode(failure.nodeCode) ?? sideChannelAlert(timeline, id, 'client');
    timeline.emit(device, 'tls.failed', {
      connId: id,
      role: 'server',
      code: failure.event,
      message: failure.message,
      alert: received,
    });
    handlers.onFailure?.({ code: failure.error, message: failure.message, alert: received, connId: id });
  };

  server.on('keylog', (line: Buffer) => core.keylog.write(line));

  server.on('tlsClientError', (e: NodeJS.ErrnoException, sock: TLSSocket) => {
    const p = pendingOf(sock);
    if (p) ended(p);
    if (e.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
      const from = p ? `${p.remote.address}:${p.remote.port}` : 'the peer';
      const message = `no TLS handshake from ${from} within ${deadlineMs} ms: connection closed`;
      fail(p, { event: HANDSHAKE_TIMEOUT_CODE, error: HANDSHAKE_TIMEOUT_CODE, message });
    } else {
      fail(p, {
        event: e.code ?? 'ERROR',
        error: e.code ?? 'tls.error',
        message: e.message,
        nodeCode: e.code,
      });
    }
    // Node leaves the socket open after a handshake timeout (docs/reference/toolchain.md §3.8); close every failed one.
    sock.destroy();
    p?.raw.destroy();
  });

  server.on('secureConnection', (sock: TLSSocket) => {
    const p = pendingOf(sock);
    if (p) ended(p);
    registry.track(sock);
    sock.on('error', () => {
      /* reported through net.close / device handlers */
    });
    const local = p?.local ?? { address: sock.localAddress ?? address, port: sock.localPort ?? port };
    const remote = p?.remote ?? { address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0 };
    const id = p?.entry.id ?? registry.newId();
    if (p) carryAddresses(sock, p.raw, local, remote);
    if (p?.raw instanceof MemoryStream) flushBeforeDestroy(sock, p.raw);
    runHandler(
      core,
      device,
      id,
      `${device}'s TLS ${local.port} handshake`,
      () => sock.destroy(),
      () => {
        const h = readHandshake(sock, id, 'server', local, remote, presentedNow());
        timeline.emit(device, 'tls.handshake', handshakeEvent(h));
        core.secureStreams.set(sock, { sock, role: 'server', local, remote });
        armIdleTimeout(sock, limits.idleTimeoutMs, timeline, device, {
          connId: id,
          proto: 'tls',
          local,
          remote,
        });
        const clientIsLab = p?.entry.fabricClient ?? false;
        void (async () => {
          const v = await decide(timeline, device, h, handlers.verify);
          if (!v.accepted) {
            sock.destroy();
            return;
          }
          if (clientIsLab) {
            const peer = await peerVerdict(timeline, id, 'client');
            if (peer && !peer.accepted) {
              sock.destroy();
              handlers.onFailure?.({
                code: 'tls.rejected-by-peer',
                message: `the client rejected our certificate${peer.alert ? `: alert ${peer.alert.name}(${peer.alert.code})` : ''}`,
                alert: peer.alert,
                connId: id,
                handshake: h,
              });
              return;
            }
          }
          if (sock.destroyed) return;
          runHandler(
            core,
            device,
            id,
            `${device}'s handler for TLS ${local.port}`,
            () => sock.destroy(),
            () => handlers.onConnection({ id, socket: sock, local, remote, handshake: h }),
          );
        })();
      },
    );
  });

  const listener = await core.transport.listen(address, port, ({ stream: raw, local, remote }) => {
    if (!admitStream(caps, timeline, device, 'tls', local, raw, remote)) return;
    registry.trackHandshake(raw);
    raw.on('error', () => {
      /* the TLS socket over it reports */
    });
    const entry = registry.attach(remote, local, 'server', raw);
    const id = entry.id;
    timeline.emit(device, 'net.connect', { connId: id, proto: 'tls', role: 'server', local, remote });
    raw.once('close', () => timeline.emit(device, 'net.close', { connId: id, role: 'server' }));
    pending.set(raw, { entry, raw, local, remote });
    raw.once('close', () => pending.delete(raw));
    server.emit('connection', raw);
  });
  const endpoint = listener.endpoint;
  const key = `${endpoint.address}:${endpoint.port}`;
  core.tlsListeners.add(key);
  timeline.emit(device, 'net.listen', { proto: 'tls', endpoint });
  const close = registry.addCloser(() => listener.close());
  return {
    endpoint,
    close: async () => {
      core.tlsListeners.delete(key);
      await close();
    },
    update: (next: TlsServerConfig) => {
      server.setSecureContext(serverContextOptions(next));
      current = next;
    },
  };
}
