/**
 * The transport seam (architecture decision 2): the only stream, secure-stream and datagram types
 * device code sees. Devices never import `node:net`, `node:tls` or `node:dgram`; they get these from
 * the fabric. Node's own sockets satisfy them structurally, so the loopback transport hands its
 * sockets over without a wrapper (no per-connection cost for fleets), and an in-memory transport
 * (real TLS over in-process streams) satisfies them the same way.
 *
 * What is deliberately missing: anything that would let a device reach around the fabric. Peer
 * certificates come from the fabric's `Handshake`; renegotiation is `Fabric.renegotiate`, recorded on
 * the timeline like any handshake; timeouts and caps are listener options of the fabric.
 */
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../events.ts';

export type { Endpoint };

/** A byte stream between two devices (TCP, or the plaintext side of TLS). */
export interface ByteStream {
  write(data: Uint8Array | string, cb?: (err?: Error | null) => void): boolean;
  end(data?: Uint8Array | string, cb?: () => void): this;
  destroy(error?: Error): this;
  readonly destroyed: boolean;
  readonly writable: boolean;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  pause(): this;
  resume(): this;

  on(event: 'data', listener: (chunk: Buffer) => void): this;
  on(event: 'end' | 'drain', listener: () => void): this;
  /** `hadError` as Node gives it, so `once('close', resolve)` type-checks. */
  on(event: 'close', listener: (hadError: boolean) => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'data', listener: (chunk: Buffer) => void): this;
  once(event: 'end' | 'drain', listener: () => void): this;
  once(event: 'close', listener: (hadError: boolean) => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  off(event: 'data', listener: (chunk: Buffer) => void): this;
  off(event: 'end' | 'drain', listener: () => void): this;
  off(event: 'close', listener: (hadError: boolean) => void): this;
  off(event: 'error', listener: (err: Error) => void): this;
}

/** The plaintext side of an established TLS connection. */
export interface SecureStream extends ByteStream {
  /** `TLSv1.2`, `TLSv1.3`, ...: what was negotiated (also on the handshake event). */
  getProtocol(): string | null;
}

/** Where a datagram came from. */
export interface DatagramPeer {
  address: string;
  port: number;
}

/** A UDP socket bound to a device's address (TFTP, RTP/SRTP). */
export interface Datagram {
  send(msg: Uint8Array, port: number, address: string, cb?: (err: Error | null, bytes: number) => void): void;
  address(): { address: string; port: number };
  close(cb?: () => void): this;
  on(event: 'message', listener: (msg: Buffer, from: DatagramPeer & { size: number }) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (err: Error) => void): this;
  once(event: 'message', listener: (msg: Buffer, from: DatagramPeer & { size: number }) => void): this;
  once(event: 'close', listener: () => void): this;
  once(event: 'error', listener: (err: Error) => void): this;
  off(event: 'message', listener: (msg: Buffer, from: DatagramPeer & { size: number }) => void): this;
  off(event: 'close', listener: () => void): this;
  off(event: 'error', listener: (err: Error) => void): this;
}

/**
 * The stream as a Node `Duplex`, for a library that takes one (node:http's `emit('connection')`).
 * Every transport's streams are duplexes underneath; this is the one sanctioned way to say so.
 */
export function asDuplex(stream: ByteStream): Duplex {
  return stream as unknown as Duplex;
}

/** The IP literal check devices need (names resolve through the fabric's host table). */
export function isIpAddress(host: string): 0 | 4 | 6 {
  if (/^(\d{1,3})(\.\d{1,3}){3}$/.test(host)) {
    return host.split('.').every((o) => Number(o) <= 255) ? 4 : 0;
  }
  return host.includes(':') && /^[0-9a-f:.]+$/i.test(host) ? 6 : 0;
}
