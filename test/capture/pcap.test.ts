/**
 * `--pcap` on `uclab run` and `uclab up`: the lab's own block, captured by the real dumpcap into
 * lab.pcapng beside keys.log, decrypts in the real tshark; a machine without a capture tool runs the
 * lab anyway and says so once.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimAddressBlock } from '../../emulator/address-block.ts';
import { startLabCapture } from '../../emulator/capture/pcap.ts';
import { UCLAB, uclab, uclabUntil } from '../support/cli.ts';
import { itWithPeers, type RunResult, run } from '../support/peers.ts';

const SCENARIO = 'ctl-mixed-mode-happy';
const VARIANT = 'tokenless';
/** Not in any lab's block (labs take 127.100.0.0 - 127.199.255.0): traffic the capture must leave out. */
const OUTSIDER = '127.7.7.7';

/** The block a lab took, from its timeline (`lab.started`). */
function blockOf(artifacts: string): string {
  for (const line of readFileSync(join(artifacts, 'timeline.jsonl'), 'utf8').split('\n')) {
    if (line.includes('"lab.started"'))
      return (JSON.parse(line) as { block: string }).block.replace(/\.0\/24$/, '');
  }
  throw new Error(`no lab.started event in ${artifacts}`);
}

/** Sends a datagram to an address outside every lab until stopped: a capture without its filter sees them. */
function outsideTraffic(): { stop: () => void } {
  const s = createSocket('udp4');
  s.bind({ address: OUTSIDER, port: 0 }, () => s.on('message', () => {}));
  const timer = setInterval(() => {
    const port = s.address().port;
    s.send('not the lab', port, OUTSIDER);
  }, 20);
  return {
    stop: () => {
      clearInterval(timer);
      s.close();
    },
  };
}

/** The blocks of a pcapng file, by type, in order (pcapng spec: type, total length, body, length). */
function pcapngBlockTypes(file: string): number[] {
  const b = readFileSync(file);
  const types: number[] = [];
  let off = 0;
  while (off + 12 <= b.length) {
    const type = b.readUInt32LE(off);
    const len = b.readUInt32LE(off + 4);
    if (len < 12 || off + len > b.length) throw new Error(`pcapng block at ${off} is cut short`);
    types.push(type);
    off += len;
  }
  if (off !== b.length) throw new Error(`pcapng file ends inside a block header at ${off}`);
  return types;
}

async function tsharkFields(dir: string, filter: string, fields: string[]): Promise<string[]> {
  const r = await run('tshark', [
    '-r',
    join(dir, 'lab.pcapng'),
    '-o',
    `tls.keylog_file:${join(dir, 'keys.log')}`,
    '-Y',
    filter,
    '-T',
    'fields',
    '-E',
    'separator=|',
    ...fields.flatMap((f) => ['-e', f]),
  ]);
  expect(r.stderr).not.toMatch(/cut short|appears to be damaged/);
  return r.stdout.split('\n').filter((l) => l.trim() !== '');
}

/** One run with --pcap while other traffic goes on beside it, shared by the checks on its file. */
let captured: Promise<{ r: RunResult; artifacts: string }> | null = null;
function capturedRun(): Promise<{ r: RunResult; artifacts: string }> {
  captured ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-pcap-'));
    const outside = outsideTraffic();
    try {
      const r = await uclab(
        ['run', SCENARIO, '--variant', VARIANT, '--pcap', '--artifacts', dir, '--quiet'],
        {
          timeoutMs: 90_000,
        },
      );
      return { r, artifacts: join(dir, SCENARIO, VARIANT) };
    } finally {
      outside.stop();
    }
  })();
  return captured;
}

describe('uclab run --pcap', () => {
  itWithPeers(
    ['dumpcap', 'tshark'],
    'writes lab.pcapng beside keys.log, readable by its owner only (0600, like the key log)',
    async () => {
      const { r, artifacts } = await capturedRun();
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/--pcap/);
      expect(statSync(join(artifacts, 'lab.pcapng')).mode & 0o777).toBe(0o600);
    },
    120_000,
  );

  itWithPeers(
    ['dumpcap', 'tshark'],
    "holds the lab's traffic, which tshark decrypts with its keys.log",
    async () => {
      const { r, artifacts } = await capturedRun();
      expect(r.code, r.stderr).toBe(0);

      // The phone's TFTP read of its ITL, and its SCCP registration decrypted from TLS on 2443.
      const rrq = await tsharkFields(artifacts, 'tftp.opcode == 1', ['tftp.source_file']);
      expect(rrq.some((f) => /^ITLSEP[0-9A-F]{12}\.tlv$/.test(f))).toBe(true);
      const hello = await tsharkFields(artifacts, 'tls.handshake.type == 1', ['tcp.dstport']);
      expect(hello).toContain('2443');
      const sccp = await tsharkFields(artifacts, 'skinny && tcp.port == 2443', ['skinny.messageId']);
      expect(sccp.length).toBeGreaterThan(0);
    },
    120_000,
  );

  itWithPeers(
    ['dumpcap', 'tshark'],
    "holds no packet outside the lab's address block",
    async () => {
      const { r, artifacts } = await capturedRun();
      expect(r.code, r.stderr).toBe(0);
      const block = blockOf(artifacts);
      const ends = await tsharkFields(artifacts, 'ip', ['ip.src', 'ip.dst']);
      expect(ends.length).toBeGreaterThan(50);
      const inBlock = (a: string) => a.startsWith(`${block}.`);
      expect(ends.filter((l) => !l.split('|').some(inBlock))).toEqual([]);
    },
    120_000,
  );

  itWithPeers(
    ['dumpcap', 'tshark'],
    'stops the capture once the lab has stopped, so the file is complete up to the last packet',
    async () => {
      const { r, artifacts } = await capturedRun();
      expect(r.code, r.stderr).toBe(0);
      // The lab's last TCP segments (closing its connections) and the end mark are in, and dumpcap closed
      // the file with its statistics block (type 5), which it writes only when stopped in order.
      const types = pcapngBlockTypes(join(artifacts, 'lab.pcapng'));
      expect(types.at(-1)).toBe(5);
      const udp = await tsharkFields(artifacts, 'udp && !tftp', ['data.data']);
      const last = Buffer.from(udp.at(-1) ?? '', 'hex').toString();
      expect(last).toMatch(/^uclab capture end /);
      const fins = await tsharkFields(artifacts, 'tcp.flags.fin == 1', ['tcp.stream']);
      expect(fins.length).toBeGreaterThan(0);
    },
    120_000,
  );
});

describe('uclab run --pcap without a capture tool', () => {
  it('says so once on stderr and runs the lab to its usual exit code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-pcap-none-'));
    const empty = mkdtempSync(join(tmpdir(), 'uclab-empty-path-'));
    const r = await new Promise<RunResult>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [UCLAB, 'run', SCENARIO, '--pcap', '--artifacts', dir, '--quiet'],
        { env: { ...process.env, PATH: empty }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    // Two variants, two labs: one notice.
    expect(r.stderr.match(/--pcap: no capture tool/g)).toHaveLength(1);
    expect(r.stderr).toContain('2 passed');
    expect(existsSync(join(dir, SCENARIO, VARIANT, 'keys.log'))).toBe(true);
    expect(existsSync(join(dir, SCENARIO, VARIANT, 'lab.pcapng'))).toBe(false);
  }, 120_000);

  it('refuses --pcap without --artifacts, naming the option it needs', async () => {
    const r = await uclab(['run', SCENARIO, '--pcap']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--pcap .*--artifacts DIR/);
  });
});

describe('uclab up --pcap', () => {
  itWithPeers(
    ['dumpcap', 'tshark'],
    'captures the lab while it is up and completes the file when the lab is brought down',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'uclab-up-pcap-'));
      const up = await uclabUntil(
        ['up', SCENARIO, '--variant', VARIANT, '--no-steps', '--pcap', '--artifacts', dir],
        /lab ready .*\n/,
        60_000,
      );
      const block = /lab ready (127\.\d+\.\d+)\.0\/24/.exec(up.output())?.[1] ?? '';
      // A peer talking to the lab while it is up is in the capture too (openssl against the SCCP port).
      const cucm = `${block}.10`;
      const s = await run('openssl', ['s_client', '-connect', `${cucm}:2443`, '-brief'], {
        input: '',
        timeoutMs: 15_000,
      });
      expect(s.stderr + s.stdout).toMatch(/CN = cucm-pub/);
      const ended = new Promise<number | null>((resolve) => up.child.once('exit', (code) => resolve(code)));
      up.child.kill('SIGTERM');
      expect(await ended).toBe(0);
      expect(pcapngBlockTypes(join(dir, 'lab.pcapng')).at(-1)).toBe(5);
      const hello = await tsharkFields(dir, 'tls.handshake.type == 1 && ip.src == 127.0.0.1', [
        'tcp.dstport',
      ]);
      expect(hello).toEqual(['2443']);
    },
    120_000,
  );
});

/** Resolves once no process has `pattern` in its command line, or rejects after `timeoutMs`. */
async function noProcessLike(pattern: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while ((await run('pgrep', ['-f', pattern])).code === 0) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`a process of ${pattern} still runs after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('uclab up --pcap killed outright', () => {
  itWithPeers(
    ['dumpcap', 'tshark'],
    'leaves no capture running, and the file it leaves is complete',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'uclab-up-kill-'));
      const pcap = join(dir, 'lab.pcapng');
      const up = await uclabUntil(
        ['up', SCENARIO, '--variant', VARIANT, '--no-steps', '--pcap', '--artifacts', dir],
        /lab ready .*\n/,
        60_000,
      );
      expect((await run('pgrep', ['-f', pcap])).code).toBe(0);
      const ended = new Promise<void>((resolve) => up.child.once('exit', () => resolve()));
      up.child.kill('SIGKILL');
      await ended;
      await noProcessLike(pcap, 10_000);
      expect(pcapngBlockTypes(pcap).at(-1)).toBe(5);
    },
    120_000,
  );
});

describe('a capture of a lab larger than one /24', () => {
  itWithPeers(
    ['dumpcap', 'tshark'],
    'takes in every /24 of the block: a datagram to a host of its second /24 is in the file',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'uclab-pcap-block-'));
      const block = await claimAddressBlock(undefined, 2);
      const host = block.host(300);
      try {
        const pcap = join(dir, 'lab.pcapng');
        const r = await startLabCapture({ prefix: block.prefix, cidr: block.cidr, path: pcap });
        expect(r.ok).toBe(true);
        if (!r.ok) return;
        const s = createSocket('udp4');
        await new Promise<void>((done) => s.bind({ address: host, port: 0 }, () => done()));
        await new Promise<void>((done, fail) =>
          s.send('a host past the first /24', s.address().port, host, (e) => (e ? fail(e) : done())),
        );
        s.close();
        expect((await r.value.stop()).ok).toBe(true);
        const seen = await tsharkFields(dir, `ip.dst == ${host}`, ['data.data']);
        expect(seen.map((h) => Buffer.from(h, 'hex').toString())).toContain('a host past the first /24');
      } finally {
        await block.release();
      }
    },
    60_000,
  );
});

describe('a capture where only tshark is installed', () => {
  itWithPeers(
    ['dumpcap', 'tshark'],
    'uses tshark, and proves the capture live and complete the same way',
    async () => {
      const bin = mkdtempSync(join(tmpdir(), 'uclab-tshark-only-'));
      symlinkSync((await run('sh', ['-c', 'command -v tshark'])).stdout.trim(), join(bin, 'tshark'));
      const block = await claimAddressBlock();
      try {
        const pcap = join(bin, 'lab.pcapng');
        const r = await startLabCapture({ prefix: block.prefix, path: pcap, searchPath: bin });
        expect(r.ok && r.value.tool).toBe('tshark');
        if (!r.ok) return;
        expect((await r.value.stop()).ok).toBe(true);
        expect(pcapngBlockTypes(pcap).at(-1)).toBe(5);
        const marks = await tsharkFields(bin, 'udp', ['data.data']);
        // A mark is sent again when it does not show within a second: count each once.
        const words = new Set(
          marks.map((m) => Buffer.from(m, 'hex').toString().split(' ').slice(0, 3).join(' ')),
        );
        expect([...words]).toEqual(['uclab capture start', 'uclab capture end']);
      } finally {
        await block.release();
      }
    },
    60_000,
  );
});

describe('a capture without the permission to capture', () => {
  // The real dumpcap, run as nobody (setpriv needs root to change user): what a user who is not root
  // and not in the wireshark group gets.
  const name = "is refused with dumpcap's own reason and a hint, and leaves no tool running";
  const test = async () => {
    const bin = mkdtempSync(join(tmpdir(), 'uclab-nopriv-'));
    const dumpcap = (await run('sh', ['-c', 'command -v dumpcap'])).stdout.trim();
    const wrapper = join(bin, 'dumpcap');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups ${dumpcap} "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    const pcap = join(bin, 'lab.pcapng');
    const r = await startLabCapture({ prefix: '127.7.8', path: pcap, searchPath: bin });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('capture.not-permitted');
    expect(r.error.message).toMatch(/You do not have permission to capture on device "lo"/);
    expect(r.error.message).toMatch(/dpkg-reconfigure wireshark-common/);
    expect((await run('pgrep', ['-f', pcap])).code).toBe(1);
  };
  if (process.getuid?.() === 0) itWithPeers(['dumpcap', 'setpriv'], name, test, 30_000);
  else {
    process.stderr.write(`\n*** SKIPPED "${name}": it needs root, to run dumpcap as nobody ***\n`);
    it.skip(name, test);
  }
});
