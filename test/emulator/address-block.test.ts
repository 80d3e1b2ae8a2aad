import { afterEach, describe, expect, it } from 'vitest';
import { type AddressBlock, claimAddressBlock } from '../../emulator/address-block.ts';
import { Lab } from '../../emulator/lab.ts';
import { blocksForDevices, MAX_DEVICES } from '../../emulator/net/hosts.ts';

// Explicit blocks in 127.78.x: automatic ones are in 127.100-199, other tests' explicit ones elsewhere.
const held: AddressBlock[] = [];
const claim = async (prefix?: string, blocks?: number) => {
  const b = await claimAddressBlock(prefix, blocks);
  held.push(b);
  return b;
};
afterEach(async () => {
  await Promise.all(held.splice(0).map((b) => b.release()));
});

describe('address blocks of several /24s', () => {
  it('a block of four /24s is one /22 whose hosts run on from one /24 into the next', async () => {
    const block = await claim(undefined, 4);
    expect(block.cidr).toMatch(/^127\.1\d\d\.\d+\.0\/22$/);
    const third = Number(block.prefix.split('.')[2]);
    expect(third % 4).toBe(0);
    expect(block.hosts).toBe(1000);
    const [a, b] = block.prefix.split('.').slice(1).map(Number);
    expect(block.host(250)).toBe(`127.${a}.${b}.250`);
    expect(block.host(251)).toBe(`127.${a}.${(b ?? 0) + 1}.1`);
    expect(block.host(1000)).toBe(`127.${a}.${(b ?? 0) + 3}.250`);
    expect(() => block.host(1001)).toThrow(
      `host number 1001 is outside 1..1000 (the lab's block ${block.cidr})`,
    );
  });

  it('every /24 of a larger block is held against another lab until it is released', async () => {
    const block = await claim('127.78.4', 4);
    await expect(claimAddressBlock('127.78.6')).rejects.toThrow(
      'address block 127.78.6.0/24 is already used by another lab',
    );
    await block.release();
    held.splice(held.indexOf(block), 1);
    await claim('127.78.6');
  });

  it('a block one of whose /24s another lab holds is refused whole, and none of it stays claimed', async () => {
    await claim('127.78.10');
    await expect(claimAddressBlock('127.78.8', 4)).rejects.toThrow(
      'address block 127.78.8.0/22: its 127.78.10.0/24 is already used by another lab',
    );
    // The two /24s claimed before the refusal were let go.
    await claim('127.78.8');
    await claim('127.78.9');
  });

  it('an explicit block not on its size boundary is refused, naming the one that is', async () => {
    await expect(claimAddressBlock('127.78.13', 4)).rejects.toThrow(
      'address block "127.78.13": a lab of 4 /24s takes a /22, which starts at a multiple of 4 (e.g. 127.78.12)',
    );
  });

  it('a lab is sized for its devices: one /24 up to 241, then the smallest power of two that holds them', () => {
    expect(blocksForDevices(241)).toBe(1);
    expect(blocksForDevices(242)).toBe(2);
    expect(blocksForDevices(600)).toBe(4);
    expect(blocksForDevices(MAX_DEVICES)).toBe(16);
    expect(() => blocksForDevices(MAX_DEVICES + 1)).toThrow(
      `a lab holds at most ${MAX_DEVICES} devices (a /20 of loopback addresses), not ${MAX_DEVICES + 1}: split them over several labs`,
    );
  });
});

describe('a lab and its block', () => {
  const phones = (n: number) => ({
    devices: Array.from({ length: n }, (_, i) => ({
      kind: 'phone',
      name: `SEP${(0xb00000000001 + i).toString(16).toUpperCase()}`,
      mac: (0xb00000000001 + i).toString(16),
      model: 'CP-8845',
      tftp: 'cucm-pub',
      autoBoot: false,
    })),
  });

  it('a lab created for 300 devices gives each an address of its own in its /23', async () => {
    await import('../../devices/index.ts');
    const lab = await Lab.create({ name: 'block-300', devices: 300, artifactsDir: false });
    try {
      expect(lab.block.cidr).toMatch(/\/23$/);
      const built = lab.build(phones(300));
      expect(built.ok).toBe(true);
      const addresses = new Set([...lab.devices.values()].map((d) => d.address));
      expect(addresses.size).toBe(300);
      const last = [...lab.devices.values()].at(-1)?.address;
      expect(last).toBe(lab.block.host(309));
      expect(lab.timeline.events({ kind: 'lab.started' })[0]).toMatchObject({ block: lab.block.cidr });
    } finally {
      await lab.stop();
    }
  });

  it('a lab refuses a declaration with more devices than its block holds, before building any', async () => {
    await import('../../devices/index.ts');
    const lab = await Lab.create({ name: 'block-small', artifactsDir: false });
    try {
      const built = lab.build(phones(242));
      expect(built.ok).toBe(false);
      if (built.ok) return;
      expect(built.error.message).toBe(
        `lab.devices: 242 devices do not fit in the lab's block ${lab.block.cidr}, which has addresses for 241 more (a lab created with \`devices: 242\` takes a larger block)`,
      );
      expect(lab.devices.size).toBe(0);
    } finally {
      await lab.stop();
    }
  });
});
