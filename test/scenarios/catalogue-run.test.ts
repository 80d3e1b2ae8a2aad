/**
 * The catalogue end to end, as CI runs it: every scenario of the product table passes through the real
 * command line, and the files a lab leaves behind read back with `uclab inspect`.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { nodeErrorCodesIn } from '../../emulator/fidelity/node-errors.ts';
import { uclab, uclabUntil } from '../support/cli.ts';
import { type RunResult, run } from '../support/peers.ts';

/** One run of the whole catalogue, with its JUnit file and every event, shared by the checks on it. */
let catalogueRun: Promise<{ r: RunResult; junit: string; events: string }> | null = null;
function runCatalogue(): Promise<{ r: RunResult; junit: string; events: string }> {
  catalogueRun ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-all-'));
    const junit = join(dir, 'junit.xml');
    const events = join(dir, 'events.jsonl');
    const r = await uclab(['run', '--all', '--quiet', '--json', '--junit', junit, '--events', events], {
      timeoutMs: 170_000,
    });
    return { r, junit, events };
  })();
  return catalogueRun;
}

describe('the catalogue through the command line', () => {
  it('uclab run --all passes every variant and writes JUnit XML a CI server can read', async () => {
    const { r, junit } = await runCatalogue();
    const report = JSON.parse(r.stdout);
    // Every variant of every scenario ran: the list and the run agree, and the product table is there.
    const listed = JSON.parse((await uclab(['list', '--json'])).stdout);
    const variants = listed.scenarios.reduce(
      (n: number, s: { variants: string[] }) => n + s.variants.length,
      0,
    );
    expect(listed.scenarios.length).toBeGreaterThanOrEqual(23);
    expect(report.results.length).toBe(variants);
    const notPassing = report.results.filter((x: { outcome: string }) => x.outcome !== 'passed');
    expect(notPassing).toEqual([]);
    expect(r.code).toBe(0);
    const xml = readFileSync(junit, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(xml);
    expect(Number(parsed.testsuites['@_tests'])).toBe(report.results.length);
    expect(Number(parsed.testsuites['@_failures'])).toBe(0);
  }, 180_000);

  it('no device of any catalogue run logs a Node.js error code: each prints what its product prints', async () => {
    const { r, events } = await runCatalogue();
    const lines = readFileSync(events, 'utf8').split('\n');
    // Only a whole run says anything: every variant of the report stopped its lab within the events.
    const variants = (JSON.parse(r.stdout) as { results: unknown[] }).results.length;
    const stopped = new Set(
      lines
        .filter((l) => l.includes('"kind":"lab.stopped"'))
        .map((l) => (JSON.parse(l) as { lab: string }).lab),
    );
    expect(stopped.size).toBe(variants);
    const logs = lines
      .filter((l) => l.includes('"kind":"log"'))
      .map((l) => JSON.parse(l) as { lab: string; device: string; text: string });
    expect(logs.length).toBeGreaterThan(1000);
    const offenders = logs
      .filter((e) => nodeErrorCodesIn(e.text).length > 0)
      .map((e) => `${e.lab} ${e.device}: ${e.text}`);
    expect(offenders).toEqual([]);
  }, 180_000);

  it('uclab inspect reads the trust lists and signed config a lab kept up leaves in its artifacts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'uclab-inspect-'));
    const up = await uclabUntil(
      ['up', 'ctl-mixed-mode-happy', '--variant', 'tokenless', '--artifacts', dir],
      /lab ready .*\n/,
      60_000,
    );
    try {
      const tftp = join(dir, 'tftp', 'cucm-pub');
      const ctl = await uclab(['inspect', join(tftp, 'CTLFile.tlv')]);
      expect(ctl.code).toBe(0);
      expect(ctl.stdout).toContain('Parse CTL File');
      expect(ctl.stdout).toContain('The CTL file was verified successfully.');
      const itl = await uclab(['inspect', join(tftp, 'ITLFile.tlv')]);
      expect(itl.stdout).toContain('The ITL file was verified successfully.');
      const lab = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
      const cucm = lab.devices.find((d: { name: string }) => d.name === 'cucm-pub');
      const callManager = cucm.certificates.find((c: { name: string }) => c.name === 'CallManager');
      const sgnName = readdirSgn(tftp);
      const sgn = await uclab(['inspect', join(tftp, sgnName), '--trust', callManager.file]);
      expect(sgn.code).toBe(0);
      expect(sgn.stdout).toContain('File sign verify SUCCESS');

      // lab.json names every phone's certificate files: openssl can act as the phone against 2443.
      const phone = lab.devices.find((d: { kind: string }) => d.kind === 'phone');
      const lsc = phone.certificates.find((c: { name: string }) => c.name === 'LSC');
      const hs = await run(
        'openssl',
        [
          's_client',
          '-connect',
          `${cucm.address}:2443`,
          '-cert',
          lsc.file,
          '-key',
          lsc.file.replace(/\.pem$/, '.key'),
          '-brief',
        ],
        { input: '' },
      );
      expect(hs.stderr).toContain('CONNECTION ESTABLISHED');
    } finally {
      await up.stop();
    }
  }, 120_000);
});

function readdirSgn(dir: string): string {
  const f = readdirSync(dir).find((n) => n.endsWith('.cnf.xml.sgn'));
  if (!f) throw new Error(`no signed config in ${dir}`);
  return f;
}
