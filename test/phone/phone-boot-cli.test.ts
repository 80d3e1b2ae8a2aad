import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTrustList } from '../../certs/ctl.ts';
import { createPkiContext, issueCertificate } from '../../certs/issue.ts';
import { cucmSelfSigned } from '../../certs/profiles.ts';
import { claimAddressBlock } from '../../emulator/address-block.ts';
import { registerPhoneBootCommand } from '../../emulator/cli/phone-boot.ts';
import { Lab } from '../../emulator/lab.ts';
import { unwrap } from '../../emulator/result.ts';
import { issueLsc, startCucmLab } from '../cucm/support.ts';
import { uclab } from '../support/cli.ts';
import { hasPeer, itWithPeers } from '../support/peers.ts';
import { buildItl, buildSignedConfig, itlRecords, miniPki } from './support.ts';

const MAC = '00AABBCCDDEE';
let dir: string;
let tftpd: ChildProcess | undefined;
let address: string;
const port = 20000 + Math.floor(Math.random() * 20000);
let release: () => Promise<void>;
let heldElsewhere: string;
const createPkiContextFor = (seed: string) => createPkiContext({ seed: `phone-boot-${seed}` });
const mode = (f: string) => statSync(f).mode & 0o777;

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
  // A phone that holds an ITL from another cluster: the served ITL's signer is unknown to it.
  const other = await miniPki(lab, 'cucm-other');
  heldElsewhere = join(dir, 'held-elsewhere.tlv');
  writeFileSync(heldElsewhere, buildItl(other), { mode: 0o644 });
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

describe('uclab phone boot carries a phone state', () => {
  itWithPeers(
    ['in.tftpd'],
    '--artifacts keeps the MIC and key (0600), the files as received, the config, the key log and the report',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'uclab-phone-state-'));
      try {
        const r = await uclabPhoneBoot([
          '--tftp',
          `${address}:${port}`,
          '--mac',
          MAC,
          '--firmware',
          'sccp-79xx-9.4',
          '--artifacts',
          out,
        ]);
        expect(r.code, r.stderr).toBe(0);
        const d = join(out, 'phones', `SEP${MAC}`);
        expect(mode(join(d, 'MIC.key'))).toBe(0o600);
        expect(mode(join(out, 'keys.log'))).toBe(0o600);
        expect(
          readFileSync(join(d, 'tftp', 'ITLFile.tlv')).equals(readFileSync(join(dir, 'ITLFile.tlv'))),
        ).toBe(true);
        expect(
          readFileSync(join(d, 'held', 'ITLFile.tlv')).equals(readFileSync(join(dir, 'ITLFile.tlv'))),
        ).toBe(true);
        expect(readFileSync(join(d, 'config', `SEP${MAC}.cnf.xml`), 'utf8')).toContain('<device');
        expect(JSON.parse(readFileSync(join(d, 'boot-report.json'), 'utf8')).itl.outcome).toBe('updated');
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    60_000,
  );

  itWithPeers(
    ['in.tftpd'],
    'booted again with the ITL and MIC it kept, the phone finds its ITL unchanged',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'uclab-phone-state-'));
      try {
        const args = ['--tftp', `${address}:${port}`, '--mac', MAC, '--firmware', 'sccp-79xx-9.4'];
        expect((await uclabPhoneBoot([...args, '--artifacts', out])).code).toBe(0);
        const d = join(out, 'phones', `SEP${MAC}`);
        const again = await uclabPhoneBoot([
          ...args,
          '--held-itl',
          join(d, 'held', 'ITLFile.tlv'),
          '--mic',
          join(d, 'MIC.pem'),
          join(d, 'MIC.key'),
        ]);
        expect(again.code, again.stderr).toBe(0);
        const report = JSON.parse(again.stdout);
        expect(report.itl.outcome).toBe('unchanged');
        expect(report.certificates.mic).toBe(
          JSON.parse(readFileSync(join(d, 'boot-report.json'), 'utf8')).certificates.mic,
        );
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    60_000,
  );

  itWithPeers(
    ['in.tftpd'],
    'a phone holding an ITL that does not know the served ITL signer, with no TVS to ask, refuses it, exit 1',
    async () => {
      const r = await uclabPhoneBoot([
        '--tftp',
        `${address}:${port}`,
        '--mac',
        MAC,
        '--firmware',
        'sip-88xx-14.2',
        '--timeout',
        '300',
        '--held-itl',
        heldElsewhere,
      ]);
      expect(r.code, r.stderr).toBe(1);
      expect(JSON.parse(r.stdout).itl.outcome).toBe('update-failed');
      expect(r.stderr).toContain('STATUS  Trust List Update Failed');
    },
    60_000,
  );

  it('a held file that is not a trust list is bad input, exit 2, before any network', async () => {
    const r = await uclabPhoneBoot([
      '--tftp',
      '127.0.0.1:9',
      '--mac',
      MAC,
      '--held-itl',
      join(dir, `SEP${MAC}.cnf.xml.sgn`),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--held-itl .*: not a ITL file/);
  });

  it('an LSC whose key is not its certificate key is bad input, exit 2', async () => {
    const other = mkdtempSync(join(tmpdir(), 'uclab-phone-lsc-'));
    try {
      const a = await issueCertificate(createPkiContextFor('a'), { name: 'a', subject: 'CN=a' });
      const b = await issueCertificate(createPkiContextFor('b'), { name: 'b', subject: 'CN=b' });
      writeFileSync(join(other, 'lsc.pem'), a.certPem);
      writeFileSync(join(other, 'lsc.key'), b.keyPem, { mode: 0o600 });
      const r = await uclabPhoneBoot([
        '--tftp',
        '127.0.0.1:9',
        '--mac',
        MAC,
        '--lsc',
        join(other, 'lsc.pem'),
        join(other, 'lsc.key'),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('is not the key of the certificate');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('uclab phone boot against the lab CUCM', () => {
  itWithPeers(
    ['in.tftpd'],
    '--tvs: a phone holding the ITL from before a CallManager regeneration (11.5) asks the TVS named, not the TFTP host',
    async () => {
      const t = await startCucmLab('phone-boot-tvs', { release: '11.5' });
      const served = mkdtempSync(join(tmpdir(), 'uclab-phone-boot-tvs-'));
      chmodSync(served, 0o755);
      let peer: ChildProcess | undefined;
      try {
        const before = join(served, 'before.tlv');
        writeFileSync(before, t.pub.tftpFiles.itl().bytes, { mode: 0o644 });
        await t.pub.exec('set cert regen CallManager');
        writeFileSync(join(served, 'ITLFile.tlv'), t.pub.tftpFiles.itl().bytes, { mode: 0o644 });
        // The new ITL is served by tftpd-hpa; TVS runs on the lab's CUCM only.
        const tftpPort = port + 1;
        peer = spawn('in.tftpd', ['-L', '--address', `${address}:${tftpPort}`, '-s', served], {
          stdio: 'ignore',
        });
        const args = [
          '--tftp',
          `${address}:${tftpPort}`,
          '--mac',
          MAC,
          '--firmware',
          'sip-88xx-14.2',
          '--timeout',
          '300',
          '--held-itl',
          before,
        ];
        const asked = await uclabPhoneBoot([...args, '--tvs', `${t.pub.address}:2445`]);
        expect(JSON.parse(asked.stdout).itl.outcome, asked.stderr).toBe('updated');
        expect(asked.stderr).toContain('TVS added cert to TVS cache');
        const notAsked = await uclabPhoneBoot(args);
        expect(JSON.parse(notAsked.stdout).itl.outcome, notAsked.stderr).toBe('update-failed');
      } finally {
        peer?.kill('SIGTERM');
        await t.stop();
        rmSync(served, { recursive: true, force: true });
      }
    },
    90_000,
  );

  it('--lsc: the phone boots with the LSC it holds and keeps it with its key (0600) in the artifacts', async () => {
    const t = await startCucmLab('phone-boot-lsc');
    const out = mkdtempSync(join(tmpdir(), 'uclab-phone-boot-lsc-'));
    try {
      const lsc = await issueLsc(t.pub, '001122334455');
      writeFileSync(join(out, 'lsc.pem'), lsc.certPem);
      writeFileSync(join(out, 'lsc.key'), lsc.keyPem, { mode: 0o600 });
      const r = await uclabPhoneBoot([
        '--tftp',
        `${t.pub.address}:${t.lab.fabric.tftpPort()}`,
        '--mac',
        '001122334455',
        '--firmware',
        'sip-88xx-14.2',
        '--lsc',
        join(out, 'lsc.pem'),
        join(out, 'lsc.key'),
        '--artifacts',
        join(out, 'a'),
      ]);
      const report = JSON.parse(r.stdout);
      expect(report.certificates.lsc, r.stderr).toBe(lsc.cert.subject.replace(/\n/g, ', '));
      const d = join(out, 'a', 'phones', 'SEP001122334455');
      expect(readFileSync(join(d, 'LSC.pem'), 'utf8')).toBe(lsc.certPem);
      expect(mode(join(d, 'LSC.key'))).toBe(0o600);
    } finally {
      await t.stop();
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
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
