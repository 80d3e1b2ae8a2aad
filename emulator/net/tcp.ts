/** Plain TCP listeners and clients over the fabric's transport, recorded on the timeline. */
import { err, ok, type Result } from '../result.ts';
import type { ListenerLimits, Target } from './config.ts';
import type { ConnectError, Connection, Listener } from './connections.ts';
import { assertOpen, type FabricCore, runHandler } from './core.ts';
import { admitStream, armIdleTimeout, ConnectionCaps, resolveLimits } from './limits.ts';

export async function listenTcp(
  core: FabricCore,
  device: string,
  port: number,
  onConnection: (c: Connection) => void,
  limitsOpt?: Partial<ListenerLimits>,
): Promise<Listener> {
  assertOpen(core);
  const { timeline, registry } = core;
  const address = core.hosts.addressOf(device);
  const limits = resolveLimits(limitsOpt, core.listenerDefaults);
  const caps = new ConnectionCaps(limits);
  const server = await core.transport.listen(address, port, ({ stream: sock, local, remote }) => {
    if (!admitStream(caps, timeline, device, 'tcp', local, sock, remote)) return;
    registry.track(sock);
    const id = registry.attach(remote, local, 'server', sock).id;
    timeline.emit(device, 'net.connect', { connId: id, proto: 'tcp', role: 'server', local, remote });
    sock.once('close', () => timeline.emit(device, 'net.close', { connId: id, role: 'server' }));
    sock.on('error', (e: NodeJS.ErrnoException) =>
      timeline.emit(device, 'net.error', { connId: id, code: e.code ?? 'ERROR', message: e.message }),
    );
    armIdleTimeout(sock, limits.idleTimeoutMs, timeline, device, { connId: id, proto: 'tcp', local, remote });
    runHandler(
      core,
      device,
      id,
      `${device}'s handler for TCP ${local.port}`,
      () => sock.destroy(),
      () => onConnection({ id, socket: sock, local, remote }),
    );
  });
  timeline.emit(device, 'net.listen', { proto: 'tcp', endpoint: server.endpoint });
  return { endpoint: server.endpoint, close: registry.addCloser(() => server.close()) };
}

export function connectTcp(
  core: FabricCore,
  device: string,
  target: Target,
  opts: { timeoutMs?: number } = {},
): Promise<Result<Connection, ConnectError>> {
  assertOpen(core);
  const { timeline, registry } = core;
  const resolved = core.hosts.resolve(target.host);
  if (!resolved.ok) return Promise.resolve(err({ ...resolved.error, alert: null, connId: null }));
  const address = resolved.value;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const { stream: sock, connected } = core.transport.connect({
    address,
    port: target.port,
    localAddress: core.hosts.localAddressFor(device, address),
  });
  registry.track(sock);
  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      sock.destroy();
      resolve(
        err({
          code: 'fabric.timeout',
          message: `no TCP connection to ${target.host}:${target.port} within ${timeoutMs} ms`,
          alert: null,
          connId: null,
        }),
      );
    }, timeoutMs);
    void connected.then((r) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!r.ok) {
        const e = r.error;
        timeline.emit(device, 'net.error', { connId: null, code: e.code ?? 'ERROR', message: e.message });
        resolve(
          err({
            code: `net.${e.code ?? 'error'}`,
            message: `TCP connection to ${target.host}:${target.port} failed: ${e.message}`,
            alert: null,
            connId: null,
          }),
        );
        return;
      }
      const local = r.local;
      const remote = { address, port: target.port };
      const id = registry.attach(local, remote, 'client', sock).id;
      timeline.emit(device, 'net.connect', { connId: id, proto: 'tcp', role: 'client', local, remote });
      sock.once('close', () => timeline.emit(device, 'net.close', { connId: id, role: 'client' }));
      sock.on('error', (e: NodeJS.ErrnoException) =>
        timeline.emit(device, 'net.error', { connId: id, code: e.code ?? 'ERROR', message: e.message }),
      );
      resolve(ok({ id, socket: sock, local, remote }));
    });
  });
}
