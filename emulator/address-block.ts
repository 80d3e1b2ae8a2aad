/**
 * Loopback address blocks. Linux routes all of 127/8 to `lo`, so every lab device gets an address of
 * its own (architecture decision 1). Each lab takes a /24 of its own, `127.A.B.0/24`, so that labs in
 * parallel test workers or separate `uclab up` processes never collide.
 *
 * A block is claimed through the kernel, not a file: the lab binds a TCP listener on `127.A.B.254` at a
 * fixed port outside the ephemeral range. A second process that tries the same block gets EADDRINUSE
 * and moves on. The claim dies with the process, so a crashed lab never leaks its block.
 */

import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

/** Port of the claim listener: above Linux's default ephemeral range (32768-60999). */
const CLAIM_PORT = 64999;
/** First octet pair of the automatic range: 127.100.0.0 – 127.199.255.0. */
const AUTO_FIRST = 100;
const AUTO_COUNT = 100 * 256;

export interface AddressBlock {
  /** `127.A.B`, without the last octet. */
  readonly prefix: string;
  /** The n-th host address of the block (1..250). */
  host(n: number): string;
  /** Whether this process may bind ports below 1024 (TFTP on 69) on the block. */
  readonly privilegedPorts: boolean;
  release(): Promise<void>;
}

function listen(server: Server, address: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (e.code === 'EADDRINUSE') resolve(false);
      else reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: address, port, exclusive: true });
  });
}

/** Whether binding a privileged UDP port on `address` works here (root, or CAP_NET_BIND_SERVICE). */
function probePrivileged(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(false);
    });
    s.bind({ address, port: 69, exclusive: true }, () => {
      s.close(() => resolve(true));
    });
  });
}

function blockPrefix(index: number): string {
  const a = AUTO_FIRST + Math.floor(index / 256);
  const b = index % 256;
  return `127.${a}.${b}`;
}

function makeBlock(prefix: string, server: Server, privilegedPorts: boolean): AddressBlock {
  return {
    prefix,
    privilegedPorts,
    host(n: number): string {
      if (!Number.isInteger(n) || n < 1 || n > 250)
        throw new RangeError(`host number ${n} is outside 1..250`);
      return `${prefix}.${n}`;
    },
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Claims a free block. With `prefix` (e.g. `127.50.1`) claims exactly that one or fails, so a user can
 * ask for stable addresses; otherwise starts at a pseudo-random block and walks until one is free.
 */
export async function claimAddressBlock(prefix?: string): Promise<AddressBlock> {
  if (prefix !== undefined) {
    if (!/^127\.(\d{1,3})\.(\d{1,3})$/.test(prefix) || prefix.split('.').some((o) => Number(o) > 255)) {
      throw new Error(`address block "${prefix}" is not of the form 127.A.B`);
    }
    const server = createServer();
    if (!(await listen(server, `${prefix}.254`, CLAIM_PORT))) {
      throw new Error(`address block ${prefix}.0/24 is already used by another lab`);
    }
    server.unref();
    return makeBlock(prefix, server, await probePrivileged(`${prefix}.253`));
  }
  const start = (process.pid * 7919 + Math.floor(Math.random() * AUTO_COUNT)) % AUTO_COUNT;
  for (let i = 0; i < 512; i++) {
    const p = blockPrefix((start + i * 97) % AUTO_COUNT);
    const server = createServer();
    if (await listen(server, `${p}.254`, CLAIM_PORT)) {
      server.unref();
      return makeBlock(p, server, await probePrivileged(`${p}.253`));
    }
  }
  throw new Error('no free loopback address block found in 127.100.0.0/10 after 512 tries');
}
