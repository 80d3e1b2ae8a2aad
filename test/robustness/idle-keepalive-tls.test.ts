/**
 * The listener idle timeout (emulator/net/limits.ts) against secure phones: a registered phone's TLS
 * connection (SCCP on 2443, SIP on 5061) carries its keepalives, and that traffic restarts the idle
 * timer, so a phone that keeps alive as CallManager asks is never cut, while one that falls silent
 * past the idle timeout is. Short timers stand in for the real ones (idle 600 ms, keepalive 150 ms),
 * set through the lab's listener defaults and the phones' declared timers; the wait is for events.
 */
import { afterAll, describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { Phone } from '../../devices/phone/phone.ts';
import type { LabEvent } from '../../emulator/events.ts';
import { Lab } from '../../emulator/lab.ts';
import { mixedModeLab } from '../../scenarios/kits/cucm.ts';
import type { PhoneSpec } from '../../scenarios/kits/phone.ts';

const IDLE_MS = 600;
const SIP: PhoneSpec = {
  mac: 'A2A2A2A2A201',
  model: 'CP-8861',
  firmware: 'sip-88xx-14.2',
  protocol: 'SIP',
  security: 'encrypted',
  line: '3001',
};
const SCCP: PhoneSpec = {
  mac: 'A2A2A2A2A202',
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'encrypted',
  line: '3002',
};
const SILENT: PhoneSpec = { ...SIP, mac: 'A2A2A2A2A203', line: '3003' };
const KEEPALIVE_S: Record<string, number> = { [SIP.mac]: 0.15, [SCCP.mac]: 0.15, [SILENT.mac]: 30 };

let lab: Lab | undefined;
afterAll(async () => {
  await lab?.stop();
});

describe('the idle timeout and secure registered phones', () => {
  it('keepalives on a TLS registration restart the idle timer; a silent TLS phone is cut', async () => {
    lab = await Lab.create({ name: 'robust-idle-tls', listenerDefaults: { idleTimeoutMs: IDLE_MS } });
    const decl = mixedModeLab([SIP, SCCP, SILENT]);
    for (const d of decl.devices) {
      if (d.kind !== 'phone') continue;
      const mac = d.mac as string;
      d.timers = {
        tftpTimeoutMs: 400,
        tftpRetries: 1,
        keepAliveSeconds: KEEPALIVE_S[mac],
        reRegisterDelayMs: 50,
        reRegisterMaxDelayMs: 50,
        reRegisterAttempts: 100,
      };
    }
    const built = lab.build(decl);
    if (!built.ok) throw new Error(built.error.message);
    await lab.start();
    const l = lab;
    for (const p of [SIP, SCCP, SILENT]) {
      const r = await l.device(`SEP${p.mac}`, Phone).boot();
      if (r.registration.state !== 'registered') throw new Error(`SEP${p.mac}: ${r.registration.detail}`);
    }
    const registeredAt = l.timeline.events().length;
    const cuts = (mac: string) =>
      l.timeline
        .ofKind('net.timeout', 'cucm-pub')
        .filter((e) => e.remote.address === l.fabric.addressOf(`SEP${mac}`));
    await l.timeline.waitFor(
      'the silent phone to be cut by the idle timeout three times',
      () => cuts(SILENT.mac).length >= 3,
      { timeoutMs: 20_000 },
    );
    // The silent phone was cut on its TLS registration connection (5061), at the idle timeout.
    expect(cuts(SILENT.mac).map((e) => [e.proto, e.local.port, e.idleMs])).toContainEqual([
      'tls',
      5061,
      IDLE_MS,
    ]);
    for (const p of [SIP, SCCP]) {
      expect(cuts(p.mac), `SEP${p.mac} cut while keeping alive`).toEqual([]);
      const changes = l.timeline
        .ofKind('phone.registration', `SEP${p.mac}`)
        .filter((e: LabEvent<'phone.registration'>) => e.seq > registeredAt);
      expect(changes.map((e) => e.state)).toEqual([]);
    }
  }, 60_000);
});
