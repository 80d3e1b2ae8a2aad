import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrustList } from '../../certs/ctl.ts';
import { issueCertificate } from '../../certs/issue.ts';
import { cucmSelfSigned } from '../../certs/profiles.ts';
import { claimAddressBlock } from '../../emulator/address-block.ts';
import { registerPhoneBootCommand } from '../../emulator/cli/phone-boot.ts';
import { Lab } from '../../emulator/lab.ts';
import { unwrap } from '../../emulator/result.ts';
import { uclab } from '../support/cli.ts';
import { hasPeer, itWithPeers } from '../support/peers.ts';
import { buildItl, buildSignedConfig, itlRecords, miniPki } from './support.ts';

const MAC = '00AABBCCDDEE';
let dir: string;
let tftpd: ChildProcess | undefined;
let address: string;
const port = 20000 + Math.floor(Math.random() * 20000);
let release: () => Promise<void>;

/** `uclab phone boot` against the tftpd-hpa of this file, as a phone with this MAC and firmware. */
function bootFromTftpd(mac: string, firmware: string) {
  return uclabPhoneBoot([
    '--tftp',
    `${address}:${port}`,
    '--mac',
    mac,
    '--firmware',
    firmware,
    '--timeout',
    '300',
  ]);
}

function uclabPhoneBoot(args: string[]) {
  return uclab(['phone', 'boot', ...args]);
}

beforeAll(async () => {
  const block = await claimAddressBlock();
  release = () => block.release();
  address = block.host(50);
  // A lab writes the files (PKI, ITL, signed config) and stops: the TFTP server is not a lab device.
  const lab = await Lab.create({ name: 'phone-boot-files', seed: 'phone-boot-files' });
  const p = await miniPki(lab, 'cucm-real');
  dir = mkdtempSync(join(tmpdir(), 'uclab-phone-boot-'));
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'ITLFile.tlv'), buildItl(p), { mode: 0o644 });
  writeFileSync(
    join(dir, `SEP${MAC}.cnf.xml.sgn`),
    buildSignedConfig(p, MAC, { protocol: 'SIP', cm: 'cucm-real' }),
    { mode: 0o644 },
  );
  const stranger = await issueCertificate(p.ctx, cucmSelfSigned(p.ctx, p.node, 'CallManager'));
  writeFileSync(
    join(dir, 'SEP0000000000BB.cnf.xml.sgn'),
    buildSignedConfig(p, '0000000000BB', { protocol: 'SIP', cm: 'cucm-real', signer: stranger }),
    { mode: 0o644 },
  );
  writeFileSync(join(dir, 'ITLSEP0000000000BB.tlv'), buildItl(p), { mode: 0o644 });
  // An ITL whose signature is made with another key than the one of its SAST (ITLRecovery) record.
  const forged = unwrap(
    buildTrustList({
      kind: 'ITL',
      signer: { cert: p.itlRecovery.cert, key: p.tvs.key },
      timestamp: 1_700_000_000,
      records: itlRecords(p),
    }),
  );
  writeFileSync(join(dir, 'ITLSEP0000000000CC.tlv'), Buffer.from(forged), { mode: 0o644 });
  await lab.stop();
  // Without tftpd-hpa the tests below skip loudly (or fail under CI): nothing to start.
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

describe('uclab phone boot against tftpd-hpa', () => {
  itWithPeers(
    ['in.tftpd'],
    'validates the ITL and the signed config a plain TFTP server serves, exit 0',
    async () => {
      const r = await uclabPhoneBoot([
        '--tftp',
        `${address}:${port}`,
        '--mac',
        MAC,
        '--firmware',
        'sccp-79xx-9.4',
        '--model',
        'CP-7975',
      ]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.schemaVersion).toBe(1);
      expect(out.itl.outcome).toBe('updated');
      expect(out.config.outcome).toBe('verified');
      expect(out.verdict.wouldTrust).toBe(true);
      expect(r.stderr).toContain('STATUS  Trust List Updated');
      expect(r.stderr).toMatch(/SECD: validate_file_envelope: File sign verify SUCCESS; header length <\d+>/);
    },
    60_000,
  );

  itWithPeers(
    ['in.tftpd'],
    'a config signed by a certificate the ITL does not hold fails validation, exit 1',
    async () => {
      const r = await bootFromTftpd('0000000000BB', 'sip-88xx-14.2');
      expect(r.code, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout);
      expect(out.config.outcome).toBe('untrusted');
      expect(out.verdict.configValidated).toBe(false);
    },
    60_000,
  );

  itWithPeers(
    ['in.tftpd'],
    'an ITL signed by a key that does not match its SAST record fails validation, exit 1',
    async () => {
      const r = await bootFromTftpd('0000000000CC', 'sip-88xx-14.2');
      expect(r.code, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout);
      expect(out.schemaVersion).toBe(1);
      expect(out.itl.outcome).toBe('verification-failed');
      expect(out.verdict).toMatchObject({ trustListsValidated: false, wouldTrust: false });
      expect(r.stderr).toContain('STATUS  Trust List Verification Failed');
    },
    60_000,
  );

  itWithPeers(
    ['in.tftpd'],
    'a malformed MAC address is a usage error, exit 2',
    async () => {
      const r = await uclabPhoneBoot(['--tftp', `${address}:${port}`, '--mac', 'nonsense']);
      expect(r.code).toBe(2);
    },
    60_000,
  );
});

describe('uclab phone boot --help', () => {
  it('documents every option, the JSON output with its schemaVersion, and the exit codes', async () => {
    const r = await uclabPhoneBoot(['--help']);
    expect(r.code).toBe(0);
    const program = new Command();
    registerPhoneBootCommand(program);
    const boot = program.commands
      .find((c) => c.name() === 'phone')
      ?.commands.find((c) => c.name() === 'boot');
    const options = boot?.options ?? [];
    expect(options.length).toBeGreaterThanOrEqual(8);
    for (const o of options) {
      expect(r.stdout, o.flags).toContain(o.flags);
      expect(o.description.length, o.flags).toBeGreaterThan(0);
    }
    expect(r.stdout).toContain('schemaVersion');
    for (const code of ['0', '1', '2']) expect(r.stdout).toMatch(new RegExp(`^  ${code}  `, 'm'));
  });
});
