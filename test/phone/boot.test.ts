import { afterEach, describe, expect, it } from 'vitest';
import '../../devices/phone/register.ts';
import { Role } from '../../certs/ctl.ts';
import { issueCertificate } from '../../certs/issue.ts';
import { cucmSelfSigned, faults } from '../../certs/profiles.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { Lab } from '../../emulator/lab.ts';
import {
  buildCtl,
  buildItl,
  buildSignedConfig,
  MiniCucm,
  type MiniPki,
  miniPki,
  type PhoneUnderTest,
  phoneWithCucm,
  plainConfig,
  statusShown,
} from './support.ts';

const MAC = '001122334455';
let lab: Lab | null = null;

afterEach(async () => {
  await lab?.stop();
  lab = null;
});

async function setup(opts: {
  firmware: string;
  model?: string;
  files: (p: MiniPki, mini: MiniCucm) => Record<string, Buffer>;
  tvs?: boolean;
  ccm?: 'good' | 'expired' | 'sha256' | 'sha1';
}) {
  lab = await Lab.create({ name: `phone-${opts.firmware}`, seed: 'phone-test' });
  const mini = lab.add(new MiniCucm('cucm', lab.context, ['cucm.lab.example']));
  const p = await miniPki(lab, 'cucm');
  if (opts.ccm === 'expired') {
    p.callManager = await issueCertificate(
      p.ctx,
      faults.expired(cucmSelfSigned(p.ctx, p.node, 'CallManager', { overrides: { hash: 'SHA-1' } }), '1d'),
    );
  } else if (opts.ccm === 'sha1') {
    p.callManager = await issueCertificate(p.ctx, faults.sha1(cucmSelfSigned(p.ctx, p.node, 'CallManager')));
  }
  mini.ccmIdentity = p.callManager;
  if (opts.tvs !== false) mini.tvsIdentity = p.tvs;
  for (const [k, v] of Object.entries(opts.files(p, mini))) mini.files.set(k, v);
  const built = lab.build({
    devices: [
      {
        kind: 'phone',
        name: `SEP${MAC}`,
        mac: MAC,
        firmware: opts.firmware,
        ...(opts.model ? { model: opts.model } : {}),
        tftp: 'cucm',
        autoBoot: false,
        timers: { tftpTimeoutMs: 300, tftpRetries: 1 },
      },
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  return { lab, mini, p, phone: lab.device(`SEP${MAC}`, Phone) };
}

describe('phone boot: hand-made trust files (stand-in CUCM)', () => {
  it('phone without trust lists fetches the plain config', async () => {
    const { phone } = await setup({
      firmware: 'sccp-79xx-9.4',
      files: () => ({ [`SEP${MAC}.cnf.xml`]: plainConfig(MAC, { protocol: 'SCCP', cm: 'cucm' }) }),
    });
    const r = await phone.boot();
    expect(r.config.outcome).toBe('plain');
    expect(phone.state).toBe('registered');
  });

  it('79xx asks for ITLSEP<MAC>.tlv before ITLFile.tlv', async () => {
    const { phone } = await setup({
      firmware: 'sccp-79xx-9.4',
      files: (p) => ({ 'ITLFile.tlv': buildItl(p) }),
    });
    await phone.boot();
    const reqs = phone.logLines().filter((l) => /Requesting ITL/.test(l));
    expect(reqs[0]).toContain(`ITLSEP${MAC}.tlv`);
    expect(reqs[1]).toContain('ITLFile.tlv');
  });

  it('phone rejects a new ITL signed by an unknown signer when TVS does not vouch for it', async () => {
    const { phone, mini, p } = await setup({
      firmware: 'sccp-79xx-9.4',
      files: (pk) => ({ 'ITLFile.tlv': buildItl(pk) }),
    });
    await phone.boot();
    const newRecovery = await issueCertificate(p.ctx, cucmSelfSigned(p.ctx, p.node, 'ITLRecovery'));
    mini.files.set(
      'ITLFile.tlv',
      buildItl(p, newRecovery, [...(await import('./support.ts')).itlRecords(p)]),
    );
    const r = await phone.boot();
    expect(r.itl.outcome).toBe('update-failed');
    expect(phone.statusMessages()).toContain('Trust List Update Failed');
  });

  it('phone refuses TVS when its certificate is not the ITL TVS record', async () => {
    const { phone, mini, p } = await setup({
      firmware: 'sip-88xx-14.2',
      files: (pk) => ({ 'ITLFile.tlv': buildItl(pk) }),
    });
    await phone.boot();
    const newRecovery = await issueCertificate(p.ctx, cucmSelfSigned(p.ctx, p.node, 'ITLRecovery'));
    mini.tvsKnows.push({ cert: newRecovery.cert, der: newRecovery.certDer, roles: [Role.SAST] });
    // Make the held ITL's TVS record differ from what TVS presents.
    const otherTvs = await issueCertificate(p.ctx, cucmSelfSigned(p.ctx, p.node, 'TVS'));
    phone.deleteTrustList('ITL');
    mini.files.set('ITLFile.tlv', buildItl({ ...p, tvs: otherTvs }));
    await phone.boot();
    mini.files.set('ITLFile.tlv', buildItl(p, newRecovery));
    const r = await phone.boot();
    expect(r.itl.outcome).toBe('update-failed');
    expect(phone.statusMessages()).toContain('Trust List Update Failed');
  });

  it('phone reports a corrupt CTL as Trust List Verification Failed', async () => {
    const { phone } = await setup({
      firmware: 'sccp-79xx-9.4',
      files: (pk, m) => {
        const b = buildCtl(pk, m.address);
        b[b.length - 10] = (b[b.length - 10] ?? 0) ^ 0xff;
        return { 'CTLFile.tlv': b };
      },
    });
    const r = await phone.boot();
    expect(r.ctl.outcome).toBe('verification-failed');
    expect(phone.statusMessages()).toContain('Trust List Verification Failed');
  });
});

describe('phone registration: hand-made CallManager certificates (stand-in CUCM)', () => {
  const secureFiles = (p: MiniPki, m: MiniCucm) => ({
    'CTLFile.tlv': buildCtl(p, m.address),
    'ITLFile.tlv': buildItl(p),
    [`SEP${MAC}.cnf.xml.sgn`]: buildSignedConfig(p, MAC, { protocol: 'SCCP', cm: 'cucm', mode: 3 }),
  });

  it('a 7940 registers over TLS 1.0', async () => {
    const { phone, lab: l } = await setup({
      firmware: 'sccp-7940-8.1',
      model: 'CP-7940',
      ccm: 'sha1',
      files: secureFiles,
    });
    const r = await phone.boot();
    expect(r.registration.state).toBe('registered');
    expect(l.timeline.ofKind('tls.handshake', phone.name).at(-1)?.version).toBe('TLSv1');
  });

  it('a 7940 refuses a TFTP server whose address is not in its CTL, a 7975 accepts it', async () => {
    for (const [firmware, model, expected] of [
      ['sccp-7940-8.1', 'CP-7940', 'tftp-not-authorized'],
      ['sccp-79xx-9.4', 'CP-7975', 'unchanged'],
    ] as const) {
      const { phone, mini, p } = await setup({
        firmware,
        model,
        files: (pk) => ({ 'CTLFile.tlv': buildCtl(pk, '127.0.0.99') }),
      });
      await phone.boot();
      void mini;
      void p;
      const r = await phone.boot();
      expect(r.ctl.outcome).toBe(expected);
      if (expected === 'tftp-not-authorized')
        expect(phone.statusMessages()).toContain('TFTP Server Not Authorized');
      await lab?.stop();
      lab = null;
    }
  });
});

const SCCP79: PhoneUnderTest = {
  mac: MAC,
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'non-secure',
  line: '1001',
};
const SCCP7940: PhoneUnderTest = { ...SCCP79, model: 'CP-7940', firmware: 'sccp-7940-8.1' };
const SIP88: PhoneUnderTest = { ...SCCP79, model: 'CP-8861', firmware: 'sip-88xx-14.2', protocol: 'SIP' };
const MIXED = { mixedMode: 'etoken', etokens: 2 };
const NAME = `SEP${MAC}`;

async function withCucm(p: PhoneUnderTest, cucm: Record<string, unknown> = {}) {
  const t = await phoneWithCucm(`phone-boot-${p.firmware}`, p, cucm);
  lab = t.lab;
  return t;
}

describe('phone boot against the CUCM model', () => {
  it('phone without trust lists accepts the first ITL on leap of faith and verifies the signed config', async () => {
    const t = await withCucm(SCCP79);
    const r = await t.phone.boot();
    expect(r.itl.outcome).toBe('updated');
    expect(r.config.outcome).toBe('verified');
    expect(statusShown(t.lab, NAME)).toContain('Trust List Updated');
    expect(
      t.lab.timeline
        .logLines(NAME)
        .some((l) => /SECD: validate_file_envelope: File sign verify SUCCESS; header length <\d+>/.test(l)),
    ).toBe(true);
    expect(r.registration.state).toBe('registered');
    expect(t.lab.timeline.ofKind('cucm.registered', 'cucm-pub').map((e) => e.deviceName)).toEqual([NAME]);
  });

  it('a 7940 never asks for an ITL (no Security by Default)', async () => {
    const t = await withCucm(SCCP7940);
    const r = await t.phone.boot();
    expect(r.itl.outcome).toBe('not-supported');
    expect(t.lab.timeline.logLines(NAME).some((l) => l.includes('ITL'))).toBe(false);
  });

  it('phone accepts a new ITL signer that TVS vouches for, and caches the answer for 24 hours', async () => {
    // Before 12.0 CallManager signs the ITL: regenerating it gives the ITL a signer the phone does not know.
    const t = await withCucm(SIP88, { release: '11.5' });
    await t.phone.boot();
    const since = t.lab.timeline.events().length;
    await t.cucm.exec('set cert regen CallManager');
    const r = await t.phone.reset();
    expect(r.itl.outcome).toBe('updated');
    expect(statusShown(t.lab, NAME, since)).toContain('Trust List Updated');
    const lines = t.lab.timeline.logLines(NAME);
    expect(lines.some((l) => l.includes('TVS added cert to TVS cache - expires in 24 hours'))).toBe(true);
    expect(
      lines.some((l) =>
        l.includes('SECUREAPP-TVS process request - processing TVS Query Certificate request'),
      ),
    ).toBe(true);
  });

  it('phone rejects a CTL signed by a token its installed CTL does not hold', async () => {
    const t = await withCucm(SCCP79, MIXED);
    await t.phone.boot();
    expect(statusShown(t.lab, NAME)).toContain('Trust List Updated');
    const since = t.lab.timeline.events().length;
    const replaced = await t.cucm.replaceEtokens();
    expect(replaced.ok).toBe(true);
    const r = await t.phone.reset();
    expect(r.ctl.outcome).toBe('update-failed');
    expect(statusShown(t.lab, NAME, since)).toContain('Trust List Update Failed');
  });

  it('trust list menu shows the CTL and ITL MD5 sums', async () => {
    const t = await withCucm(SCCP79, MIXED);
    await t.phone.boot();
    const menu = t.phone.trustListMenu();
    expect(menu).toMatch(/CTL File: [0-9a-f]{32}/);
    expect(menu).toMatch(/ITL File: [0-9a-f]{32}/);
    expect(menu).toContain('CCM+TFTP');
  });
});

describe('phone registration against the CUCM model', () => {
  it('registers over SCCP TLS on 2443 when the config asks for encryption and the CTL holds the CallManager', async () => {
    const t = await withCucm({ ...SCCP79, security: 'encrypted' }, MIXED);
    const r = await t.phone.boot();
    expect(r.registration).toMatchObject({ state: 'registered', secure: true, transport: 'SCCP/TLS' });
    const hs = t.lab.timeline.ofKind('tls.handshake', NAME).at(-1);
    expect(hs?.peerCert?.subject).toContain('cucm-pub');
  });

  it('a 7940 (SHA-1 only) refuses a SHA-256 CallManager certificate', async () => {
    const t = await withCucm({ ...SCCP7940, security: 'encrypted' }, MIXED);
    const r = await t.phone.boot();
    expect(r.registration.state).toBe('unregistered');
    expect(r.registration.detail).toContain('sha256');
  });

  it('an expired CallManager certificate gives SEC-ERR code:5(SSL_ALERT) subcode:45(EXPIRED_CERT)', async () => {
    const t = await withCucm(
      { ...SCCP79, security: 'encrypted' },
      { ...MIXED, certificates: { CallManager: { notBefore: '-400d', notAfter: '-1d' } } },
    );
    const r = await t.phone.boot();
    expect(r.registration.state).toBe('unregistered');
    expect(
      t.lab.timeline
        .logLines(NAME)
        .some((l) => l.includes('SEC-ERR: code:5(SSL_ALERT) subcode:45(EXPIRED_CERT)')),
    ).toBe(true);
  });

  it('a 7940 shows its own wording for an installed CTL', async () => {
    const t = await withCucm(SCCP7940, MIXED);
    await t.phone.boot();
    expect(statusShown(t.lab, NAME)).toContain('CTL Installed');
  });
});
