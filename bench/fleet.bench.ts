/**
 * Benchmark of a fleet: secure boots/s of N mixed phones (FLEET_N, default 10,000: CTL,
 * ITL, signed or encrypted config, mutual-TLS registration; cells of 200 on every core), against
 * baselines measured in the same run on the same cores:
 *   (a) raw mutual-TLS handshakes/s (node:tls, both ends in one thread, no model logic);
 *   (b) the bare-protocol boot: three TFTP reads (the project's TFTP codec, real UDP), one
 *       mutual-TLS handshake and one request/response, with no model logic;
 *   (c) (b) with a client secure context built per boot: each phone presents a certificate of its
 *       own, so each has a context of its own (about a millisecond of OpenSSL PEM decoding each);
 * and p50/p99 boot latency (a phone's `action phone.boot` to its `phone.boot`), cores used (CPU time
 * over wall time), and RSS per idle registered phone against two idle TLS ends, each measured in a
 * child process of its own. Figures are ratios against the same-run baselines, never assertions.
 *
 * What the RSS figures measure (`--rss`, bottom of this file):
 * - two idle TLS ends: a mutual-TLS pair on loopback, both ends in the process, one client context
 *   shared by every pair (RSS after the pairs minus RSS before, per pair); and again with a context
 *   per client (`tls-ends-own-context`), the floor of a phone, which presents a certificate of its own
 *   and so has a context of its own (node cannot present another one from a shared client context);
 * - an idle registered phone, as a slope: FLEET_RSS_LABS (default 3) cell's labs of N/2 phones each
 *   (the plan's cluster, its phones, what a cell's lab keeps: cell-lab.ts `cellLabOptions`), then as
 *   many of N (FLEET_RSS_PHONES, at most 240 in one lab), all booted, registered and idle; (cost of
 *   the N labs - cost of the N/2 labs) / (labs x N/2) is what one more phone costs, with its secure
 *   context, CUCM's state for it and the events kept about it, and without the cost of any cluster
 *   (each lab has one). Each size is measured in a fresh process (RSS after freeing is noisy: the
 *   allocator keeps some of what a boot freed), and the median of FLEET_RSS_REPEATS (default 3)
 *   slopes is reported, with each slope beside it.
 * Each figure is split into what node names (`process.memoryUsage()`: the V8 heap in use, buffers);
 * the rest of RSS is native (OpenSSL: TLS state, contexts, parsed certificates) and free heap space.
 *
 * The fleet and the RSS of idle phones are measured on each transport of FLEET_TRANSPORTS (default
 * `loopback,memory`: real sockets, then real TLS over in-process streams, emulator/net/memory.ts).
 *
 * Usage: `npm run bench:fleet` (`-- --json` for machine output); FLEET_N, FLEET_BASELINE_S (seconds
 * per baseline, default 5), FLEET_RSS_PHONES (default 200), FLEET_RSS_LABS (default 3),
 * FLEET_RSS_REPEATS (default 3),
 * FLEET_BOOTS_IN_FLIGHT (per cell, default 16),
 * FLEET_TRANSPORTS.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import * as tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { handshake, identities, onAllCores, phoneContext, serverOptions } from './baselines.ts';

const SELF = fileURLToPath(import.meta.url);
const BASELINE_S = Number(process.env.FLEET_BASELINE_S ?? 5);
/**
 * Labs of idle phones per RSS measurement (FLEET_RSS_LABS): RSS after a boot moves by some 10 MB from
 * run to run (what the allocator kept), which over one lab of 100 phones is 100 KB a phone; over three
 * labs, a third of that.
 */
const RSS_LABS = Number(process.env.FLEET_RSS_LABS ?? 3);
if (!Number.isInteger(RSS_LABS) || RSS_LABS < 1)
  throw new Error(`FLEET_RSS_LABS is a whole number of labs from 1, not "${process.env.FLEET_RSS_LABS}"`);

// ------------------------------------------------------------------------------------ RSS

/** Memory of idle things, in a child process of its own (so nothing else is in its heap). */
interface RssFigure {
  /** RSS per item (KB), and the parts of it node can name: the V8 heap in use, and buffers. */
  perItemKb: number;
  heapUsedKbPerItem: number;
  externalKbPerItem: number;
  items: number;
  /** Phones only: the lab's timeline per phone (events kept in memory, their size as JSON, emitted). */
  eventsPerItem?: number;
  eventJsonKbPerItem?: number;
  emittedPerItem?: number;
  /** Phones only: each slope the median was taken of (KB). */
  samplesKb?: number[];
}

/** What `settleRss` reads: RSS and the heap and buffer parts of it. */
interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Per item, in KB: (b - a) / n for each figure. */
function perItem(
  a: Memory,
  b: Memory,
  n: number,
): Pick<RssFigure, 'perItemKb' | 'heapUsedKbPerItem' | 'externalKbPerItem'> {
  const kb = (x: number) => x / n / 1024;
  return {
    perItemKb: kb(b.rss - a.rss),
    heapUsedKbPerItem: kb(b.heapUsed - a.heapUsed),
    externalKbPerItem: kb(b.external - a.external),
  };
}

type Transport = 'loopback' | 'memory';

function rssChild(
  what: 'tls-ends' | 'tls-ends-own-context' | 'phones',
  count: number,
  transport: Transport = 'loopback',
): Promise<RssFigure> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', SELF, '--rss', what, String(count), transport],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const line = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`rss child (${what}) exited ${code}: ${out}`));
      resolve(JSON.parse(line) as RssFigure);
    });
  });
}

async function settleRss(): Promise<Memory> {
  for (let i = 0; i < 4; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 250));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
}

/**
 * Two idle TLS ends per pair; `ownContext`: each client with a secure context of its own (its own
 * certificate and key, as each phone presents its own MIC: node cannot present another certificate
 * from a shared client context), else one context shared by every client.
 */
async function rssTlsEnds(pairs: number, ownContext = false): Promise<RssFigure> {
  const id = await identities();
  const srv = tls.createServer(serverOptions(id));
  const held: tls.TLSSocket[] = [];
  srv.on('secureConnection', (s) => held.push(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  const clientContext = () => phoneContext(id);
  const ctx = clientContext();
  // One connection first, so what is measured is the connections, not OpenSSL's first-use costs.
  await handshake(ctx, port, false);
  const before = await settleRss();
  for (let i = 0; i < pairs; i++) {
    await new Promise<void>((resolve) => {
      const secureContext = ownContext ? clientContext() : ctx;
      const s = tls.connect({ host: '127.0.0.1', port, secureContext, rejectUnauthorized: false }, () =>
        resolve(),
      );
      held.push(s);
    });
  }
  const after = await settleRss();
  return { ...perItem(before, after, pairs), items: pairs };
}

/**
 * What RSS_LABS labs of n idle registered phones cost a process (run in a child of its own): each a
 * cell's lab (the plan's cluster and its phones, the timeline a cell keeps: cell-lab.ts
 * `cellLabOptions`), every phone booted and registered, then idle; measured above a warm lab (the
 * cluster and a few phones, booted), so it does not pay for code loaded or compiled the first time.
 * Per phone in the figure, clusters included; `rssPerPhone` takes the slope between two sizes, which
 * leaves the clusters out.
 */
async function rssLab(n: number, transport: Transport): Promise<RssFigure> {
  await import('../devices/index.ts');
  const { Lab } = await import('../emulator/lab.ts');
  const { Phone } = await import('../devices/phone/phone.ts');
  const { cellDeclaration, cellLabOptions } = await import('../emulator/plan/cell-lab.ts');
  const { expandFleet } = await import('../emulator/plan/fleet.ts');
  const { parsePlan } = await import('../emulator/plan/plan-file.ts');
  const planOf = (size: number) => {
    const parsed = parsePlan(benchPlan(size));
    if (!parsed.ok) throw new Error(parsed.error.message);
    return parsed.plan;
  };
  const idleLab = async (name: string, size: number) => {
    const plan = planOf(size);
    const lab = await Lab.create({ name, seed: 'rss', transport, ...cellLabOptions(size) });
    const phones = expandFleet(plan);
    const built = lab.build(cellDeclaration(plan, phones, { bootsInFlight: 16 }));
    if (!built.ok) throw new Error(built.error.message);
    await lab.start();
    const reports = await Promise.all(phones.map((p) => lab.device(p.name, Phone).boot()));
    const registered = reports.filter((r) => r.registration.state === 'registered').length;
    if (registered < size) throw new Error(`${name}: only ${registered} of ${size} phones registered`);
    // Idle: the registrations stay up, keepalives run, nothing else happens.
    await new Promise((r) => setTimeout(r, 2000));
    return lab;
  };
  await idleLab('rss-warm', 16);
  const before = await settleRss();
  const labs = [];
  for (let i = 0; i < RSS_LABS; i++) labs.push(await idleLab(`rss-lab-${i + 1}`, n));
  const after = await settleRss();
  const lab = labs[0]!;
  const events = lab.timeline.events();
  const jsonBytes = events.reduce((a, e) => a + JSON.stringify(e).length, 0);
  return {
    ...perItem(before, after, n * RSS_LABS),
    items: n * RSS_LABS,
    eventsPerItem: events.length / n,
    eventJsonKbPerItem: jsonBytes / n / 1024,
    emittedPerItem: (events.length + lab.timeline.dropped) / n,
  };
}

/**
 * RSS per idle registered phone, as a slope: (cost of RSS_LABS labs of n - cost of as many of n/2) /
 * (RSS_LABS x (n - n/2)) is what one more phone costs (its secure context, CUCM's state for it, the
 * events kept about it), without any cluster's cost. Each size is measured in a fresh process:
 * measured one after the other in one process, the second figure moved by 100 KB per phone from run
 * to run, with what the allocator kept of the first one's boots. The median of `repeats` slopes is
 * reported. (Per item figures are per phone of all the labs, so the slope's formula has no RSS_LABS.)
 */
async function rssPerPhone(n: number, transport: Transport, repeats: number): Promise<RssFigure> {
  const half = Math.ceil(n / 2);
  const slopes: RssFigure[] = [];
  for (let i = 0; i < repeats; i++) {
    const small = await rssChild('phones', half, transport);
    const large = await rssChild('phones', n, transport);
    const slope = (k: 'perItemKb' | 'heapUsedKbPerItem' | 'externalKbPerItem') =>
      (large[k] * n - small[k] * half) / (n - half);
    slopes.push({
      perItemKb: slope('perItemKb'),
      heapUsedKbPerItem: slope('heapUsedKbPerItem'),
      externalKbPerItem: slope('externalKbPerItem'),
      items: (n - half) * RSS_LABS,
      eventsPerItem: large.eventsPerItem,
      eventJsonKbPerItem: large.eventJsonKbPerItem,
      emittedPerItem: large.emittedPerItem,
    });
  }
  const median = (k: 'perItemKb' | 'heapUsedKbPerItem' | 'externalKbPerItem') =>
    quantile(
      slopes.map((x) => x[k]).sort((a, b) => a - b),
      0.5,
    );
  return {
    ...slopes[0]!,
    perItemKb: median('perItemKb'),
    heapUsedKbPerItem: median('heapUsedKbPerItem'),
    externalKbPerItem: median('externalKbPerItem'),
    samplesKb: slopes.map((x) => Number(x.perItemKb.toFixed(1))),
  };
}

// ------------------------------------------------------------------------------------ the fleet

function benchPlan(n: number) {
  return {
    schemaVersion: 1 as const,
    id: 'fleet-bench',
    seed: 'fleet-bench',
    cluster: { release: '14' as const, mode: 'mixed' as const },
    fleet: {
      size: n,
      groups: [
        {
          name: 'cp-8861-encrypted',
          model: 'CP-8861',
          firmware: 'sip-88xx-14.2',
          protocol: 'SIP' as const,
          security: 'encrypted' as const,
          weight: 40,
        },
        {
          name: 'cp-7975-authenticated',
          model: 'CP-7975',
          firmware: 'sccp-79xx-9.4',
          protocol: 'SCCP' as const,
          security: 'authenticated' as const,
          weight: 30,
        },
        {
          name: 'cp-8845-authenticated',
          model: 'CP-8845',
          firmware: 'sip-88xx-14.2',
          protocol: 'SIP' as const,
          security: 'authenticated' as const,
          weight: 20,
        },
        {
          name: 'cp-7965-encrypted',
          model: 'CP-7965',
          firmware: 'sccp-79xx-9.4',
          protocol: 'SCCP' as const,
          security: 'encrypted' as const,
          weight: 10,
        },
      ],
    },
    steps: [{ id: 'boot', op: 'boot' as const }],
  };
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const n = Number(process.env.FLEET_N ?? 10_000);
  const cores = availableParallelism();
  const log = (s: string) => process.stderr.write(`${s}\n`);
  await import('../devices/index.ts');
  const { parsePlan } = await import('../emulator/plan/plan-file.ts');
  const { runPlan } = await import('../emulator/plan/run.ts');
  const { progressOn } = await import('../emulator/plan/progress.ts');

  log(`baseline (a): raw mutual-TLS handshakes on ${cores} cores, ${BASELINE_S} s ...`);
  const handshakesPerS = await onAllCores('handshakes', BASELINE_S, cores);
  log(
    `baseline (b): bare-protocol boots (3 TFTP reads, 1 mutual-TLS handshake, 1 request/response) on ${cores} cores ...`,
  );
  const bareBootsPerS = await onAllCores('bare-boot', BASELINE_S, cores);
  log(
    `baseline (c): the same bare-protocol boots with a client secure context per boot on ${cores} cores ...`,
  );
  const ownContextBootsPerS = await onAllCores('bare-boot-own-context', BASELINE_S, cores);

  const parsed = parsePlan(benchPlan(n));
  if (!parsed.ok) throw new Error(`${parsed.error.where}: ${parsed.error.message}`);
  const transports = (process.env.FLEET_TRANSPORTS ?? 'loopback,memory')
    .split(',')
    .map((t) => t.trim())
    .filter((t): t is Transport => t === 'loopback' || t === 'memory');
  const fleets: Record<string, FleetFigures> = {};
  for (const transport of transports) {
    log(`fleet: ${n.toLocaleString('en-US')} secure phones on ${transport} ...`);
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    const run = await runPlan(parsed.plan, {
      workers: cores,
      bootsInFlight: Number(process.env.FLEET_BOOTS_IN_FLIGHT ?? parsed.plan.run.bootsInFlight),
      bootLatencies: true,
      transport,
      progress: progressOn(process.stderr, { planId: 'fleet-bench', everyMs: 10_000 }),
    });
    const wallMs = Date.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const registered = run.report.phones.filter(
      (p) => p.outcome === 'trusted' || p.outcome === 'recovered-tvs',
    ).length;
    // Each worker runs its cells one after another: the boot steps of a worker add up to its boot time.
    const bootMs = run.cells.reduce((a, c) => a + (c.stepMs[0] ?? 0), 0) / Math.max(1, run.workers);
    const setupMs = run.cells.reduce((a, c) => a + c.setupMs, 0) / Math.max(1, run.workers);
    const bootsPerS = registered / (bootMs / 1000);
    const latencies = run.cells.flatMap((c) => c.bootLatencies).sort((a, b) => a - b);
    fleets[transport] = {
      phones: n,
      registered,
      cells: run.cells.length,
      workers: run.workers,
      wallS: Number((wallMs / 1000).toFixed(1)),
      setupS: Number((setupMs / 1000).toFixed(1)),
      bootS: Number((bootMs / 1000).toFixed(1)),
      secureBootsPerS: Number(bootsPerS.toFixed(1)),
      endToEndPhonesPerS: Number((registered / (wallMs / 1000)).toFixed(1)),
      vsBareProtocolBoot: Number((bootsPerS / bareBootsPerS).toFixed(3)),
      vsBareBootOwnContext: Number((bootsPerS / ownContextBootsPerS).toFixed(3)),
      vsMutualTlsHandshakes: Number((bootsPerS / handshakesPerS).toFixed(3)),
      bootLatencyMs: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) },
      coresUsed: Number((cpuMs / wallMs).toFixed(2)),
      certificatesIdenticalInEveryCell: run.report.cells?.certificates !== null,
    };
  }

  log(
    'RSS: idle mutual-TLS pairs, then idle registered phones on each transport, each in a process of its own ...',
  );
  const tlsEnds = await rssChild('tls-ends', 500);
  const tlsEndsOwn = await rssChild('tls-ends-own-context', 500);
  const rssPhonesN = Number(process.env.FLEET_RSS_PHONES ?? 200);
  const rss: Record<string, RssFigures> = {};
  for (const transport of transports) {
    const phones = await rssPerPhone(rssPhonesN, transport, Number(process.env.FLEET_RSS_REPEATS ?? 3));
    const kb = (x: number) => Number(x.toFixed(1));
    rss[transport] = {
      perIdleRegisteredPhoneKb: kb(phones.perItemKb),
      perIdleRegisteredPhoneSamplesKb: phones.samplesKb ?? [],
      perTwoIdleTlsEndsKb: kb(tlsEnds.perItemKb),
      ratio: Number((phones.perItemKb / tlsEnds.perItemKb).toFixed(2)),
      perTwoIdleTlsEndsOwnContextKb: kb(tlsEndsOwn.perItemKb),
      heapUsedKb: { perPhone: kb(phones.heapUsedKbPerItem), perTwoTlsEnds: kb(tlsEnds.heapUsedKbPerItem) },
      externalKb: { perPhone: kb(phones.externalKbPerItem), perTwoTlsEnds: kb(tlsEnds.externalKbPerItem) },
      timelinePerPhone: {
        events: kb(phones.eventsPerItem ?? 0),
        jsonKb: kb(phones.eventJsonKbPerItem ?? 0),
        emitted: kb(phones.emittedPerItem ?? 0),
      },
    };
  }

  const result = {
    schemaVersion: 2,
    machine: { cores, loadAverage: (await import('node:os')).loadavg().map((x) => Number(x.toFixed(2))) },
    baselines: {
      mutualTlsHandshakesPerS: Number(handshakesPerS.toFixed(1)),
      bareProtocolBootsPerS: Number(bareBootsPerS.toFixed(1)),
      bareBootOwnContextPerS: Number(ownContextBootsPerS.toFixed(1)),
    },
    fleet: fleets,
    rss,
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const lines = [
    `machine: ${cores} cores, load average ${result.machine.loadAverage.join(' ')} (a shared, loaded machine skews every figure; compare the ratios)`,
    `baseline (a) raw mutual-TLS handshakes, all cores:  ${result.baselines.mutualTlsHandshakesPerS}/s`,
    `baseline (b) bare-protocol boot, all cores:         ${result.baselines.bareProtocolBootsPerS}/s`,
    `baseline (c) (b) with a context per boot, all cores: ${result.baselines.bareBootOwnContextPerS}/s (the floor of phones with identities of their own)`,
  ];
  for (const [transport, f] of Object.entries(fleets)) {
    lines.push(
      `[${transport}] fleet: ${f.registered}/${f.phones} secure phones registered in ${f.cells} cells on ${f.workers} workers; wall ${f.wallS} s (setup ${f.setupS} s, boots ${f.bootS} s per worker)`,
      `[${transport}] secure boots/s: ${f.secureBootsPerS} = ${(f.vsBareProtocolBoot * 100).toFixed(1)} % of (b), ${(f.vsBareBootOwnContext * 100).toFixed(1)} % of (c), ${(f.vsMutualTlsHandshakes * 100).toFixed(1)} % of (a); end to end with setup ${f.endToEndPhonesPerS}/s`,
      `[${transport}] boot latency: p50 ${f.bootLatencyMs.p50} ms, p99 ${f.bootLatencyMs.p99} ms; cores used ${f.coresUsed}`,
    );
  }
  for (const [transport, r] of Object.entries(rss)) {
    lines.push(
      `[${transport}] RSS per idle registered phone ${r.perIdleRegisteredPhoneKb} KB (median of ${r.perIdleRegisteredPhoneSamplesKb.join(', ')}) vs two idle TLS ends ${r.perTwoIdleTlsEndsKb} KB (x${r.ratio}; ${r.perTwoIdleTlsEndsOwnContextKb} KB when each client has its own context, as each phone does); of which V8 heap ${r.heapUsedKb.perPhone} KB vs ${r.heapUsedKb.perTwoTlsEnds} KB, buffers ${r.externalKb.perPhone} KB vs ${r.externalKb.perTwoTlsEnds} KB; the timeline keeps ${r.timelinePerPhone.events} of ${r.timelinePerPhone.emitted} events (${r.timelinePerPhone.jsonKb} KB as JSON) per phone`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

interface FleetFigures {
  phones: number;
  registered: number;
  cells: number;
  workers: number;
  wallS: number;
  setupS: number;
  bootS: number;
  secureBootsPerS: number;
  endToEndPhonesPerS: number;
  vsBareProtocolBoot: number;
  vsBareBootOwnContext: number;
  vsMutualTlsHandshakes: number;
  bootLatencyMs: { p50: number; p99: number };
  coresUsed: number;
  certificatesIdenticalInEveryCell: boolean;
}

interface RssFigures {
  perIdleRegisteredPhoneKb: number;
  /** The slopes (one pair of fresh processes each) the figure is the median of. */
  perIdleRegisteredPhoneSamplesKb: number[];
  perTwoIdleTlsEndsKb: number;
  ratio: number;
  /** Two idle TLS ends whose client has a secure context of its own, as each phone does. */
  perTwoIdleTlsEndsOwnContextKb: number;
  heapUsedKb: { perPhone: number; perTwoTlsEnds: number };
  externalKb: { perPhone: number; perTwoTlsEnds: number };
  timelinePerPhone: { events: number; jsonKb: number; emitted: number };
}

if (process.argv[2] === '--rss') {
  const count = Number(process.argv[4]);
  const transport = (process.argv[5] ?? 'loopback') as Transport;
  const what = process.argv[3];
  const measure =
    what === 'tls-ends' || what === 'tls-ends-own-context'
      ? rssTlsEnds(count, what === 'tls-ends-own-context')
      : rssLab(count, transport);
  measure.then(
    (figure) => {
      process.stdout.write(`${JSON.stringify(figure)}\n`);
      process.exit(0);
    },
    (e: Error) => {
      process.stderr.write(`${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
} else {
  await main();
}
