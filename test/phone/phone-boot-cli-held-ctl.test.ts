/**
 * `uclab phone boot --held-ctl FILE`: boot as a phone that already holds a CTL, against
 * tftpd-hpa serving a mixed-mode cluster's files. A CTL that replaces a held CTL must be signed by a
 * SAST of the held one, with no TVS path (seed 002, docs/reference/trust-files.md §4).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAddressBlock } from '../../emulator/address-block.ts';
import { Lab } from '../../emulator/lab.ts';
import { uclab } from '../support/cli.ts';
import { hasPeer, itWithPeers } from '../support/peers.ts';
import { buildCtl, buildItl, buildSignedConfig, miniPki } from './support.ts';

const MAC = '00AABBCCDD11';
const FIRMWARE = 'sccp-79xx-9.4';
let dir: string;
let tftpd: ChildProcess | undefined;
let address: string;
const port = 20000 + Math.floor(Math.random() * 20000);
let release: () => Promise<void>;
let heldElsewhere: string;

function phoneBoot(args: string[]) {
  return uclab([
    'phone',
    'boot',
    '--tftp',
    `${address}:${port}`,
    '--mac',
    MAC,
    '--firmware',
    FIRMWARE,
    '--timeout',
    '300',
    ...args,
  ]);
}

beforeAll(async () => {
  const block = await claimAddressBlock();
  release = () => block.release();
  address = block.host(50);
  const lab = await Lab.create({ name: 'phone-boot-held-ctl', seed: 'phone-boot-held-ctl' });
  const p = await miniPki(lab, 'cucm-mixed');
  dir = mkdtempSync(join(tmpdir(), 'uclab-phone-boot-ctl-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'CTLFile.tlv'), buildCtl(p, address), { mode: 0o644 });
  writeFileSync(join(dir, 'ITLFile.tlv'), buildItl(p), { mode: 0o644 });
  writeFileSync(
    join(dir, `SEP${MAC}.cnf.xml.sgn`),
    buildSignedConfig(p, MAC, { protocol: 'SCCP', cm: 'cucm-mixed' }),
    { mode: 0o644 },
  );
  // A phone that holds the CTL of another cluster: none of its SASTs signed the served CTL.
  const other = await miniPki(lab, 'cucm-other');
  heldElsewhere = join(dir, 'held-elsewhere.tlv');
  writeFileSync(heldElsewhere, buildCtl(other, address), { mode: 0o644 });
  await lab.stop();
  if (!hasPeer('in.tftpd')) return;
  tftpd = spawn('in.tftpd', ['-L', '--address', `${address}:${port}`, '-s', dir], { stdio: 'ignore' });
  tftpd.on('error', (e) => process.stderr.write(`in.tftpd: ${e.message}\n`));
});

afterAll(async () => {
  if (tftpd && tftpd.exitCode === null) {
    const exited = new Promise<void>((r) => tftpd?.once('exit', () => r()));
    tftpd.kill('SIGTERM');
    const t = setTimeout(() => tftpd?.kill('SIGKILL'), 1000);
    await exited;
    clearTimeout(t);
  }
  rmSync(dir, { recursive: true, force: true });
  await release?.();
});

describe('uclab phone boot --held-ctl', () => {
  itWithPeers(
    ['in.tftpd'],
    'booted again with the CTL it kept, the phone finds its CTL unchanged',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'uclab-phone-ctl-state-'));
      try {
        const first = await phoneBoot(['--artifacts', out]);
        expect(JSON.parse(first.stdout).ctl.outcome, first.stderr).toBe('updated');
        const d = join(out, 'phones', `SEP${MAC}`);
        const kept = join(d, 'held', 'CTLFile.tlv');
        expect(existsSync(kept)).toBe(true);
        expect(readFileSync(kept).equals(readFileSync(join(dir, 'CTLFile.tlv')))).toBe(true);
        const again = await phoneBoot(['--held-ctl', kept, '--mic', join(d, 'MIC.pem'), join(d, 'MIC.key')]);
        expect(again.code, again.stderr).toBe(0);
        expect(JSON.parse(again.stdout).ctl.outcome).toBe('unchanged');
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    60_000,
  );

  itWithPeers(
    ['in.tftpd'],
    'a phone holding a CTL none of whose SASTs signed the served CTL refuses it, exit 1',
    async () => {
      const r = await phoneBoot(['--held-ctl', heldElsewhere]);
      expect(r.code, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout);
      expect(out.ctl.outcome).toBe('update-failed');
      expect(out.verdict.wouldTrust).toBe(false);
      expect(r.stderr).toContain('STATUS  Trust List Update Failed');
    },
    60_000,
  );

  it('a held file that is not a CTL is bad input, exit 2, before any network', async () => {
    const r = await uclab([
      'phone',
      'boot',
      '--tftp',
      '127.0.0.1:9',
      '--mac',
      MAC,
      '--held-ctl',
      join(dir, `SEP${MAC}.cnf.xml.sgn`),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--held-ctl .*: not a CTL file/);
  });
});
