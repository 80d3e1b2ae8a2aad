/**
 * Benchmark: wall and CPU time of the whole scenario catalogue on this machine, one variant at a time
 * and as many at once as `uclab run --all` runs by default (target: under 10 s wall on two cores),
 * reported against a baseline measured in the same run (loopback TLS handshakes through the fabric),
 * so numbers from different machines compare as ratios. Not a test: it reports, it does not assert.
 * Usage: `npm run bench` (add `-- --json` for machine output).
 */
import '../devices/index.ts';
import { createPkiContext, issueCertificate } from '../certs/issue.ts';
import { enterpriseRootCaProfile } from '../certs/profiles.ts';
import { defaultJobs, runPool } from '../emulator/cli/run-pool.ts';
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
const { scenarios, broken } = await loadCatalogue();
const work = scenarios.flatMap((s) => Object.keys(s.variants).map((variant) => ({ s, variant })));

/** The whole catalogue with `jobs` variants at once, as `uclab run --all --jobs N` runs it. */
async function catalogueRun(jobs: number) {
  const results: VariantResult[] = new Array(work.length);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await runPool(work.length, jobs, async (i) => {
    results[i] = await runVariant(work[i]!.s, work[i]!.variant);
  });
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { jobs, results, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}
const serial = await catalogueRun(1);
const pooled = await catalogueRun(defaultJobs());
const results = pooled.results;
const wallMs = pooled.wallMs;
const TARGET_MS = 10_000;

const report = {
  schemaVersion: 1,
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
    failed: results.filter((r) => r.outcome !== 'passed').map((r) => `${r.scenario}/${r.variant}`),
    jobs: pooled.jobs,
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(pooled.cpuMs),
    inBaselineHandshakes: Math.round(wallMs / handshakeMs),
    oneAtATime: {
      wallMs: Math.round(serial.wallMs),
      cpuMs: Math.round(serial.cpuMs),
      failed: serial.results.filter((r) => r.outcome !== 'passed').map((r) => `${r.scenario}/${r.variant}`),
    },
    targetMs: TARGET_MS,
    withinTarget: wallMs < TARGET_MS,
  },
  slowest: [...results]
    .sort((a, b) => b.durationMs - a.durationMs)
    .slice(0, 5)
    .map((r) => ({ variant: `${r.scenario}/${r.variant}`, ms: r.durationMs })),
};

if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
else {
  process.stdout.write(
    [
      `baseline: ${report.baseline.msPerHandshake} ms per loopback TLS handshake through the fabric (${HANDSHAKES} measured)`,
      `issuance: ${ISSUED} leaf certificates in ${report.issuance.ms} ms = ${report.issuance.inBaselineHandshakes} baseline handshakes each`,
      `catalogue: ${report.catalogue.scenarios} scenarios, ${report.catalogue.variants} variants, ${pooled.jobs} at once: ` +
        `${(wallMs / 1000).toFixed(1)} s wall, ${(pooled.cpuMs / 1000).toFixed(1)} s CPU` +
        ` = ${report.catalogue.inBaselineHandshakes} baseline handshakes, on ${report.cores} cores`,
      `one at a time: ${(serial.wallMs / 1000).toFixed(1)} s wall, ${(serial.cpuMs / 1000).toFixed(1)} s CPU` +
        ` (${(serial.wallMs / wallMs).toFixed(2)}x the pooled wall time)`,
      `target: under ${TARGET_MS / 1000} s wall -> ${report.catalogue.withinTarget ? 'met' : 'NOT met'}`,
      `not passing: ${report.catalogue.failed.length === 0 ? 'none' : report.catalogue.failed.join(', ')}`,
      'slowest:',
      ...report.slowest.map((s) => `  ${s.variant}: ${s.ms} ms`),
      '',
    ].join('\n'),
  );
}
