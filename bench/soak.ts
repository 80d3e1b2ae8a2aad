/**
 * Soak: a lab kept up (as `uclab up` keeps one, in this process) under a steady, bounded stream of
 * connections for a set time, with one wave of 10,000 hostile connections early on.
 * Prints memory (RSS, heap), open descriptors (/proc/self/fd) and the timeline's kept and
 * dropped events at the start, every report interval and at the end, then what the stream got: every
 * legitimate request must be answered and every phone must still be registered.
 *
 * Not a test (it reports; it exits 1 only when a legitimate request went unanswered or a phone lost its
 * registration). Usage: `npm run soak`; environment:
 *   SOAK_SECONDS   how long the lab is held (default 60)
 *   SOAK_RATE      legitimate requests a second: TVS query, TFTP and HTTP downloads, HTTPS (default 20)
 *   SOAK_HOSTILE   hostile connections of the wave (default 10000; 0: none)
 *   SOAK_REPORT    seconds between samples (default 10)
 *   SOAK_MAX_EVENTS  events the timeline keeps in memory (default the lab's, 100,000); older ones are
 *                  counted as dropped and spilled to timeline.jsonl
 *   SOAK_KEEP      keep the artifacts folder (timeline.jsonl with the dropped events) instead of deleting it
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../devices/index.ts';
import { ciscoIssuer, ciscoSubject, serialBytes } from '../certs/cisco-dn.ts';
import { CucmNodeDevice } from '../devices/cucm/node.ts';
import { Phone } from '../devices/phone/phone.ts';
import { tvsExchange } from '../devices/phone/tvs-client.ts';
import { tftpGet } from '../devices/protocols/tftp/client.ts';
import { Lab } from '../emulator/lab.ts';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const RATE = Number(process.env.SOAK_RATE ?? 20);
const HOSTILE = Number(process.env.SOAK_HOSTILE ?? 10_000);
const REPORT_S = Number(process.env.SOAK_REPORT ?? 10);
const CLIENTS = 8;
const HOSTILE_PORTS = [2443, 2445, 3804, 5061, 8443];
/** Legitimate requests in flight at most: the stream is bounded, whatever the lab's latency. */
const MAX_IN_FLIGHT = 64;

const PHONES = [
  { mac: '5A0C00000001', protocol: 'SIP', model: 'CP-8861', firmware: 'sip-88xx-14.2' },
  { mac: '5A0C00000002', protocol: 'SIP', model: 'CP-8861', firmware: 'sip-88xx-14.2' },
  { mac: '5A0C00000003', protocol: 'SCCP', model: 'CP-7975', firmware: 'sccp-79xx-9.4' },
  { mac: '5A0C00000004', protocol: 'SCCP', model: 'CP-7975', firmware: 'sccp-79xx-9.4' },
] as const;

function sample(lab: Lab, label: string): void {
  const m = process.memoryUsage();
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
  const fds = readdirSync('/proc/self/fd').length;
  const h = lab.fabric.openHandles();
  process.stdout.write(
    `${label.padEnd(8)} t=${Math.round(process.uptime())}s rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} ` +
      `fds ${fds} events kept ${lab.timeline.events().length} dropped ${lab.timeline.dropped} ` +
      `sockets ${h.sockets} handshakes ${h.handshakes} udp ${h.udp}\n`,
  );
}

/**
 * The hostile wave, from a child process (its descriptors are its own): silent TCP connections from 20
 * lab addresses to five TLS ports, 1,000 a second, held until the lab closes them (handshake deadline,
 * per-peer cap) or the wave ends. Prints one JSON line of counts. (A burst faster than the lab accepts
 * is a SYN flood: any server's accept queue overflows then; this measures what the lab holds.)
 */
const FLOOD_CHILD = `
const net = require('node:net');
const { target, ports, froms, total, holdMs } = JSON.parse(process.argv[1]);
const socks = new Set();
let connected = 0, closedByLab = 0, errors = 0, stopping = false;
const plan = [];
for (let i = 0; plan.length < total; i++) plan.push({ port: ports[i % ports.length], from: froms[Math.floor(i / ports.length) % froms.length] });
let next = 0;
function batch() {
  for (let k = 0; k < 100 && next < plan.length; k++, next++) {
    const p = plan[next];
    const s = net.connect({ host: target, port: p.port, localAddress: p.from });
    socks.add(s);
    s.on('connect', () => connected++);
    s.on('error', () => errors++);
    s.on('close', () => { socks.delete(s); if (!stopping) closedByLab++; });
  }
  if (next < plan.length) setTimeout(batch, 100);
}
batch();
setTimeout(() => {
  stopping = true;
  for (const s of socks) s.destroy();
  process.stdout.write(JSON.stringify({ attempted: plan.length, connected, closedByLab, errors }) + '\\n');
  setTimeout(() => process.exit(0), 200);
}, holdMs);
`;

function hostileWave(lab: Lab, holdMs: number): Promise<Record<string, number>> {
  const froms = Array.from({ length: 20 }, (_, i) => lab.block.host(200 + i));
  const arg = JSON.stringify({
    target: lab.fabric.addressOf('cucm-pub'),
    ports: HOSTILE_PORTS,
    froms,
    total: HOSTILE,
    holdMs,
  });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', FLOOD_CHILD, arg], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', () => {
      try {
        resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
      } catch {
        resolve({ unreadable: 1 });
      }
    });
  });
}

interface Tally {
  attempted: number;
  answered: number;
  failed: number;
  failures: Map<string, number>;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'uclab-soak-'));
  const maxEvents = process.env.SOAK_MAX_EVENTS ? Number(process.env.SOAK_MAX_EVENTS) : undefined;
  const lab = await Lab.create({ name: 'soak', artifactsDir: dir, ...(maxEvents ? { maxEvents } : {}) });
  const built = lab.build({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        phones: PHONES.map((p, i) => ({
          name: `SEP${p.mac}`,
          model: p.model,
          protocol: p.protocol,
          security: 'non-secure',
          line: `30${i}`,
        })),
      },
      ...PHONES.map((p) => ({
        kind: 'phone',
        name: `SEP${p.mac}`,
        mac: p.mac,
        model: p.model,
        firmware: p.firmware,
        tftp: 'cucm-pub',
        autoBoot: false,
      })),
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  for (const p of PHONES) {
    const r = await lab.device(`SEP${p.mac}`, Phone).boot();
    if (r.registration.state !== 'registered')
      throw new Error(`SEP${p.mac} did not register: ${r.registration.detail}`);
  }
  const clients = Array.from({ length: CLIENTS }, (_, i) => `soak-client-${i}`);
  for (const c of clients) lab.fabric.addHost(c);
  const cucm = lab.fabric.addressOf('cucm-pub');
  const cm = lab.device('cucm-pub', CucmNodeDevice).certs.own('CallManager').identity.cert;
  const tftpPort = lab.fabric.tftpPort();

  const tally: Tally = { attempted: 0, answered: 0, failed: 0, failures: new Map() };
  const requests: ((client: string) => Promise<string | null>)[] = [
    async (client) => {
      const r = await tvsExchange(
        {
          fabric: lab.fabric,
          device: client,
          tls: {},
          verifyServer: () => ({ accepted: true, reason: 'soak client', alert: null }),
          timeoutMs: 10_000,
        },
        { host: 'cucm-pub' },
        {
          type: 'QUERY_CERT_REQ',
          sessionId: 0,
          deviceName: 'CP-8861-SEP5A0C00000001',
          subject: ciscoSubject(cm),
          issuer: ciscoIssuer(cm),
          serial: Buffer.from(serialBytes(cm)),
        },
      );
      return r.ok ? (r.answer.status === 0 ? null : `TVS status ${r.answer.status}`) : `TVS: ${r.message}`;
    },
    async (client) => {
      const r = await tftpGet({
        bind: (port) => lab.fabric.bindUdp(client, port),
        server: { address: cucm, port: tftpPort },
        filename: 'ITLFile.tlv',
        timeoutMs: 1000,
        retries: 4,
      });
      return r.ok ? null : `TFTP: ${r.error.message}`;
    },
    (client) => httpStatus(lab, client, 6970, false, '/ITLFile.tlv'),
    (client) => httpStatus(lab, client, 8443, true, '/cucm-uds/version'),
  ];

  sample(lab, 'start');
  const started = Date.now();
  const endAt = started + SECONDS * 1000;
  let inFlight = 0;
  let k = 0;
  const pending = new Set<Promise<void>>();
  const launch = () => {
    if (inFlight >= MAX_IN_FLIGHT) return;
    const kind = k % requests.length;
    const client = clients[k % clients.length] ?? 'soak-client-0';
    k++;
    inFlight++;
    tally.attempted++;
    const p = (async () => {
      let why: string | null;
      try {
        why = await (requests[kind] as (c: string) => Promise<string | null>)(client);
      } catch (e) {
        why = (e as Error).message;
      }
      inFlight--;
      if (why === null) tally.answered++;
      else {
        tally.failed++;
        tally.failures.set(why, (tally.failures.get(why) ?? 0) + 1);
      }
    })();
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const ticker = setInterval(() => {
    for (let i = 0; i < Math.max(1, Math.round(RATE / 10)); i++) launch();
  }, 100);
  const reporter = setInterval(() => sample(lab, 'sample'), REPORT_S * 1000);

  const wave =
    HOSTILE > 0
      ? new Promise<Record<string, number>>((resolve) =>
          setTimeout(
            () => resolve(hostileWave(lab, Math.max(12_000, Math.min(25_000, SECONDS * 1000 - 10_000)))),
            Math.min(5000, SECONDS * 100),
          ),
        )
      : Promise.resolve({});

  await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, endAt - Date.now())));
  clearInterval(ticker);
  clearInterval(reporter);
  const hostile = await wave;
  await Promise.all([...pending]);

  // Phones: still registered, never cut by the idle timeout.
  const phoneReport = PHONES.map((p) => {
    const name = `SEP${p.mac}`;
    const state = lab.timeline.ofKind('phone.registration', name).at(-1)?.state ?? 'unknown';
    const cuts = lab.timeline
      .ofKind('net.timeout', 'cucm-pub')
      .filter((e) => e.remote.address === lab.fabric.addressOf(name)).length;
    return { name, protocol: p.protocol, state, idleCuts: cuts };
  });
  const refused = lab.timeline.ofKind('net.refused', 'cucm-pub').length;
  const deadlines = lab.timeline
    .ofKind('tls.failed', 'cucm-pub')
    .filter((e) => e.code === 'tls.handshake-timeout').length;
  sample(lab, 'end');
  process.stdout.write(
    `held ${SECONDS}s: legitimate ${tally.attempted} attempted, ${tally.answered} answered, ${tally.failed} failed\n`,
  );
  for (const [why, n] of tally.failures) process.stdout.write(`  failed x${n}: ${why}\n`);
  process.stdout.write(
    `hostile wave: ${JSON.stringify(hostile)}; refused (kept on the timeline) ${refused}, closed at the handshake deadline ${deadlines}\n`,
  );
  for (const p of phoneReport)
    process.stdout.write(`phone ${p.name} (${p.protocol}): ${p.state}, idle cuts ${p.idleCuts}\n`);

  await lab.stop('soak ended');
  const jsonl = join(dir, 'timeline.jsonl');
  process.stdout.write(`timeline.jsonl ${(statSync(jsonl).size / 1048576).toFixed(1)} MB (${dir})\n`);
  if (!process.env.SOAK_KEEP) rmSync(dir, { recursive: true, force: true });
  const bad = tally.failed > 0 || phoneReport.some((p) => p.state !== 'registered' || p.idleCuts > 0);
  process.exitCode = bad ? 1 : 0;
}

/** One HTTP(S) GET through the fabric; null when a 200 came back. */
async function httpStatus(
  lab: Lab,
  client: string,
  port: number,
  tls: boolean,
  path: string,
): Promise<string | null> {
  const c = tls
    ? await lab.fabric.connectTls(client, { host: 'cucm-pub', port }, { timeoutMs: 10_000 })
    : await lab.fabric.connectTcp(client, { host: 'cucm-pub', port }, { timeoutMs: 10_000 });
  if (!c.ok) return `${port}: ${c.error.message}`;
  const sock = c.value.socket;
  return new Promise((resolve) => {
    let head = '';
    const timer = setTimeout(() => {
      sock.destroy();
      resolve(`${port}: no answer within 10 s`);
    }, 10_000);
    sock.on('data', (d: Buffer) => {
      if (head.length < 64) head += d.toString('latin1');
    });
    sock.on('error', () => {});
    sock.once('close', () => {
      clearTimeout(timer);
      resolve(
        /^HTTP\/1\.1 200\b/.test(head)
          ? null
          : `${port}: ${head.split('\r\n')[0] || 'closed without an answer'}`,
      );
    });
    sock.write(`GET ${path} HTTP/1.1\r\nHost: cucm-pub\r\nConnection: close\r\n\r\n`);
  });
}

main().catch((e) => {
  process.stderr.write(`soak: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 2;
});
