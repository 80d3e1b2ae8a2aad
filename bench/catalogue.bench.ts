/**
 * Benchmark: wall and CPU time of the whole scenario catalogue on this machine as `uclab run --all`
 * runs it (longest variants first, in one thread or on worker threads as run-pool.ts `workersFor`
 * decides; target: under 10 s wall on two cores), against baselines measured in the same run: the
 * catalogue one variant at a time, pooled in one thread (as `--workers 0` runs it), on one worker
 * thread per core (`--workers N`), and loopback TLS handshakes through the fabric,
 * so numbers from different machines compare as ratios. CPU time is the whole process's (every thread);
 * cores used is CPU over wall. Not a test: it reports, it does not assert.
 * Usage: `npm run bench` (add `-- --json` for machine output).
 */
import '../devices/index.ts';
import { createPkiContext, issueCertificate } from '../certs/issue.ts';
import { enterpriseRootCaProfile } from '../certs/profiles.ts';
import { longestFirst } from '../emulator/cli/run-order.ts';
import { defaultJobs, defaultWorkers, runPool, workersFor } from '../emulator/cli/run-pool.ts';
import { RunWorkers } from '../emulator/cli/run-workers.ts';
import { Lab } from '../emulator/lab.ts';
import { loadCatalogue, runVariant, type VariantResult } from '../emulator/runner.ts';

const HANDSHAKES = 200;

async function baselineHandshakeMs(): Promise<number> {
  const ctx = createPkiContext({ seed: 'bench' });
  const ca = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'Bench CA' }));
  const server = await issueCertificate(
    ctx,
    {
      name: 'srv',
      subject: [['CN', 'srv']],
      key: { kind: 'rsa', bits: 2048 },
      san: [{ type: 'dns', value: 'srv' }],
    },
    ca,
  );
  const lab = await Lab.create({ name: 'bench-baseline' });
  try {
    lab.fabric.addHost('srv');
    lab.fabric.addHost('cli');
    await lab.fabric.listenTls(
      'srv',
      2443,
      { identities: [server] },
      { onConnection: (c) => c.socket.end() },
    );
    const t0 = performance.now();
    for (let i = 0; i < HANDSHAKES; i++) {
      const r = await lab.fabric.connectTls('cli', { host: 'srv', port: 2443 }, { trust: [ca.certPem] });
      if (!r.ok) throw new Error(r.error.message);
      r.value.socket.destroy();
    }
    return (performance.now() - t0) / HANDSHAKES;
  } finally {
    await lab.stop();
  }
}

/** Fleets of thousands need issuance without key generation: time 1000 leaf certificates. */
async function issuanceMs(count: number): Promise<number> {
  const ctx = createPkiContext({ seed: 'bench-issuance' });
  const ca = await issueCertificate(ctx, enterpriseRootCaProfile({ cn: 'Bench Issuing CA' }));
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    await issueCertificate(
      ctx,
      { name: `phone-${i}`, subject: [['CN', `CP-8861-SEP${String(i).padStart(12, '0')}`]] },
      ca,
    );
  }
  return performance.now() - t0;
}

const json = process.argv.includes('--json');
const handshakeMs = await baselineHandshakeMs();
const ISSUED = 1000;
const issueMs = await issuanceMs(ISSUED);
const { scenarios, broken, files } = await loadCatalogue();
const work = scenarios.flatMap((s) => Object.keys(s.variants).map((variant) => ({ s, variant })));

/**
 * The whole catalogue in this thread with `jobs` variants at once, as `uclab run --all --workers 0`
 * runs it (in `order`: uclab run starts the longest first).
 */
async function catalogueRun(jobs: number, order: readonly number[] = work.map((_, i) => i)) {
  const results: VariantResult[] = new Array(work.length);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runPool(work.length, jobs, async (n) => {
    const i = order[n]!;
    results[i] = await runVariant(work[i]!.s, work[i]!.variant);
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { jobs, results, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}
/**
 * The whole catalogue as `uclab run --all` runs it: worker threads started first, the variants started
 * longest first by the times of the one-at-a-time run above (uclab run uses its last runs' times).
 */
async function workersRun(workers: number, jobs: number, order: number[]) {
  const results: VariantResult[] = new Array(work.length);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const pool = new RunWorkers(workers, { artifacts: null, pcap: false, events: false });
  await pool.run(
    work.map(({ s, variant }) => ({
      file: files.get(s.id) ?? '',
      variant,
      scenario: s.id,
      title: s.title,
      explain: s.variants[variant]?.explain ?? '',
    })),
    { jobs, order, onDone: (i, r) => (results[i] = r) },
  );
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { workers, jobs, results, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

const serial = await catalogueRun(1);
const order = longestFirst(
  work.map(({ s, variant }) => ({ scenario: s.id, variant })),
  new Map(serial.results.map((r) => [`${r.scenario}/${r.variant}`, r.durationMs])),
);
const pooled = await catalogueRun(defaultJobs(), order);
/** What `uclab run --all` does without --workers (run-pool.ts `workersFor`): the headline figure. */
const defaultThreads = workersFor(work.length);
// On worker threads as uclab run would use them, or one per core when it would use none.
const multi = await workersRun(defaultThreads || defaultWorkers(), defaultJobs(), order);
const headline = defaultThreads > 0 ? multi : { ...pooled, workers: 0 };
const results = headline.results;
const wallMs = headline.wallMs;
const notPassing = (rs: VariantResult[]) =>
  rs.filter((r) => r.outcome !== 'passed').map((r) => `${r.scenario}/${r.variant}: ${r.reason}`);
const TARGET_MS = 10_000;
const how = (workers: number) => (workers > 0 ? `${workers} worker threads` : 'one thread');
const figures = (r: { wallMs: number; cpuMs: number; jobs: number; results: VariantResult[] }) => ({
  jobs: r.jobs,
  wallMs: Math.round(r.wallMs),
  cpuMs: Math.round(r.cpuMs),
  coresUsed: Number((r.cpuMs / r.wallMs).toFixed(2)),
  failed: notPassing(r.results),
});

const report = {
  schemaVersion: 2,
  cores: (await import('node:os')).availableParallelism(),
  baseline: { handshakes: HANDSHAKES, msPerHandshake: Number(handshakeMs.toFixed(3)) },
  issuance: {
    certificates: ISSUED,
    ms: Math.round(issueMs),
    msPerCertificate: Number((issueMs / ISSUED).toFixed(3)),
    inBaselineHandshakes: Number((issueMs / ISSUED / handshakeMs).toFixed(2)),
  },
  catalogue: {
    scenarios: scenarios.length,
    variants: results.length,
    broken: broken.length,
    /** As `uclab run --all` runs it: 0 worker threads is this thread. */
    workers: headline.workers,
    ...figures(headline),
    inBaselineHandshakes: Math.round(wallMs / handshakeMs),
    oneThread: figures(pooled),
    workerThreads: { workers: multi.workers, ...figures(multi) },
    oneAtATime: figures(serial),
    targetMs: TARGET_MS,
    withinTarget: wallMs < TARGET_MS,
  },
  slowest: [...results]
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, 5)
    .map((r) => ({ variant: `${r.scenario}/${r.variant}`, ms: r.durationMs })),
};

const line = (label: string, r: { wallMs: number; cpuMs: number; coresUsed: number }) =>
  `${label}: ${(r.wallMs / 1000).toFixed(1)} s wall, ${(r.cpuMs / 1000).toFixed(1)} s CPU, ` +
  `${r.coresUsed} of ${report.cores} cores used (${(r.wallMs / wallMs).toFixed(2)}x uclab run's wall time)`;
if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  process.stdout.write(
    [
      `baseline: ${report.baseline.msPerHandshake} ms per loopback TLS handshake through the fabric (${HANDSHAKES} measured)`,
      `issuance: ${ISSUED} leaf certificates in ${report.issuance.ms} ms = ${report.issuance.inBaselineHandshakes} baseline handshakes each`,
      `catalogue as uclab run --all runs it: ${report.catalogue.scenarios} scenarios, ${report.catalogue.variants} variants, ` +
        `${how(headline.workers)}, ${headline.jobs} at once: ` +
        `${(wallMs / 1000).toFixed(1)} s wall, ${(headline.cpuMs / 1000).toFixed(1)} s CPU, ` +
        `${report.catalogue.coresUsed} of ${report.cores} cores used` +
        ` = ${report.catalogue.inBaselineHandshakes} baseline handshakes`,
      line(`one thread, ${pooled.jobs} at once`, report.catalogue.oneThread),
      line(
        `${how(multi.workers)} (--workers ${multi.workers}), ${multi.jobs} at once`,
        report.catalogue.workerThreads,
      ),
      line('one at a time', report.catalogue.oneAtATime),
      `target: under ${TARGET_MS / 1000} s wall -> ${report.catalogue.withinTarget ? 'met' : 'NOT met'}`,
      `not passing: ${report.catalogue.failed.length === 0 ? 'none' : report.catalogue.failed.join('; ')}`,
      'slowest:',
      ...report.slowest.map((s) => `  ${s.variant}: ${s.ms} ms`),
      '',
    ].join('\n'),
  );
}
