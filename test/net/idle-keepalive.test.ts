/**
 * The listener idle timeout (emulator/net/limits.ts, 240 s by default) against registered phones: a
 * phone that keeps alive at the interval CallManager gives it is never cut, however long the lab runs;
 * one that falls silent for longer than the idle timeout is. Short timers stand in for the real ones:
 * an idle timeout of 600 ms, keepalives every 150 ms.
 */
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { Phone } from '../../devices/phone/phone.ts';
import type { LabEvent } from '../../emulator/events.ts';
import type { Lab } from '../../emulator/lab.ts';
import { DEFAULT_LISTENER_LIMITS } from '../../emulator/net/config.ts';
import { newLab } from './support.ts';

interface PhoneDecl {
  mac: string;
  protocol: 'SIP' | 'SCCP';
  keepAliveSeconds?: number;
}

const KEEPING_SIP: PhoneDecl = { mac: 'A1A1A1A1A101', protocol: 'SIP', keepAliveSeconds: 0.15 };
const KEEPING_SCCP: PhoneDecl = { mac: 'A1A1A1A1A102', protocol: 'SCCP', keepAliveSeconds: 0.15 };
const SILENT: PhoneDecl = { mac: 'A1A1A1A1A103', protocol: 'SIP', keepAliveSeconds: 30 };

async function phoneLab(name: string, phones: PhoneDecl[], idleTimeoutMs?: number): Promise<Lab> {
  const lab = await newLab(name, idleTimeoutMs ? { listenerDefaults: { idleTimeoutMs } } : {});
  const built = lab.build({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        phones: phones.map((p, i) => ({
          name: `SEP${p.mac}`,
          model: p.protocol === 'SIP' ? 'CP-8861' : 'CP-7975',
          protocol: p.protocol,
          security: 'non-secure',
          line: `20${i}`,
        })),
      },
      ...phones.map((p) => ({
        kind: 'phone',
        name: `SEP${p.mac}`,
        mac: p.mac,
        model: p.protocol === 'SIP' ? 'CP-8861' : 'CP-7975',
        firmware: p.protocol === 'SIP' ? 'sip-88xx-14.2' : 'sccp-79xx-9.4',
        tftp: 'cucm-pub',
        autoBoot: false,
        timers: {
          tftpTimeoutMs: 1000,
          ...(p.keepAliveSeconds !== undefined ? { keepAliveSeconds: p.keepAliveSeconds } : {}),
          reRegisterDelayMs: 50,
          reRegisterMaxDelayMs: 50,
          reRegisterAttempts: 100,
        },
      })),
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  for (const p of phones) {
    const r = await lab.device(`SEP${p.mac}`, Phone).boot();
    if (r.registration.state !== 'registered') throw new Error(`SEP${p.mac}: ${r.registration.detail}`);
  }
  return lab;
}

const idleCuts = (lab: Lab, mac: string) =>
  lab.timeline
    .ofKind('net.timeout', 'cucm-pub')
    .filter((e) => e.remote.address === lab.fabric.addressOf(`SEP${mac}`));

describe('the idle timeout and registered phones', () => {
  it('a phone keeping alive stays registered past many idle periods; a silent one is cut each time', async () => {
    const idle = 600;
    const lab = await phoneLab('idle-keepalive', [KEEPING_SIP, KEEPING_SCCP, SILENT], idle);
    const registeredAt = lab.timeline.events().length;
    // The silent phone is cut, re-registers, and is cut again: four cuts are more than four idle periods.
    await lab.timeline.waitFor(
      'the silent phone to be cut by the idle timeout four times',
      () => idleCuts(lab, SILENT.mac).length >= 4,
      { timeoutMs: 20_000 },
    );
    const elapsed =
      (lab.timeline.events().at(-1)?.t ?? 0) - (lab.timeline.events()[registeredAt - 1]?.t ?? 0);
    expect(elapsed).toBeGreaterThan(4 * idle);
    expect(idleCuts(lab, SILENT.mac).every((e) => e.idleMs === idle)).toBe(true);
    for (const p of [KEEPING_SIP, KEEPING_SCCP]) {
      expect(idleCuts(lab, p.mac)).toEqual([]);
      const changes = lab.timeline
        .ofKind('phone.registration', `SEP${p.mac}`)
        .filter((e: LabEvent<'phone.registration'>) => e.seq > registeredAt);
      expect(changes.map((e) => e.state)).toEqual([]);
    }
  }, 40_000);

  it('the default idle timeout is at least twice the keepalive CallManager asks of SIP and SCCP phones', async () => {
    // No shortened keepalive: the phones keep alive at what CUCM answered (SIP Expires, SCCP RegisterAck).
    const lab = await phoneLab('idle-default', [
      { mac: 'A1A1A1A1A104', protocol: 'SIP' },
      { mac: 'A1A1A1A1A105', protocol: 'SCCP' },
    ]);
    const line = (mac: string, re: RegExp) => {
      const l = lab.timeline.logLines(`SEP${mac}`).find((x) => re.test(x));
      return Number(re.exec(l ?? '')?.[1] ?? Number.NaN);
    };
    const sip = line('A1A1A1A1A104', /SIP: REGISTER 200 OK, expires (\d+)/);
    const sccp = line('A1A1A1A1A105', /SCCP: RegisterAck, keepalive (\d+)s/);
    expect([sip, sccp]).toEqual([120, 30]);
    const idle = DEFAULT_LISTENER_LIMITS.idleTimeoutMs ?? Number.POSITIVE_INFINITY;
    for (const seconds of [sip, sccp]) expect(2 * seconds * 1000).toBeLessThanOrEqual(idle);
  }, 40_000);
});
