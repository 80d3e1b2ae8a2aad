/**
 * The artifacts of a run never hold a private key outside a `.key` file, and what is private is
 * private: every `.key` file and `keys.log` is 0600, every folder the run made 0700.
 *
 * The whole catalogue with --artifacts takes about 4 minutes (measured: `uclab run --all --artifacts`,
 * 85 variants, 3:50 wall on a loaded 2-core machine), too long for the normal run; this runs the
 * scenarios whose devices write keys, side by side: phones booting with their MIC (expired-callmanager-
 * cert), CAPF issuing and reissuing LSCs (capf-regen-lsc-reissue, ctl-mixed-mode-happy,
 * capf-wrong-auth-string), Expressways and an MRA phone (mra-phone-private-ca-expressway-e), an
 * application server's trunk certificate (appserver-trunk-no-certsign) and the SPA PKI (spa-756-sha256).
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, runScenario, type VariantResult } from '../../emulator/runner.ts';

const SCENARIOS = [
  'expired-callmanager-cert',
  'capf-regen-lsc-reissue',
  'ctl-mixed-mode-happy',
  'capf-wrong-auth-string',
  'mra-phone-private-ca-expressway-e',
  'appserver-trunk-no-certsign',
  'spa-756-sha256',
];

function walk(dir: string): { files: string[]; dirs: string[] } {
  const files: string[] = [];
  const dirs: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      dirs.push(p);
      const sub = walk(p);
      files.push(...sub.files);
      dirs.push(...sub.dirs);
    } else files.push(p);
  }
  return { files, dirs };
}

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('the artifacts of a run keep private keys private', () => {
  const root = mkdtempSync(join(tmpdir(), 'uclab-artifacts-'));
  const runs: Promise<VariantResult[]> = (async () => {
    const results = await Promise.all(
      SCENARIOS.map(async (id) => {
        const s = await loadScenario(id);
        if (!s.ok) throw new Error(s.message);
        return runScenario(s.scenario, { artifactsDir: root });
      }),
    );
    return results.flat();
  })();

  it('the scenarios that write keys all run', { timeout: 180_000 }, async () => {
    const results = await runs;
    expect(
      results.filter((r) => r.outcome !== 'passed').map((r) => `${r.scenario}/${r.variant}: ${r.reason}`),
    ).toEqual([]);
    expect(walk(root).files.filter((f) => f.endsWith('.key')).length).toBeGreaterThan(SCENARIOS.length);
  });

  it('no file but a .key file holds a PEM private key', { timeout: 180_000 }, async () => {
    await runs;
    const leaking = walk(root)
      .files.filter((f) => !f.endsWith('.key'))
      .filter((f) => readFileSync(f).includes('PRIVATE KEY'));
    expect(leaking).toEqual([]);
  });

  it('every .key file and keys.log is 0600, every folder 0700', { timeout: 180_000 }, async () => {
    await runs;
    const { files, dirs } = walk(root);
    const privateFiles = files.filter((f) => f.endsWith('.key') || f.endsWith('/keys.log'));
    expect(privateFiles.some((f) => f.endsWith('/keys.log'))).toBe(true);
    expect(privateFiles.filter((f) => mode(f) !== '600').map((f) => `${f}: ${mode(f)}`)).toEqual([]);
    expect(dirs.filter((d) => mode(d) !== '700').map((d) => `${d}: ${mode(d)}`)).toEqual([]);
  });
});
