/**
 * What the fabric runs on: a way to listen for and open raw byte streams between two lab addresses,
 * and to bind datagram sockets. TCP and TLS are built over it (TLS through node:tls over any duplex),
 * so a second transport, e.g. in-process streams for fleets past the descriptor limit, plugs in here
 * without a change to the fabric's API or to device code (architecture decision 2). Two exist: real
 * loopback sockets (`loopback.ts`, the default) and in-process streams and datagrams (`memory.ts`,
 * for fleets past the descriptor limit), chosen per lab by name (`transport-choice.ts`).
 */
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../events.ts';
import type { Datagram } from './types.ts';

/** One end of a raw byte stream: a Duplex that node:tls can run over, with the addresses of its ends. */
export interface RawStream extends Duplex {
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  /** Inactivity timer: `timeout` is emitted after `ms` without a byte in either direction. */
  setTimeout(ms: number, callback?: () => void): this;
}

/** A stream a listener accepted, with both ends' addresses as the transport saw them. */
export interface AcceptedStream {
  stream: RawStream;
  local: Endpoint;
  remote: Endpoint;
}

export interface StreamListener {
  readonly endpoint: Endpoint;
  /** Stops accepting; resolves once the port is free again (accepted streams are not touched). */
  close(): Promise<void>;
}

/** A stream being opened: `connected` settles with the local end, or the reason it failed. */
export interface PendingStream {
  stream: RawStream;
  connected: Promise<{ ok: true; local: Endpoint } | { ok: false; error: NodeJS.ErrnoException }>;
}

export interface StreamTransport {
  /** Listens on `address:port` exclusively; `port` 0 takes a free one. */
  listen(address: string, port: number, onStream: (s: AcceptedStream) => void): Promise<StreamListener>;
  /** Opens a stream to `address:port`, from `localAddress` when given. */
  connect(to: { address: string; port: number; localAddress?: string | undefined }): PendingStream;
  /** A datagram socket on `address:port` (`address` null: any source the system picks, port 0: any). */
  bindDatagram(address: string | null, port: number): Promise<Datagram>;
}
