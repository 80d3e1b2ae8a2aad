/**
 * Which transport a lab runs on, by name (a lab option, a plan's `run.transport`, `--transport`):
 * `loopback`, real sockets any outside tool can reach (the default), or `memory`, real TLS over
 * in-process streams, for fleets past the file-descriptor limit (memory.ts).
 */
import { loopbackTransport } from './loopback.ts';
import { memoryTransport } from './memory.ts';
import type { StreamTransport } from './transport.ts';

export const TRANSPORT_NAMES = ['loopback', 'memory'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** The transport of one lab: the memory network is per lab, as a loopback block is. */
export function transportNamed(name: TransportName): StreamTransport {
  return name === 'memory' ? memoryTransport() : loopbackTransport;
}
