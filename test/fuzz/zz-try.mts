import { fuzzTarget } from './engine.ts';
import { TARGETS } from './targets.ts';

for (const t of TARGETS) {
  const t0 = performance.now();
  const { stats, findings } = await fuzzTarget(t, {
    runs: Number(process.env.N ?? 3000),
    seed: 1,
    slowMs: 500,
  });
  const s = (performance.now() - t0) / 1000;
  console.log(
    t.name.padEnd(13),
    JSON.stringify({ ...stats, target: undefined }),
    `${(stats.inputs / s).toFixed(0)}/s`,
  );
  for (const f of findings) console.log('   ', f.kind, f.signature, f.input.length);
}
