/**
 * Firmware profile switches, live: the phone model against real peers. `openssl s_server` stands in
 * for CUCM's TLS port (2443 SCCP, 5061 SIP) so that what fails is OpenSSL's own negotiation or the
 * phone's rule on a certificate OpenSSL sent; `in.tftpd` (tftp-hpa) serves the trust files as any
 * TFTP server would. One behaviour switch per test.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import '../../devices/phone/register.ts';
import type { Identity } from '../../certs/issue.ts';
import { issueCertificate } from '../../certs/issue.ts';
import { cucmSelfSigned, faults } from '../../certs/profiles.ts';
import { firmwareProfile } from '../../devices/phone/firmware-profiles.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { claimAddressBlock } from '../../emulator/address-block.ts';
import { Lab } from '../../emulator/lab.ts';
import { itWithPeers, startPeer } from '../support/peers.ts';
import {
  buildCtl,
  buildItl,
  buildSignedConfig,
  MiniCucm,
  type MiniPki,
  miniPki,
  plainConfig,
} from './support.ts';

const MAC = '0011223344AA';
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'uclab-phone-switch-'));
  chmodSync(dir, 0o755);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A lab with the mini CUCM serving CTL + ITL + a signed config that names `cucm-stub` as CallManager,
 * and `openssl s_server` on cucm-stub's address presenting `serverCert` (which the CTL holds).
 */
async function tlsLab(opts: {
  firmware: string;
  model: string;
  protocol: 'SCCP' | 'SIP';
  serverCert: (p: MiniPki) => Promise<Identity>;
  serverArgs: string[];
}) {
  const lab = await Lab.create({ name: 'phone-switch', seed: 'phone-switch' });
  cleanups.push(() => lab.stop());
  const mini = lab.add(new MiniCucm('cucm', lab.context, ['cucm.lab.example']));
  const stubAddress = lab.fabric.addHost('cucm-stub');
  const p = await miniPki(lab, 'cucm-stub');
  const cert = await opts.serverCert(p);
  mini.files.set('CTLFile.tlv', Buffer.alloc(0));
  const built = lab.build({
    devices: [
      {
        kind: 'phone',
        name: `SEP${MAC}`,
        mac: MAC,
        model: opts.model,
        firmware: opts.firmware,
        tftp: 'cucm',
        autoBoot: false,
        timers: { tftpTimeoutMs: 300, tftpRetries: 1, tlsTimeoutMs: 1500 },
      },
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  mini.files.set('CTLFile.tlv', buildCtl(p, mini.address, undefined, cert));
  mini.files.set('ITLFile.tlv', buildItl(p));
  mini.files.set(
    `SEP${MAC}.cnf.xml.sgn`,
    // Signed by the CallManager certificate the CTL holds (the 7940 has no ITL to find another signer
    // in); .sgn signatures are RSA, so an ECDSA server's config is signed by the ITL's TFTP record.
    buildSignedConfig(p, MAC, {
      protocol: opts.protocol,
      cm: 'cucm-stub',
      mode: 3,
      signer: cert.key.asymmetricKeyType === 'rsa' ? cert : p.callManager,
    }),
  );
  const dir = tempDir();
  writeFileSync(join(dir, 'cert.pem'), cert.certPem);
  writeFileSync(join(dir, 'key.pem'), cert.keyPem);
  const port = opts.protocol === 'SCCP' ? 2443 : 5061;
  const server = await startPeer(
    'openssl',
    [
      's_server',
      '-accept',
      `${stubAddress}:${port}`,
      '-cert',
      join(dir, 'cert.pem'),
      '-key',
      join(dir, 'key.pem'),
      '-naccept',
      '1',
      ...opts.serverArgs,
    ],
    /ACCEPT/,
  );
  cleanups.push(() => server.stop());
  return { lab, phone: lab.device(`SEP${MAC}`, Phone), server };
}

const sha1Cert = (p: MiniPki) =>
  issueCertificate(p.ctx, faults.sha1(cucmSelfSigned(p.ctx, p.node, 'CallManager')));
const ecCert = (p: MiniPki) => issueCertificate(p.ctx, cucmSelfSigned(p.ctx, p.node, 'CallManager-ECDSA'));

describe('firmware TLS switches against openssl s_server', () => {
  itWithPeers(
    ['openssl'],
    'TLS 1.0-only firmware fails with protocol_version against a TLS 1.2-minimum server',
    async () => {
      expect(firmwareProfile('sccp-7940-8.1')?.tls.max).toBe('TLSv1');
      const { lab, phone } = await tlsLab({
        firmware: 'sccp-7940-8.1',
        model: 'CP-7940',
        protocol: 'SCCP',
        serverCert: sha1Cert,
        serverArgs: ['-tls1_2', '-cipher', 'DEFAULT@SECLEVEL=0'],
      });
      const r = await phone.boot();
      expect(r.registration.state).toBe('unregistered');
      const failed = lab.timeline.ofKind('tls.failed', phone.name).at(-1);
      expect(failed?.alert?.name).toBe('protocol_version');
      expect(
        phone.logLines().some((l) => l.includes('SEC-ERR: code:5(SSL_ALERT) subcode:70(PROTOCOL_VERSION)')),
      ).toBe(true);
    },
  );

  itWithPeers(
    ['openssl'],
    'SHA-1-only firmware refuses a SHA-256-signed CallManager certificate',
    async () => {
      const { lab, phone } = await tlsLab({
        firmware: 'sccp-7940-8.1',
        model: 'CP-7940',
        protocol: 'SCCP',
        serverCert: (p) => issueCertificate(p.ctx, cucmSelfSigned(p.ctx, p.node, 'CallManager')),
        serverArgs: ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0'],
      });
      const r = await phone.boot();
      expect(r.registration.state).toBe('unregistered');
      // The TLS 1.0 handshake itself completed: the refusal is the phone's rule on the signature hash.
      const hs = lab.timeline.ofKind('tls.handshake', phone.name).at(-1);
      expect(hs?.version).toBe('TLSv1');
      const verdict = lab.timeline.ofKind('tls.verdict', phone.name).at(-1);
      expect(verdict?.accepted).toBe(false);
      expect(verdict?.reason).toContain('cannot verify a sha256 signature');
    },
  );

  itWithPeers(
    ['openssl'],
    'the same SHA-1-only firmware accepts a SHA-1-signed CallManager certificate',
    async () => {
      const { lab, phone } = await tlsLab({
        firmware: 'sccp-7940-8.1',
        model: 'CP-7940',
        protocol: 'SCCP',
        serverCert: sha1Cert,
        serverArgs: ['-tls1', '-cipher', 'DEFAULT@SECLEVEL=0'],
      });
      await phone.boot();
      const verdict = lab.timeline.ofKind('tls.verdict', phone.name).at(-1);
      expect(verdict?.accepted).toBe(true);
    },
  );

  itWithPeers(['openssl'], 'firmware with EC support completes TLS with an ECDSA-only server', async () => {
    expect(firmwareProfile('sip-88xx-14.2')?.ecSupport).toBe(true);
    const { lab, phone } = await tlsLab({
      firmware: 'sip-88xx-14.2',
      model: 'CP-8861',
      protocol: 'SIP',
      serverCert: ecCert,
      serverArgs: ['-tls1_2'],
    });
    await phone.boot();
    const hs = lab.timeline.ofKind('tls.handshake', phone.name).at(-1);
    expect(hs?.cipher).toMatch(/ECDSA/);
    expect(lab.timeline.ofKind('tls.verdict', phone.name).at(-1)?.accepted).toBe(true);
  });

  itWithPeers(
    ['openssl'],
    'firmware without EC support cannot complete TLS with an ECDSA-only server',
    async () => {
      expect(firmwareProfile('sccp-79xx-9.4')?.ecSupport).toBe(false);
      const { lab, phone } = await tlsLab({
        firmware: 'sccp-79xx-9.4',
        model: 'CP-7975',
        protocol: 'SCCP',
        serverCert: ecCert,
        serverArgs: ['-tls1_2'],
      });
      const r = await phone.boot();
      expect(r.registration.state).toBe('unregistered');
      expect(lab.timeline.ofKind('tls.handshake', phone.name)).toHaveLength(0);
      expect(lab.timeline.ofKind('tls.failed', phone.name).at(-1)?.alert?.name).toBe('handshake_failure');
    },
  );
});

describe('firmware trust-file switches against in.tftpd', () => {
  /** in.tftpd on an address outside the lab, serving `files`; the phone reaches it as an external server. */
  async function tftpd(files: (address: string) => Record<string, Buffer>) {
    const block = await claimAddressBlock();
    cleanups.push(() => block.release());
    const address = block.host(60);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    for (const [name, data] of Object.entries(files(address)))
      writeFileSync(join(dir, name), data, { mode: 0o644 });
    const child: ChildProcess = spawn('in.tftpd', ['-L', '--address', `${address}:${port}`, '-s', dir], {
      stdio: 'ignore',
    });
    cleanups.push(
      () =>
        new Promise<void>((res) => {
          if (child.exitCode !== null) return res();
          child.once('exit', () => res());
          child.kill('SIGTERM');
        }),
    );
    return { address, port };
  }

  async function externalPhone(firmware: string, model: string, tftp: string) {
    const lab = await Lab.create({
      name: 'phone-switch-tftp',
      seed: 'phone-switch-tftp',
      allowExternal: true,
    });
    cleanups.push(() => lab.stop());
    const profile = firmwareProfile(firmware);
    if (!profile) throw new Error(firmware);
    const phone = lab.add(
      new Phone(
        {
          kind: 'phone',
          name: `SEP${MAC}`,
          aliases: [],
          mac: MAC,
          model,
          firmware,
          tftp,
          autoBoot: false,
          online: true,
          timers: { tftpTimeoutMs: 500, tftpRetries: 2 },
        },
        lab.context,
        { profile, external: true },
      ),
    );
    await lab.start();
    return phone;
  }

  async function pki() {
    const lab = await Lab.create({ name: 'phone-switch-files', seed: 'phone-switch-files' });
    const p = await miniPki(lab, 'cucm');
    await lab.stop();
    return p;
  }

  itWithPeers(
    ['in.tftpd'],
    'a 7940 refuses a TFTP server whose address is not in its CTL; a 7975 accepts it',
    async () => {
      const p = await pki();
      const server = await tftpd(() => ({
        // The CTL's CCM+TFTP record names another address than the server the phone boots from.
        'CTLFile.tlv': buildCtl(p, '127.0.0.99'),
        [`SEP${MAC}.cnf.xml`]: plainConfig(MAC, { protocol: 'SCCP', cm: 'cucm' }),
      }));
      const legacy = await externalPhone('sccp-7940-8.1', 'CP-7940', `${server.address}:${server.port}`);
      expect((await legacy.boot({ register: false })).ctl.outcome).toBe('updated');
      const again = await legacy.boot({ register: false });
      expect(again.ctl.outcome).toBe('tftp-not-authorized');
      expect(legacy.statusMessages()).toContain('TFTP Server Not Authorized');
      const modern = await externalPhone('sccp-79xx-9.4', 'CP-7975', `${server.address}:${server.port}`);
      await modern.boot({ register: false });
      expect((await modern.boot({ register: false })).ctl.outcome).toBe('unchanged');
    },
  );

  itWithPeers(
    ['in.tftpd'],
    'a 7940 is authorized when its TFTP server is the CTL record address',
    async () => {
      const p = await pki();
      const server = await tftpd((address) => ({ 'CTLFile.tlv': buildCtl(p, address) }));
      const legacy = await externalPhone('sccp-7940-8.1', 'CP-7940', `${server.address}:${server.port}`);
      await legacy.boot({ register: false });
      expect((await legacy.boot({ register: false })).ctl.outcome).toBe('unchanged');
    },
  );

  itWithPeers(['in.tftpd'], 'firmware without ITL support ignores the ITL the server offers', async () => {
    const p = await pki();
    const server = await tftpd(() => ({
      'ITLFile.tlv': buildItl(p),
      [`SEP${MAC}.cnf.xml`]: plainConfig(MAC, { protocol: 'SCCP', cm: 'cucm' }),
    }));
    const legacy = await externalPhone('sccp-7940-8.1', 'CP-7940', `${server.address}:${server.port}`);
    const r = await legacy.boot({ register: false });
    expect(r.itl.outcome).toBe('not-supported');
    expect(legacy.trust.itl).toBeNull();
    expect(legacy.logLines().some((l) => l.includes('ITL'))).toBe(false);
    expect(r.config.outcome).toBe('plain');
    const modern = await externalPhone('sccp-79xx-9.4', 'CP-7975', `${server.address}:${server.port}`);
    expect((await modern.boot({ register: false })).itl.outcome).toBe('updated');
  });
});
