/**
 * The lab's host table and resolver (decision 1): every device has an address of its own in the lab
 * block, and names resolve through this table, never through the system resolver.
 */
import { isIP } from 'node:net';
import { type AddressBlock, blocksFor, HOSTS_PER_24, MAX_24S } from '../address-block.ts';
import { err, ok, type Result } from '../result.ts';

interface HostEntry {
  name: string;
  address: string;
  aliases: string[];
}

/** A `dns.lookup`-compatible function, for libraries that take one. */
export type LookupFunction = (
  hostname: string,
  options: unknown,
  callback: (e: NodeJS.ErrnoException | null, address: string, family: number) => void,
) => void;

/** The first host number handed out: .1-.9 stay free for the lab's own use. */
export const FIRST_HOST = 10;

/** The devices one lab holds, one address each: the largest block's hosts from `FIRST_HOST`. */
export const MAX_DEVICES = MAX_24S * HOSTS_PER_24 - (FIRST_HOST - 1);

/** The /24s of the block a lab of `devices` devices claims (address-block.ts), or why none holds it. */
export function blocksForDevices(devices: number): number {
  if (devices > MAX_DEVICES)
    throw new RangeError(
      `a lab holds at most ${MAX_DEVICES} devices (a /20 of loopback addresses), not ${devices}: split them over several labs`,
    );
  return blocksFor(FIRST_HOST - 1 + Math.max(1, devices));
}

export class HostTable {
  readonly #hosts = new Map<string, HostEntry>();
  readonly #byAddress = new Map<string, HostEntry>();
  #next = FIRST_HOST;

  constructor(
    readonly block: AddressBlock,
    readonly allowExternal: boolean,
  ) {}

  /** Gives a device the next address of the lab block; `aliases` are extra names (FQDNs) for it. */
  add(name: string, aliases: string[] = []): string {
    if (this.#hosts.has(name.toLowerCase())) throw new Error(`host name ${name} is already in the lab`);
    const address = this.block.host(this.#next++);
    const entry: HostEntry = { name, address, aliases };
    for (const n of [name, ...aliases]) this.#hosts.set(n.toLowerCase(), entry);
    this.#byAddress.set(address, entry);
    return address;
  }

  /** Host addresses of the block not given to a device yet. */
  get free(): number {
    return this.block.hosts - (this.#next - 1);
  }

  /** Adds a name for an existing lab host (e.g. an FQDN learned later). */
  addAlias(name: string, alias: string): void {
    const entry = this.#hosts.get(name.toLowerCase());
    if (!entry) throw new Error(`no lab host named ${name}`);
    entry.aliases.push(alias);
    this.#hosts.set(alias.toLowerCase(), entry);
  }

  /** The address of a lab name or an IP literal, or an error naming the host. */
  resolve(host: string): Result<string> {
    const entry = this.#hosts.get(host.toLowerCase());
    if (entry) return ok(entry.address);
    if (isIP(host)) return ok(host);
    return err({
      code: 'fabric.unknown-host',
      message: `${host} is not in the lab's host table${this.allowExternal ? ' and is not an IP address' : ''}`,
    });
  }

  /** The lab host name behind an address, if it is one of ours. */
  hostAt(address: string): string | null {
    return this.#byAddress.get(address)?.name ?? null;
  }

  addressOf(device: string): string {
    const entry = this.#hosts.get(device.toLowerCase());
    if (!entry) throw new Error(`no lab host named ${device}`);
    return entry.address;
  }

  /** The source address a device's client binds: its own, unless the target is outside loopback. */
  localAddressFor(device: string, targetAddress: string): string | undefined {
    // A loopback lab address cannot reach a real system elsewhere; let the kernel choose then.
    return targetAddress.startsWith('127.') ? this.addressOf(device) : undefined;
  }

  readonly lookup: LookupFunction = (hostname, _options, callback) => {
    const r = this.resolve(hostname);
    if (r.ok) callback(null, r.value, 4);
    else callback(Object.assign(new Error(r.error.message), { code: 'ENOTFOUND' }), '', 4);
  };
}
