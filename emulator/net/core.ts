/**
 * What the fabric's parts share: the lab's timeline, host table, connection registry, transport, key
 * log and client contexts. `Fabric` builds one and hands it to the TCP, TLS, renegotiation and UDP
 * modules, which know nothing of each other.
 */
import type { TLSSocket } from 'node:tls';
import type { Endpoint, Timeline } from '../events.ts';
import type { ListenerLimits } from './config.ts';
import type { ConnectionRegistry } from './connections.ts';
import type { HostTable } from './hosts.ts';
import type { KeyLog } from './keylog.ts';
import type { ClientContexts } from './secure-contexts.ts';
import type { StreamTransport } from './transport.ts';

/** A secure stream handed to a device, as the fabric knows it (for `renegotiate`). */
export interface SecureRecord {
  sock: TLSSocket;
  role: 'client' | 'server';
  local: Endpoint;
  remote: Endpoint;
}

export interface FabricCore {
  readonly timeline: Timeline;
  readonly hosts: HostTable;
  readonly registry: ConnectionRegistry;
  readonly transport: StreamTransport;
  readonly keylog: KeyLog;
  readonly clientContexts: ClientContexts;
  /** The lab's defaults under every listener's own limits. */
  readonly listenerDefaults: Partial<ListenerLimits>;
  /** `address:port` of this lab's TLS listeners: a client there will get a verdict from the server. */
  readonly tlsListeners: Set<string>;
  /** The secure streams handed out, by stream: device code holds only the `SecureStream` type. */
  readonly secureStreams: WeakMap<object, SecureRecord>;
}

/** Throws when the lab has stopped (a device opening a socket after stop is a bug in the device). */
export function assertOpen(core: FabricCore): void {
  if (core.registry.closed) throw new Error('the lab fabric is closed');
}

/**
 * Runs a device's handler for a new connection. A handler that throws must not end the lab (bad
 * input never crashes a server): the connection is closed and the error recorded, naming where.
 */
export function runHandler(
  core: FabricCore,
  device: string,
  connId: string,
  where: string,
  close: () => void,
  fn: () => void,
): void {
  try {
    fn();
  } catch (e) {
    core.timeline.emit(device, 'net.error', {
      connId,
      code: 'fabric.handler-failed',
      message: `${where} failed: ${(e as Error).message}`,
    });
    close();
  }
}
