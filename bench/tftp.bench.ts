/**
 * Benchmark of TFTP serving: files/s that uclab serves against tftpd-hpa (in.tftpd) serving the same
 * files, measured in the same run, by the same client (the project's TFTP client over real UDP,
 * 16 transfers at once, each lane from an address of its own, as 16 phones booting together ask).
 *
 * Three servers, each for FLEET_TFTP_S seconds (default 5), each on an address of this run's own
 * loopback block:
 *   - tftpd-hpa, `in.tftpd -L -s DIR`, serving files the size of a CTL, an ITL and a signed config;
 *   - uclab's TFTP server (devices/protocols/tftp/server.ts) serving the same bytes from memory;
 *   - a CUCM node of a lab in mixed mode (its TFTP service: the CTL, the ITL and a phone's signed
 *     config it generates, with its log lines and events), over the lab's loopback transport.
 * uclab's two get a one-second warm-up first (the JIT), which is not counted. Figures are ratios
 * against tftpd-hpa in the same run, never assertions. Without in.tftpd the
 * tftpd-hpa figure is missing, said loudly, and the other two are still printed.
 *
 * Usage: `npm run bench:tftp` (`-- --json` for machine output).
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../devices/index.ts';
import { tftpGet } from '../devices/protocols/tftp/client.ts';
import { startTftpServer } from '../devices/protocols/tftp/server.ts';
import { claimAddressBlock } from '../emulator/address-block.ts';
import { Lab } from '../emulator/lab.ts';
import { ok } from '../emulator/result.ts';
// The protocol tests' UDP binder and in.tftpd stop, so the benchmark drives peers as the tests do.
import { stopTftpd, udpBinder } from '../test/protocols/helpers.ts';

const SECONDS = Number(process.env.FLEET_TFTP_S ?? 5);
const LANES = 16;
const PHONE = 'SEP0011223344AA';

/** Files the size of what a phone reads at boot (the fleet benchmark's bare-protocol boot reads the same). */
const FILES = new Map<string, Buffer>([
  ['CTLFile.tlv', Buffer.alloc(7611, 3)],
  ['ITLFile.tlv', Buffer.alloc(7557, 4)],
  [`${PHONE}.cnf.xml.sgn`, Buffer.alloc(3116, 5)],
]);

interface Rate {
  filesPerS: number;
  bytesPerS: number;
  failed: number;
}

/** LANES clients (lane k from `clients[k]`) reading `names` in turn from `server` for SECONDS. */
async function measure(
  server: { address: string; port: number },
  clients: string[],
  names: string[],
  seconds = SECONDS,
): Promise<Rate> {
  const deadline = Date.now() + seconds * 1000;
  let files = 0;
  let bytes = 0;
  let failed = 0;
  const lane = async (k: number) => {
    const bind = udpBinder(clients[k % clients.length]!);
    for (let i = k; Date.now() < deadline; i++) {
      const r = await tftpGet({
        bind,
        server,
        filename: names[i % names.length]!,
        timeoutMs: 1000,
        retries: 5,
      });
      if (r.ok) {
        files++;
        bytes += r.value.data.length;
      } else failed++;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: LANES }, (_, k) => lane(k)));
  const s = (Date.now() - t0) / 1000;
  return { filesPerS: files / s, bytesPerS: bytes / s, failed };
}

function inTftpd(): string | null {
  for (const p of ['/usr/sbin/in.tftpd', '/usr/bin/in.tftpd']) {
    try {
      execFileSync(p, ['-V'], { stdio: 'ignore' });
      return p;
    } catch (e) {
      // `in.tftpd -V` prints its version and exits 0 on tftpd-hpa; a missing file throws ENOENT.
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return p;
    }
  }
  return null;
}

async function tftpdHpa(address: string, clients: string[]): Promise<Rate | null> {
  const bin = inTftpd();
  if (!bin) return null;
  const dir = mkdtempSync(join(tmpdir(), 'uclab-bench-tftpd-'));
  chmodSync(dir, 0o755); // tftpd-hpa drops to user tftp: files must be world-readable
  for (const [name, bytes] of FILES) writeFileSync(join(dir, name), bytes, { mode: 0o644 });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const child = spawn(bin, ['-L', '--address', `${address}:${port}`, '-s', dir], { stdio: 'ignore' });
  try {
    // One read first: in.tftpd has bound its socket once it answers (the client retransmits until then).
    const first = await tftpGet({
      bind: udpBinder(clients[0]!),
      server: { address, port },
      filename: 'CTLFile.tlv',
      timeoutMs: 200,
      retries: 20,
    });
    if (!first.ok) throw new Error(`tftpd-hpa did not answer: ${first.error.message}`);
    return await measure({ address, port }, clients, [...FILES.keys()]);
  } finally {
    await stopTftpd(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function uclabServer(address: string, clients: string[]): Promise<Rate> {
  const server = await startTftpServer({
    bind: udpBinder(address),
    port: 0,
    resolve: async (name) => {
      const f = FILES.get(name);
      return f ? ok(f) : { ok: false, error: { tftpCode: 1, message: 'File not found' } };
    },
  });
  try {
    const at = { address, port: server.address.port };
    await measure(at, clients, [...FILES.keys()], 1); // warm-up: JIT-compiled before it counts
    return await measure(at, clients, [...FILES.keys()]);
  } finally {
    await server.close();
  }
}

async function cucmNode(): Promise<Rate & { sizes: number[] }> {
  const lab = await Lab.create({ name: 'bench-tftp', seed: 'bench-tftp', artifactsDir: null });
  try {
    const built = lab.build({
      devices: [
        {
          kind: 'cucm',
          name: 'cucm-pub',
          mixedMode: 'etoken',
          phones: [{ name: PHONE, model: 'CP-8861', protocol: 'SIP', security: 'authenticated' }],
        },
      ],
    });
    if (!built.ok) throw new Error(built.error.message);
    await lab.start();
    const clients = Array.from({ length: LANES }, (_, k) => {
      lab.fabric.addHost(`bench-client-${k}`);
      return lab.fabric.addressOf(`bench-client-${k}`);
    });
    const server = { address: lab.fabric.addressOf('cucm-pub'), port: lab.fabric.tftpPort() };
    const names = ['CTLFile.tlv', 'ITLFile.tlv', `${PHONE}.cnf.xml.sgn`];
    const sizes: number[] = [];
    for (const filename of names) {
      const r = await tftpGet({
        bind: udpBinder(clients[0]!),
        server,
        filename,
        timeoutMs: 1000,
        retries: 3,
      });
      if (!r.ok) throw new Error(`cucm-pub did not serve ${filename}: ${r.error.message}`);
      sizes.push(r.value.data.length);
    }
    await measure(server, clients, names, 1); // warm-up: JIT-compiled before it counts
    const rate = await measure(server, clients, names);
    return { ...rate, sizes };
  } finally {
    await lab.stop('benchmark finished');
  }
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const block = await claimAddressBlock();
  try {
    log(`tftpd-hpa, ${SECONDS} s ...`);
    const clients = Array.from({ length: LANES }, (_, k) => block.host(20 + k));
    const hpa = await tftpdHpa(block.host(10), clients);
    if (!hpa)
      log('NOTICE: in.tftpd (tftpd-hpa) is not installed: no same-run baseline (apt-get install tftpd-hpa)');
    log(`uclab's TFTP server, ${SECONDS} s ...`);
    const ours = await uclabServer(block.host(11), clients);
    log(`a CUCM node's TFTP service, ${SECONDS} s ...`);
    const cucm = await cucmNode();
    const ratio = (r: Rate) => (hpa ? Number((r.filesPerS / hpa.filesPerS).toFixed(2)) : null);
    const figures = {
      seconds: SECONDS,
      lanes: LANES,
      tftpdHpa: hpa ? { filesPerS: Number(hpa.filesPerS.toFixed(1)), failed: hpa.failed } : null,
      uclabServer: {
        filesPerS: Number(ours.filesPerS.toFixed(1)),
        failed: ours.failed,
        vsTftpdHpa: ratio(ours),
      },
      cucmNode: {
        filesPerS: Number(cucm.filesPerS.toFixed(1)),
        failed: cucm.failed,
        vsTftpdHpa: ratio(cucm),
        fileSizes: cucm.sizes,
      },
    };
    if (json) {
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
      return;
    }
    const x = (v: number | null) => (v === null ? 'no baseline' : `${v}x tftpd-hpa`);
    console.log(
      `TFTP, ${LANES} transfers at once from ${LANES} addresses, ${SECONDS} s each, the same client:`,
    );
    console.log(
      `  tftpd-hpa (same files):          ${hpa ? `${figures.tftpdHpa?.filesPerS} files/s` : 'not installed'}`,
    );
    console.log(
      `  uclab TFTP server (same files):  ${figures.uclabServer.filesPerS} files/s = ${x(figures.uclabServer.vsTftpdHpa)}`,
    );
    console.log(
      `  CUCM node (CTL, ITL, signed config of ${cucm.sizes.join('/')} bytes): ${figures.cucmNode.filesPerS} files/s = ${x(figures.cucmNode.vsTftpdHpa)}`,
    );
    const failed = (hpa?.failed ?? 0) + ours.failed + cucm.failed;
    if (failed > 0) console.log(`  (${failed} transfers failed and are not counted)`);
  } finally {
    await block.release();
  }
}

await main();
