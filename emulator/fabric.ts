/**
 * The network fabric, split by concept under `emulator/net/` (start at `net/fabric.ts`). This module
 * keeps the imports of device code and tests working: it re-exports the fabric and its types.
 */
export type {
  ListenerLimits,
  Target,
  TlsClientConfig,
  TlsIdentity,
  TlsServerConfig,
  TlsVersion,
} from './net/config.ts';
export { DEFAULT_LISTENER_LIMITS, DEFAULT_TLS_TIMEOUT_MS } from './net/config.ts';
export type { ConnectError, Connection, Listener, TlsConnection, TlsListener } from './net/connections.ts';
export { Fabric, type FabricOptions } from './net/fabric.ts';
export type { Handshake, TrustVerdict, VerifyHook } from './net/handshake.ts';
export type { Renegotiated, RenegotiateOptions, RenegotiationError } from './net/renegotiation.ts';
export type { TlsHandlers } from './net/tls-server.ts';
export type { ByteStream, Datagram, DatagramPeer, SecureStream } from './net/types.ts';
