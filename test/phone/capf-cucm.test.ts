/**
 * The phone's CAPF client against the real CUCM model (devices/cucm, CAPF on 3804): every operation,
 * every authentication mode, and the firmware limits on the key CAPF asks for. CUCM's verdict is read
 * as an administrator reads it: `run sql select name,tkcertificatestatus from device` (seed 003
 * "Understand LSC Installation Status").
 */
import { afterEach, describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import type { CucmNodeDevice } from '../../devices/cucm/node.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { LscStatusCode } from '../../devices/protocols/lsc-status.ts';
import { Lab } from '../../emulator/lab.ts';

const MAC = '0011215ACAF1';
const NAME = `SEP${MAC}`;
let lab: Lab | null = null;

afterEach(async () => {
  await lab?.stop();
  lab = null;
});

type Capf = {
  operation: 'none' | 'install' | 'delete' | 'troubleshoot';
  authMode: 'auth-string' | 'null-string' | 'existing-lsc' | 'existing-mic';
  keySize?: 1024 | 2048 | 4096;
  curve?: 'P-256' | 'P-384' | 'P-521';
};

async function setup(opts: { firmware: string; model: string; protocol: 'SCCP' | 'SIP'; capf: Capf }) {
  lab = await Lab.create({ name: 'phone-capf-cucm', seed: 'phone-capf-cucm' });
  const built = lab.build({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        aliases: ['cucm-pub.lab.example'],
        capfTimeout: '3s',
        phones: [
          {
            name: NAME,
            model: opts.model,
            protocol: opts.protocol,
            security: 'non-secure',
            line: '1001',
            capf: opts.capf,
          },
        ],
      },
      {
        kind: 'phone',
        name: NAME,
        mac: MAC,
        model: opts.model,
        firmware: opts.firmware,
        tftp: 'cucm-pub',
        autoBoot: false,
        line: '1001',
        timers: { tftpTimeoutMs: 400, tftpRetries: 1 },
      },
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  return { lab, cucm: lab.device('cucm-pub') as CucmNodeDevice, phone: lab.device(NAME, Phone) };
}

/** tkcertificatestatus of the phone, from the admin CLI. */
async function certificateStatus(cucm: CucmNodeDevice): Promise<number> {
  const out = await cucm.exec('run sql select name,tkcertificatestatus from device');
  const line = out.split('\n').find((l) => l.toUpperCase().includes(NAME)) ?? '';
  return Number(/\s(\d+)\s*$/.exec(line)?.[1] ?? Number.NaN);
}

function capfLog(l: Lab): string[] {
  return l.timeline
    .ofKind('log', 'cucm-pub')
    .filter((e) => e.source === 'capf')
    .map((e) => e.text);
}

/** Schedules a CAPF operation and resets the phone so it picks it up from its config. */
async function schedule(cucm: CucmNodeDevice, phone: Phone, op: Capf) {
  const r = cucm.setCapfOperation(NAME, op);
  if (!r.ok) throw new Error(r.error.message);
  return phone.reset();
}

/** seed 003: 6 Upgrade Failed ... 17 Upgrade Failed: User Initiated Request Late/Timeout. */
const UPGRADE_FAILED = [6, 9, 10, 11, 12, 13, 14, 15, 16, 17];

const SIP88 = { firmware: 'sip-88xx-14.2', model: 'CP-8861', protocol: 'SIP' } as const;
const SCCP79 = { firmware: 'sccp-79xx-9.4', model: 'CP-7975', protocol: 'SCCP' } as const;

/** An 88xx SIP phone that has booted and installed its LSC (CAPF, null string). */
async function sip88PhoneWithLsc() {
  const t = await setup({ ...SIP88, capf: { operation: 'install', authMode: 'null-string' } });
  await t.phone.boot();
  return t;
}

describe('CAPF operations against the CUCM model', () => {
  it('CAPF Delete removes the LSC from the phone (status 4 Delete Success)', async () => {
    const { cucm, phone } = await sip88PhoneWithLsc();
    expect(phone.lsc).not.toBeNull();
    expect(await certificateStatus(cucm)).toBe(LscStatusCode.UPGRADE_SUCCESS);
    const r = await schedule(cucm, phone, { operation: 'delete', authMode: 'null-string' });
    expect(r.capf?.outcome).toBe('deleted');
    expect(phone.lsc).toBeNull();
    expect(phone.statusMessages()).toContain('LSC Deleted');
    expect(await certificateStatus(cucm)).toBe(LscStatusCode.DELETE_SUCCESS);
  });

  it('CAPF Troubleshoot fetches the LSC and leaves it on the phone (status 5 Troubleshoot Success)', async () => {
    const { lab: l, cucm, phone } = await sip88PhoneWithLsc();
    const lsc = phone.lsc?.certPem;
    const r = await schedule(cucm, phone, { operation: 'troubleshoot', authMode: 'null-string' });
    expect(r.capf?.outcome).toBe('fetched');
    expect(phone.lsc?.certPem).toBe(lsc);
    expect(await certificateStatus(cucm)).toBe(LscStatusCode.TROUBLESHOOT_SUCCESS);
    expect(capfLog(l).some((x) => x.endsWith('Certificate troubleshoot successful'))).toBe(true);
  });
});

describe('CAPF authentication by existing certificate', () => {
  it('precedence to MIC: the phone signs with its MIC key even when it holds an LSC', async () => {
    const { lab: l, cucm, phone } = await sip88PhoneWithLsc();
    const first = phone.lsc?.cert.serialNumber;
    const r = await schedule(cucm, phone, { operation: 'install', authMode: 'existing-mic' });
    expect(r.capf?.outcome).toBe('installed');
    expect(phone.lsc?.cert.serialNumber).not.toBe(first);
    expect(capfLog(l).some((x) => x.endsWith(`${NAME}:Authenticated by existing MIC`))).toBe(true);
    expect(await certificateStatus(cucm)).toBe(LscStatusCode.UPGRADE_SUCCESS);
  });

  it('precedence to LSC: the phone authenticates with the LSC it holds', async () => {
    const { lab: l, cucm, phone } = await sip88PhoneWithLsc();
    const r = await schedule(cucm, phone, { operation: 'install', authMode: 'existing-lsc' });
    expect(r.capf?.outcome).toBe('installed');
    expect(capfLog(l).some((x) => x.endsWith(`${NAME}:Authenticated by existing LSC`))).toBe(true);
    expect(capfLog(l).some((x) => x.endsWith(`${NAME}:Authenticated by existing MIC`))).toBe(false);
  });

  it('precedence to LSC falls back to the MIC when the phone has no LSC', async () => {
    const {
      lab: l,
      cucm,
      phone,
    } = await setup({
      ...SIP88,
      capf: { operation: 'install', authMode: 'existing-lsc' },
    });
    const r = await phone.boot();
    expect(r.capf?.outcome).toBe('installed');
    expect(capfLog(l).some((x) => x.endsWith(`${NAME}:Authenticated by existing MIC`))).toBe(true);
    expect(await certificateStatus(cucm)).toBe(LscStatusCode.UPGRADE_SUCCESS);
  });
});

describe('the key CAPF asks for, against the firmware', () => {
  it('an EC P-256 request gives an EC LSC on firmware with EC support', async () => {
    const { cucm, phone } = await setup({
      ...SIP88,
      capf: { operation: 'install', authMode: 'null-string', curve: 'P-256' },
    });
    const r = await phone.boot();
    expect(r.capf?.outcome).toBe('installed');
    expect(phone.lsc?.cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(phone.lsc?.cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(await certificateStatus(cucm)).toBe(LscStatusCode.UPGRADE_SUCCESS);
  });

  it('an EC request is refused by firmware without EC support (Key Generation Failed)', async () => {
    const { cucm, phone } = await setup({
      ...SCCP79,
      capf: { operation: 'install', authMode: 'null-string', curve: 'P-256' },
    });
    const r = await phone.boot();
    expect(r.capf?.outcome).not.toBe('installed');
    expect(phone.lsc).toBeNull();
    expect(phone.logLines().some((x) => x.includes('CAPF: cannot generate the requested key (type 1'))).toBe(
      true,
    );
    expect(UPGRADE_FAILED).toContain(await certificateStatus(cucm));
  });

  it('an RSA 4096 request is refused by firmware whose largest key is 2048 (Key Generation Failed)', async () => {
    const { cucm, phone } = await setup({
      ...SCCP79,
      capf: { operation: 'install', authMode: 'null-string', keySize: 4096 },
    });
    const r = await phone.boot();
    expect(r.capf?.outcome).not.toBe('installed');
    expect(phone.lsc).toBeNull();
    expect(phone.logLines().some((x) => x.includes('size 4096'))).toBe(true);
    expect(UPGRADE_FAILED).toContain(await certificateStatus(cucm));
  });

  // seed 003: a key the phone cannot generate is 14 "Upgrade Failed: Key Generation Failed/Timeout".
  it('CUCM records a refused key as 14 Upgrade Failed: Key Generation Failed/Timeout (seed 003)', async () => {
    const { cucm, phone } = await setup({
      ...SCCP79,
      capf: { operation: 'install', authMode: 'null-string', keySize: 4096 },
    });
    await phone.boot();
    expect(await certificateStatus(cucm)).toBe(LscStatusCode.UPGRADE_FAILED_KEYGEN_TIMEOUT);
  });
});
