/**
 * uclab as another project uses it: `npm pack` in the repository, the tarball installed into a fresh
 * folder outside it, `uclab init` there, and the starter's CI job run step by step. The registry
 * packages uclab depends on come from npm's cache (filled by `npm ci` in the repository), so this
 * works offline on a CI machine; `--prefer-offline` lets npm use the network only for what is missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REPO } from '../support/cli.ts';
import { type RunResult, run } from '../support/peers.ts';

const NPM_ENV = {
  ...process.env,
  npm_config_prefer_offline: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};

/** A shell command as a CI step runs it, with npm told to prefer its cache. */
function sh(command: string, cwd: string, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((done, fail) => {
    const child = spawn('sh', ['-c', command], { cwd, env: NPM_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** The lines a broken run printed about the file (the summary table is not part of the error). */
function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('uclab') || /\bat |node:internal|Transform failed/.test(l));
}

let work: string;
let tarball: string;
let packed: string[];
let project: string;
let timings: Record<string, number>;

async function timed<T>(name: string, f: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  try {
    return await f();
  } finally {
    timings[name] = Date.now() - t0;
  }
}

describe('uclab installed from its tarball into another project', () => {
  beforeAll(async () => {
    timings = {};
    work = mkdtempSync(join(tmpdir(), 'uclab-package-'));
    const out = await timed('npm pack', () => sh(`npm pack --json --pack-destination ${work}`, REPO));
    expect(out.code, out.stderr).toBe(0);
    const info = JSON.parse(out.stdout)[0] as { filename: string; files: { path: string }[] };
    tarball = join(work, info.filename);
    packed = info.files.map((f) => f.path);

    // The starter comes from this checkout's uclab here; the installed one writes it again below.
    project = join(work, 'my-lab');
    const init = await run(process.execPath, [
      join(REPO, 'bin', 'uclab.mjs'),
      'init',
      project,
      '--from',
      tarball,
    ]);
    expect(init.code, init.stderr).toBe(0);
  }, 60_000);

  // An installed project is some 40 MB: do not leave one behind per run.
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs the sources, the key pool, the device models, the catalogue and the starter, and no tests', () => {
    for (const f of [
      'package.json',
      'bin/uclab.mjs',
      'emulator/api.ts',
      'emulator/cli/main.ts',
      'emulator/cli/module-hooks.mjs',
      'emulator/cli/starter/phone-registers.ts',
      'devices/index.ts',
      'certs/key-pool/keys/rsa-2048.pem',
      'certs/key-pool/keys/ec-p256.pem',
      'scenarios/expired-callmanager-cert.ts',
    ]) {
      expect(packed).toContain(f);
    }
    const outside = packed.filter(
      (f) =>
        !/^(bin|emulator|devices|certs|scenarios)\//.test(f) && !['package.json', 'README.md'].includes(f),
    );
    expect(outside).toEqual([]);
    expect(packed.filter((f) => /(^|\/)test\/|\.test\.ts$|^bench\/|^\.ci\/|regenerate\.ts$/.test(f))).toEqual(
      [],
    );
  });

  it("the starter's CI job installs uclab, runs the scenario (exit 0) and leaves the reports it keeps", async () => {
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
    expect(pkg.dependencies.uclab).toBe(`file:../${basename(tarball)}`);
    const job = parseYaml(readFileSync(join(project, '.github', 'workflows', 'uclab.yml'), 'utf8')).jobs
      .scenarios as {
      steps: { name?: string; run?: string; if?: string; uses?: string; with?: { path?: string } }[];
    };
    // Run the job's shell steps in order, as a runner would (checkout and setup-node are the runner's).
    for (const step of job.steps.filter((s) => s.run)) {
      const r = await timed(step.name ?? 'step', () => sh(step.run ?? '', project, 90_000));
      expect(r.code, `${step.name}: ${r.stderr}`).toBe(0);
    }
    const keep = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
    expect(keep?.if).toBe('always()');
    const kept = join(project, keep?.with?.path ?? '-');
    const xml = readFileSync(join(kept, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const suites = new XMLParser({ ignoreAttributes: false }).parse(xml).testsuites;
    expect([suites['@_tests'], suites['@_failures']].map(Number)).toEqual([1, 0]);
    const report = JSON.parse(readFileSync(join(kept, 'uclab.json'), 'utf8'));
    expect(report.results.map((r: { scenario: string; outcome: string }) => [r.scenario, r.outcome])).toEqual(
      [['phone-registers', 'passed']],
    );
    expect(existsSync(join(kept, 'artifacts', 'phone-registers', 'non-secure', 'timeline.jsonl'))).toBe(true);
    process.stderr.write(`package test timings (ms): ${JSON.stringify(timings)}\n`);
  }, 180_000);

  it('the installed uclab init writes the same starter, and refuses to write over one', async () => {
    const installed = join(project, 'node_modules', '.bin', 'uclab');
    const second = join(work, 'second');
    const fresh = await run(installed, ['init', second]);
    expect(fresh.code, fresh.stderr).toBe(0);
    for (const f of ['scenarios/phone-registers.ts', '.github/workflows/uclab.yml', 'tsconfig.json']) {
      expect(readFileSync(join(second, f), 'utf8')).toBe(readFileSync(join(project, f), 'utf8'));
    }
    const before = readFileSync(join(project, 'package.json'), 'utf8');
    const again = await run(installed, ['init', project]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toContain(
      `uclab init: ${project} already has scenarios/phone-registers.ts, package.json`,
    );
    expect(readFileSync(join(project, 'package.json'), 'utf8')).toBe(before);
  });

  describe.concurrent('exit codes of a user scenario', () => {
    const starter = () => readFileSync(join(project, 'scenarios', 'phone-registers.ts'), 'utf8');
    // Beside the starter, not in scenarios/: the CI job and the type check read that folder.
    const scenario = (name: string, source: string) => {
      mkdirSync(join(project, 'checks'), { recursive: true });
      writeFileSync(join(project, 'checks', name), source);
      return `checks/${name}`;
    };
    // The installed command itself (the CI job above went through npx already).
    const uclab = (args: string[]) => sh(`node_modules/.bin/uclab ${args.join(' ')}`, project, 120_000);

    it('a scenario whose expectation does not hold exits 1', async () => {
      const file = scenario(
        'fails.ts',
        starter()
          .replace("id: 'phone-registers'", "id: 'phone-fails'")
          .replace("'Trust List Update Failed'", "'Trust List Updated'"),
      );
      const r = await uclab(['run', file, '--json']);
      expect(r.code, r.stderr).toBe(1);
      expect(JSON.parse(r.stdout).results[0].reason).toMatch(
        /^expectation 3 .* did not hold: Trust List Updated$/,
      );
    }, 120_000);

    it('a scenario with a syntax error exits 2 with one line naming the file, line and column', async () => {
      const file = scenario('syntax.ts', starter().replace("seed: '-',", "seed: '-',,"));
      const r = await uclab(['run', file, '--quiet']);
      expect(r.code).toBe(2);
      const line = starter()
        .split('\n')
        .findIndex((l) => l.includes("seed: '-',"));
      expect(errorLines(r.stderr)).toEqual([
        `uclab: ${file}:${line + 1}:13: syntax error: Expected identifier but found "," (the scenario does not parse; fix the code there)`,
      ]);
    }, 120_000);

    it('a scenario with a bad lab field exits 2 with one line naming the field', async () => {
      const file = scenario(
        'lab.ts',
        starter().replace("tftp: 'cucm-pub'", "tftp: 'cucm-pub', autoboot: false"),
      );
      const r = await uclab(['run', file, '--quiet']);
      expect(r.code).toBe(2);
      expect(errorLines(r.stderr)).toEqual([
        `uclab: ${file}: phone-registers [non-secure] broken: lab.devices[1].autoboot: not a field of a phone declaration (did you mean "autoBoot"?)`,
      ]);
    }, 120_000);

    it('a JavaScript scenario in a folder with no package.json or node_modules imports uclab by name', async () => {
      const elsewhere = mkdtempSync(join(tmpdir(), 'uclab-loose-'));
      // The starter is plain enough to be JavaScript as it is: no type annotations.
      const js = starter().replace("id: 'phone-registers'", "id: 'phone-registers-js'");
      writeFileSync(join(elsewhere, 'phone.js'), js);
      const r = await uclab(['run', join(elsewhere, 'phone.js'), '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).results[0]).toMatchObject({
        scenario: 'phone-registers-js',
        outcome: 'passed',
      });
    }, 120_000);
  });

  describe('types', () => {
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const check = () => {
      try {
        execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, stdio: 'pipe' });
        return { code: 0, out: '' };
      } catch (e) {
        const x = e as { status: number; stdout: Buffer };
        return { code: x.status, out: x.stdout.toString() };
      }
    };

    it("the starter type-checks against uclab's public API, and a wrong call does not", () => {
      expect(check()).toEqual({ code: 0, out: '' });
      const bad = join(project, 'scenarios', 'typed.ts');
      writeFileSync(
        bad,
        "import { expectLog } from 'uclab';\nexport const step = expectLog('SEP001122334455', 42, 'a number is not a pattern');\n",
      );
      const r = check();
      expect(r.code).not.toBe(0);
      expect(r.out.trim()).toBe(
        "scenarios/typed.ts(2,50): error TS2345: Argument of type 'number' is not assignable to parameter of type 'string | RegExp'.",
      );
    }, 60_000);
  });
});
