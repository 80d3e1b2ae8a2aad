import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { uclab, uclabUntil } from '../support/cli.ts';

const fixture = (name: string) => resolve(import.meta.dirname, '..', 'fixtures', 'scenarios', `${name}.ts`);

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

  it('up prints one "lab ready" line, writes lab.json and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-up-'));
    const up = await uclabUntil(['up', fixture('tls-client-cert'), '--artifacts', dir], /lab ready .*\n/);
    const line = up
      .output()
      .split('\n')
      .find((l) => l.startsWith('lab ready'));
    const labJson = line?.split(' ').at(-1) ?? '';
    const lab = JSON.parse(readFileSync(labJson, 'utf8'));
    expect(lab.schemaVersion).toBe(1);
    expect(lab.devices.map((d: { name: string }) => d.name)).toEqual(['server', 'client']);
    expect(lab.devices[0].ports).toEqual([{ name: 'tls', proto: 'tls', port: 2443 }]);
    expect(lab.devices[0].address).toMatch(/^127\.\d+\.\d+\.\d+$/);
    await up.stop();
    expect(up.child.exitCode ?? 0).toBe(0);
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

  it('explain narrates every variant step by step', async () => {
    const r = await uclab(['explain', fixture('tls-client-cert')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Variant "with-cert"');
    expect(r.stdout).toContain('1. The client connects');
    expect(r.stdout).toContain('2. Expect: client logs "connected"');
  });
});
