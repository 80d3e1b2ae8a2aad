import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { enterpriseRootCaProfile } from '../../certs/profiles.ts';
import {
  killPid,
  npxUclabUntil,
  processEnded,
  REPO,
  refused,
  signalAndWait,
  timelineOf,
  uclab,
  uclabUntil,
} from '../support/cli.ts';

const fixture = (name: string) => resolve(import.meta.dirname, '..', 'fixtures', 'scenarios', `${name}.ts`);
const PAIR_DEVICE = resolve(REPO, 'test', 'fixtures', 'tls-pair-device.ts');
/** zod's ES module entry, for a scenario file in a folder that has no node_modules of its own. */
const ZOD = join(dirname(createRequire(import.meta.url).resolve('zod/package.json')), 'index.js');

/**
 * A scenario file in a fresh folder outside the repository (no package.json, no node_modules), importing
 * uclab by name, as a user's own scenario does. `edit` changes the source of the working one.
 */
function userScenario(name: string, edit: (source: string) => string = (x) => x): string {
  const dir = mkdtempSync(join(tmpdir(), 'uclab-user-'));
  const source = `import { act, defineScenario, expectLog } from 'uclab';
import { TestTlsClient } from '${PAIR_DEVICE}';

export default defineScenario({
  id: 'user-tls-client',
  title: 'A user scenario outside the repository',
  seed: '-',
  tags: ['user'],
  symptom: 'The client connects.',
  rootCause: 'It has a certificate from the lab CA.',
  fix: '-',
  variants: { only: { explain: 'The client presents a certificate.', params: {} } },
  lab: () => ({
    devices: [
      { kind: 'test-tls-server', name: 'server', port: 2443 },
      { kind: 'test-tls-client', name: 'client', server: 'server', port: 2443, withCertificate: true },
    ],
  }),
  steps: () => [
    act('The client connects', 'A TLS handshake.', async (lab) => {
      await lab.device('client', TestTlsClient).connect();
    }),
    expectLog('client', 'connected', 'The server accepted it.', { timeoutMs: 5000 }),
  ],
});
`;
  const file = join(dir, name);
  writeFileSync(file, edit(source));
  return file;
}

/** The lines a failed load printed: the summary table and counts are not part of the error. */
function errorLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('uclab') || /\bat |node:internal|Transform failed/.test(l));
}

describe('uclab command line', () => {
  it('run exits 0 and reports every step when all expectations hold', async () => {
    const r = await uclab(['run', fixture('tls-client-cert'), '--variant', 'with-cert', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.schemaVersion).toBe(1);
    expect(report.results[0]).toMatchObject({
      scenario: 'fixture-tls-client-cert',
      variant: 'with-cert',
      outcome: 'passed',
    });
    expect(r.stderr).toContain('why: A TLS handshake with a client certificate request.');
  });

  it('run exits 1 when an expectation fails, and says what it saw instead', async () => {
    const r = await uclab([
      'run',
      fixture('tls-client-cert'),
      '--variant',
      'expect-accept-without-cert',
      '--json',
    ]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    const failed = report.results[0].steps.find((s: { held: boolean }) => !s.held);
    expect(failed.saw).toContain('connection refused: alert certificate_required(116)');
  });

  it('a lab declaration with a bad field exits 2 naming the field', async () => {
    const r = await uclab(['run', fixture('broken-lab'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).results[0].reason).toMatch(/^lab\.devices\[0\]\.port: /);
  });

  it('a file that is not a scenario exits 2 naming the field', async () => {
    const r = await uclab(['run', fixture('not-a-scenario')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not-a-scenario.ts: id: an id is lower case');
  });

  it('an unknown scenario id exits 2', async () => {
    const r = await uclab(['run', 'no-such-scenario']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no scenario "no-such-scenario"');
  });

  it('--junit writes JUnit XML with one test case per variant and the failure message', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-junit-'));
    const file = join(dir, 'report.xml');
    const r = await uclab(['run', fixture('tls-client-cert'), '--junit', file, '--quiet']);
    expect(r.code).toBe(1);
    const xml = readFileSync(file, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml.match(/<testcase /g)?.length).toBe(2);
    expect(xml).toContain('<failure message=');
  });

  it('up prints one "lab ready" line, writes lab.json naming its pid, and on SIGTERM stops the lab in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-up-'));
    const up = await uclabUntil(['up', fixture('tls-client-cert'), '--artifacts', dir], /lab ready .*\n/);
    const line = up
      .output()
      .split('\n')
      .find((l) => l.startsWith('lab ready'));
    const labJson = line?.split(' ').at(-1) ?? '';
    const lab = JSON.parse(readFileSync(labJson, 'utf8'));
    expect(lab.schemaVersion).toBe(1);
    expect(lab.pid).toBe(up.child.pid);
    expect(lab.devices.map((d: { name: string }) => d.name)).toEqual(['server', 'client']);
    expect(lab.devices[0].ports).toEqual([{ name: 'tls', proto: 'tls', port: 2443 }]);
    expect(lab.devices[0].address).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(await refused(lab.devices[0].address, 2443)).toBe(false);

    // How it ended: by its own hand after an orderly stop, not killed by the signal.
    expect(await signalAndWait(up.child, 'SIGTERM')).toEqual({ code: 0, signal: null });
    expect(up.output()).toContain('uclab: stopping the lab (SIGTERM)');
    expect(up.output()).toContain('uclab: lab stopped; its addresses and ports are free');
    expect(timelineOf(dir).at(-1)).toMatchObject({ kind: 'lab.stopped', reason: 'SIGTERM' });
    expect(await refused(lab.devices[0].address, 2443)).toBe(true);
    expect(JSON.parse(readFileSync(labJson, 'utf8')).pid).toBeNull();
  });

  it('up started with npx stops its lab when the npx process is killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-npx-up-'));
    const up = await npxUclabUntil(['up', fixture('tls-client-cert'), '--artifacts', dir], /lab ready .*\n/);
    const lab = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
    try {
      // npm exec runs sh, which runs the node process that keeps the lab: a grandchild of npx.
      expect(lab.pid).not.toBe(up.child.pid);
      await signalAndWait(up.child, 'SIGTERM');
      expect(await processEnded(lab.pid)).toBe(true);
      expect(timelineOf(dir).at(-1)).toMatchObject({
        kind: 'lab.stopped',
        reason: expect.stringMatching(/^the process that started it \(pid \d+\) ended$/),
      });
      expect(await refused(lab.devices[0].address, 2443)).toBe(true);
    } finally {
      killPid(lab.pid);
    }
  }, 90_000);

  it('down stops a lab kept up in DIR through its console and waits until its process has ended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-down-'));
    const up = await uclabUntil(['up', fixture('tls-client-cert'), '--artifacts', dir], /lab ready .*\n/);
    const lab = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
    try {
      const down = await uclab(['down', dir]);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stderr).toContain(`the lab in ${dir} (pid ${lab.pid}) stopped (asked through its console)`);
      // down returned only once the process had gone.
      expect(up.child.exitCode ?? up.child.signalCode).not.toBeNull();
      expect(await signalAndWait(up.child, 'SIGTERM')).toEqual({ code: 0, signal: null });
      expect(timelineOf(dir).at(-1)).toMatchObject({ kind: 'lab.stopped', reason: 'uclab down' });
    } finally {
      killPid(lab.pid);
    }
  });

  it('down stops the lab with SIGTERM to the pid in lab.json when its console socket is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-down-pid-'));
    const up = await uclabUntil(['up', fixture('tls-client-cert'), '--artifacts', dir], /lab ready .*\n/);
    const lab = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
    try {
      rmSync(lab.console);
      const down = await uclab(['down', dir]);
      expect(down.code, down.stderr).toBe(0);
      expect(down.stderr).toContain('(asked with SIGTERM)');
      expect(await signalAndWait(up.child, 'SIGTERM')).toEqual({ code: 0, signal: null });
      expect(timelineOf(dir).at(-1)).toMatchObject({ kind: 'lab.stopped', reason: 'SIGTERM' });
    } finally {
      killPid(lab.pid);
    }
  });

  it('down exits 2 with a clear message when no lab is up in DIR', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'uclab-down-none-'));
    const none = await uclab(['down', empty]);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe(
      `uclab down: no lab is up in ${empty}: there is no lab.json (start one with uclab up SCENARIO --artifacts ${empty})`,
    );
    writeFileSync(join(empty, 'lab.json'), JSON.stringify({ schemaVersion: 1, pid: null, console: null }));
    const stopped = await uclab(['down', empty]);
    expect(stopped.code).toBe(2);
    expect(stopped.stderr).toContain('the lab that was there has stopped');
  });

  it('console runs an admin command on a device of a lab kept up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-console-'));
    const up = await uclabUntil(['up', fixture('tls-client-cert'), '--artifacts', dir], /lab ready .*\n/);
    try {
      const ok = await uclab(['console', 'server', '--artifacts', dir, '-c', 'show accepted']);
      expect(ok.stdout).toBe('accepted connections: 1\n');
      const unknown = await uclab(['console', 'client', '--artifacts', dir, '-c', 'show accepted']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('client (test-tls-client) has no admin console');
    } finally {
      await up.stop();
    }
  });

  it('a lab kept up in a folder too deep for a Unix socket path still offers its console', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'uclab-deep-')), 'd'.repeat(100));
    const up = await uclabUntil(['up', fixture('tls-client-cert'), '--artifacts', dir], /lab ready .*\n/);
    try {
      // Node cuts a longer socket path at 107 bytes without a word: the socket would not be where
      // lab.json says. It must be there.
      const lab = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
      expect(statSync(lab.console).isSocket()).toBe(true);
      const ok = await uclab(['console', 'server', '--artifacts', dir, '-c', 'show accepted']);
      expect(ok.stdout).toBe('accepted connections: 1\n');
    } finally {
      await up.stop();
    }
  });

  it('--events streams every lab event as JSON lines with the schema version', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-events-'));
    const file = join(dir, 'events.jsonl');
    const r = await uclab([
      'run',
      fixture('tls-client-cert'),
      '--variant',
      'with-cert',
      '--events',
      file,
      '--quiet',
    ]);
    expect(r.code).toBe(0);
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.every((e) => e.schemaVersion === 1)).toBe(true);
    const verdicts = events.filter((e) => e.kind === 'tls.verdict');
    expect(verdicts.map((v) => [v.device, v.accepted]).sort()).toEqual([
      ['client', true],
      ['server', true],
    ]);
  });

  it('--version prints the package version', async () => {
    const r = await uclab(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version}\n`);
  });

  it('explain narrates every variant step by step', async () => {
    const r = await uclab(['explain', fixture('tls-client-cert')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Variant "with-cert"');
    expect(r.stdout).toContain('1. The client connects');
    expect(r.stdout).toContain('2. Expect: client logs "connected"');
  });
  it('run loads a TypeScript scenario from a folder with no package.json, importing uclab by name', async () => {
    const r = await uclab(['run', userScenario('mine.ts'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).results[0]).toMatchObject({ scenario: 'user-tls-client', outcome: 'passed' });
  });

  it('run loads a JavaScript scenario from a folder with no package.json', async () => {
    const r = await uclab(['run', userScenario('mine.js'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).results[0].outcome).toBe('passed');
  });

  it('a TypeScript syntax error exits 2 with one line: the file, line and column, what failed', async () => {
    const file = userScenario('typo.ts', (src) => src.replace("seed: '-',", "seed: '-',,"));
    const r = await uclab(['run', file]);
    expect(r.code).toBe(2);
    // Line 7 is `  seed: '-',,`: the second comma is its 13th character.
    expect(errorLines(r.stderr)).toEqual([
      `uclab: ${file}:7:13: syntax error: Expected identifier but found "," (the scenario does not parse; fix the code there)`,
    ]);
    expect(r.stderr).toContain('0 passed, 0 failed, 1 broken (1 file did not load)');
  });

  it('a JavaScript syntax error exits 2 with one line: the file, line and column, what failed', async () => {
    const file = userScenario('typo.js', (src) => src.replace("seed: '-',", "seed: '-' '+',"));
    const r = await uclab(['run', file, '--quiet']);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      `uclab: ${file}:7:13: syntax error: Expected "}" but found "'+'" (the scenario does not parse; fix the code there)`,
    ]);
  });

  it('a scenario that throws while loading exits 2 naming where, without a stack', async () => {
    const file = userScenario(
      'throws.ts',
      (src) => `${src}\nconst none: { x: () => void } | undefined = undefined;\nnone!.x();\n`,
    );
    const r = await uclab(['run', file]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      // `none!.x();` is line 28 (the template's 25 lines, a blank one, the declaration); x is column 7.
      `uclab: ${file}:28:7: the file threw while loading: TypeError: Cannot read properties of undefined (reading 'x') (the error is in code that runs when the file loads, outside the steps)`,
    ]);
  });

  it('a scenario in a package that says "type": "commonjs" exits 2 saying how to make it an ES module', async () => {
    const file = userScenario('cjs.ts');
    writeFileSync(join(dirname(file), 'package.json'), '{ "type": "commonjs" }\n');
    const r = await uclab(['run', file]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      `uclab: ${file}: cannot be loaded as CommonJS: it imports ES modules (a scenario is an ES module: set "type": "module" in the package.json beside it, or name the file .mts)`,
    ]);
  });

  it('an import uclab does not export exits 2 with the nearest name', async () => {
    const file = userScenario('export.ts', (src) => src.replaceAll('expectLog', 'expectLogs'));
    const r = await uclab(['run', file]);
    expect(r.code).toBe(2);
    expect(errorLines(r.stderr)).toEqual([
      `uclab: ${file}:1: uclab has no export named "expectLogs" (did you mean "expectLog"?)`,
    ]);
  });

  it('an import of a kit uclab does not have exits 2 naming the kits it has', async () => {
    const file = userScenario(
      'kit.ts',
      (src) => `import { nothing } from 'uclab/kits/nosuch';\nvoid nothing;\n${src}`,
    );
    const r = await uclab(['run', file]);
    expect(r.code).toBe(2);
    const lines = errorLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^uclab: ${file}: cannot import "uclab/kits/nosuch": uclab has no kit "nosuch" \\((kits: uclab/kits/\\w+.*|this uclab has no kits)\\)$`,
      ),
    );
  });

  it('an unknown field in the scenario definition exits 2 naming it and the field it resembles', async () => {
    const file = userScenario('field.ts', (src) => src.replace('  steps: () =>', '  step: () =>'));
    const r = await uclab(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `uclab: ${file}: step: not a scenario field (did you mean "steps"? fields: id, title, seed, tags, symptom, rootCause, fix, variants, lab, steps, exercise)`,
    );
  });

  it('a misspelt lab field exits 2 before any lab starts, naming its path and the field it resembles', async () => {
    const file = userScenario('labfield.ts', (src) =>
      src.replace("name: 'server', port: 2443 }", "name: 'server', port: 2443, alias: ['server.lab'] }"),
    );
    const r = await uclab(['run', file, '--json']);
    expect(r.code).toBe(2);
    const result = JSON.parse(r.stdout).results[0];
    expect(result.reason).toBe(
      'lab.devices[0].alias: not a field of a test-tls-server declaration (did you mean "aliases"?)',
    );
    expect(result.events).toBe(0);
  });

  it('a lab host name that is no device of the lab exits 2 before any lab starts', async () => {
    // A device kind that declares which of its fields name hosts (DeviceKind.hosts).
    const file = userScenario('host.ts', (src) =>
      src
        .replace(
          'import { TestTlsClient } from',
          `import { z } from '${ZOD}';
import { baseDeviceDecl, registerDeviceKind } from '${resolve(REPO, 'emulator', 'device-registry.ts')}';
registerDeviceKind({
  kind: 'test-host-client',
  summary: 'names a server host',
  schema: baseDeviceDecl.extend({ kind: z.literal('test-host-client'), server: z.string() }),
  create: () => {
    throw new Error('never built: the host check comes first');
  },
  hosts: (d) => [{ path: 'server', host: d.server }],
});
import { TestTlsClient } from`,
        )
        .replace(
          "{ kind: 'test-tls-client', name: 'client', server: 'server', port: 2443, withCertificate: true }",
          "{ kind: 'test-host-client', name: 'client', server: 'servr:2443' }",
        ),
    );
    const r = await uclab(['run', file, '--json']);
    expect(r.code, r.stderr).toBe(2);
    const result = JSON.parse(r.stdout).results[0];
    expect(result.reason).toBe(
      'lab.devices[1].server: "servr" is not a device or alias of this lab (did you mean "server"?); devices: server, client',
    );
    expect(result.events).toBe(0);
  });

  it('--quiet still prints why a variant is broken', async () => {
    const r = await uclab(['run', fixture('broken-lab'), '--quiet']);
    expect(r.code).toBe(2);
    // The line names the file first, then the scenario, the variant and the field.
    expect(r.stderr).toMatch(
      /uclab: \S*broken-lab\.ts: fixture-broken-lab \[only\] broken: lab\.devices\[0\]\.port: Invalid input: expected number, received string/,
    );
  });

  describe('inspect --trust', () => {
    const files = async () => {
      const dir = mkdtempSync(join(tmpdir(), 'uclab-trust-'));
      const ca = await issueCertificate(
        createPkiContext({ seed: 'cli-trust' }),
        enterpriseRootCaProfile({ cn: 'Trust Test CA' }),
      );
      const pem = join(dir, 'ca.pem');
      writeFileSync(pem, ca.certPem);
      const notes = join(dir, 'notes.txt');
      writeFileSync(notes, 'not a certificate\n');
      return { pem, notes };
    };

    it('takes one file per option, so the file after it is still inspected', async () => {
      const { pem } = await files();
      const r = await uclab(['inspect', '--trust', pem, pem]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('Trust Test CA');
    });

    it('exits 2 naming a --trust file that holds no certificate', async () => {
      const { pem, notes } = await files();
      const r = await uclab(['inspect', '--trust', notes, pem]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(
        `uclab inspect: --trust ${notes}: not a certificate (neither PEM with a CERTIFICATE block nor one DER certificate)`,
      );
      expect(r.stdout).toBe('');
    });

    it('probe origin exits 2 naming a --trust file that holds no certificate', async () => {
      const { notes } = await files();
      const r = await uclab(['probe', 'origin', '127.0.0.1:1', '--trust', notes]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim()).toBe(
        `uclab probe origin: --trust ${notes}: not a certificate (neither PEM with a CERTIFICATE block nor one DER certificate)`,
      );
    });
  });
});
