/**
 * Loopback address blocks. Linux routes all of 127/8 to `lo`, so every lab device gets an address of
 * its own (architecture decision 1). Each lab takes a block of its own, so that labs in parallel test
 * workers or separate `uclab up` processes never collide: one /24, `127.A.B.0/24`, or for a lab of
 * more than one /24 holds (a fleet: hundreds of phones on one cluster) an aligned run of 2, 4, 8 or 16
 * of them, `127.A.B.0/23` to `127.A.B.0/20`, hosts .1-.250 of each.
 *
 * A /24 is claimed through the kernel, not a file: the lab binds a TCP listener on `127.A.B.254` at a
 * fixed port outside the ephemeral range, on each /24 of its block. A second process that tries a /24
 * already held gets EADDRINUSE and moves on. The claim dies with the process, so a crashed lab never
 * leaks its block.
 */

import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

/** Port of the claim listener: above Linux's default ephemeral range (32768-60999). */
const CLAIM_PORT = 64999;
/** First octet pair of the automatic range: 127.100.0.0 – 127.199.255.0. */
const AUTO_FIRST = 100;
const AUTO_COUNT = 100 * 256;

/** Host addresses of each /24 a lab uses: .1-.250 (.251-.255 are the block's own: its claim, probes). */
export const HOSTS_PER_24 = 250;
/** The largest block a lab takes: 16 /24s, a /20 (4,000 host addresses). */
export const MAX_24S = 16;

export interface AddressBlock {
  /** `127.A.B` of its first /24, without the last octet. */
  readonly prefix: string;
  /** The block as a CIDR: `127.A.B.0/24`, or `127.A.B.0/22` for a block of four /24s. */
  readonly cidr: string;
  /** Host addresses in it: `HOSTS_PER_24` for each of its /24s. */
  readonly hosts: number;
  /** The n-th host address of the block (1..hosts): .1-.250 of its first /24, then of the next. */
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

/**
 * The /24s a block of `hosts` host addresses takes: a power of two (so that the block is one CIDR a
 * capture filter names), or an error when no block holds that many.
 */
export function blocksFor(hosts: number): number {
  if (!Number.isInteger(hosts) || hosts < 1)
    throw new RangeError(`a lab needs 1 host address or more, not ${hosts}`);
  let n = 1;
  while (n * HOSTS_PER_24 < hosts) n *= 2;
  if (n > MAX_24S)
    throw new RangeError(
      `a lab holds at most ${MAX_24S * HOSTS_PER_24} host addresses (a /20 of loopback), not ${hosts}: split it into several labs`,
    );
  return n;
}

async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
}

const cidrOf = (prefix: string, blocks: number) => `${prefix}.0/${24 - Math.log2(blocks)}`;

function makeBlock(
  prefix: string,
  blocks: number,
  servers: Server[],
  privilegedPorts: boolean,
): AddressBlock {
  const [net, a, b] = prefix.split('.').map(Number) as [number, number, number];
  const cidr = cidrOf(prefix, blocks);
  const hosts = blocks * HOSTS_PER_24;
  return {
    prefix,
    cidr,
    hosts,
    privilegedPorts,
    host(n: number): string {
      if (!Number.isInteger(n) || n < 1 || n > hosts)
        throw new RangeError(`host number ${n} is outside 1..${hosts} (the lab's block ${cidr})`);
      return `${net}.${a}.${b + Math.floor((n - 1) / HOSTS_PER_24)}.${((n - 1) % HOSTS_PER_24) + 1}`;
    },
    release: () => closeAll(servers),
  };
}

/**
 * Claims each /24 of the block starting at `127.A.B` (`blocks` of them): all, or none and the first
 * one another lab holds.
 */
async function claimRun(prefix: string, blocks: number): Promise<{ servers: Server[] } | { taken: string }> {
  const [net, a, b] = prefix.split('.').map(Number) as [number, number, number];
  const servers: Server[] = [];
  for (let i = 0; i < blocks; i++) {
    const server = createServer();
    const p = `${net}.${a}.${b + i}`;
    if (!(await listen(server, `${p}.254`, CLAIM_PORT))) {
      await closeAll(servers);
      return { taken: p };
    }
    server.unref();
    servers.push(server);
  }
  return { servers };
}

/**
 * Claims a free block of `blocks` /24s (1, or a power of two up to `MAX_24S`: `blocksFor`). With
 * `prefix` (e.g. `127.50.1`) claims exactly the block starting there or fails, so a user can ask for
 * stable addresses; otherwise starts at a pseudo-random block and walks until one is free.
 */
export async function claimAddressBlock(prefix?: string, blocks = 1): Promise<AddressBlock> {
  if (!Number.isInteger(Math.log2(blocks)) || blocks > MAX_24S)
    throw new RangeError(`a block is 1, 2, 4, 8 or 16 /24s, not ${blocks}`);
  if (prefix !== undefined) {
    if (!/^127\.(\d{1,3})\.(\d{1,3})$/.test(prefix) || prefix.split('.').some((o) => Number(o) > 255)) {
      throw new Error(`address block "${prefix}" is not of the form 127.A.B`);
    }
    const third = Number(prefix.split('.')[2]);
    if (third % blocks !== 0) {
      const aligned = prefix.replace(/\.\d+$/, `.${third - (third % blocks)}`);
      throw new Error(
        `address block "${prefix}": a lab of ${blocks} /24s takes a /${24 - Math.log2(blocks)}, which starts at a multiple of ${blocks} (e.g. ${aligned})`,
      );
    }
    const claimed = await claimRun(prefix, blocks);
    if ('taken' in claimed) {
      throw new Error(
        blocks === 1
          ? `address block ${prefix}.0/24 is already used by another lab`
          : `address block ${cidrOf(prefix, blocks)}: its ${claimed.taken}.0/24 is already used by another lab`,
      );
    }
    return makeBlock(prefix, blocks, claimed.servers, await probePrivileged(`${prefix}.253`));
  }
  const start = (process.pid * 7919 + Math.floor(Math.random() * AUTO_COUNT)) % AUTO_COUNT;
  for (let i = 0; i < 512; i++) {
    const index = (start + i * 97) % AUTO_COUNT;
    // Aligned: 256 is a multiple of every block size, so the block stays inside one 127.A.
    const p = blockPrefix(index - (index % blocks));
    const claimed = await claimRun(p, blocks);
    if ('servers' in claimed) return makeBlock(p, blocks, claimed.servers, await probePrivileged(`${p}.253`));
  }
  throw new Error(
    `no free loopback address block${blocks > 1 ? ` of ${blocks} /24s` : ''} found in 127.100.0.0/10 after 512 tries`,
  );
}
