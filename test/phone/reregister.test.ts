/**
 * Re-registration: CallManager drops the registration connection (socket closed, keepalives not
 * acknowledged, the CallManager service restarts) and the phone shows "Registering" and registers again
 * by itself: the next CallManager of its group first, then the same one, with a doubling delay
 * (firmware profile `reRegistration`, shortened here through the declaration's timers).
 */
import { afterEach, describe, expect, it } from 'vitest';
import '../../devices/phone/register.ts';
import { Phone } from '../../devices/phone/phone.ts';
import type { LabEvent } from '../../emulator/events.ts';
import { Lab } from '../../emulator/lab.ts';
import { MiniCucm, plainConfig } from './support.ts';

const MAC = '001122334466';
let lab: Lab | null = null;

afterEach(async () => {
  await lab?.stop();
  lab = null;
});

type Timers = Record<string, number>;

async function setup(opts: { backup?: boolean; timers?: Timers } = {}) {
  lab = await Lab.create({ name: 'phone-reregister', seed: 'phone-reregister' });
  const mini = lab.add(new MiniCucm('cucm', lab.context, ['cucm.lab.example']));
  const backup = opts.backup ? lab.add(new MiniCucm('cucm2', lab.context, ['cucm2.lab.example'])) : null;
  mini.files.set(
    `SEP${MAC}.cnf.xml`,
    plainConfig(MAC, { protocol: 'SCCP', cm: 'cucm', ...(opts.backup ? { backups: ['cucm2'] } : {}) }),
  );
  const built = lab.build({
    devices: [
      {
        kind: 'phone',
        name: `SEP${MAC}`,
        mac: MAC,
        firmware: 'sccp-79xx-9.4',
        tftp: 'cucm',
        autoBoot: false,
        timers: {
          tftpTimeoutMs: 300,
          tftpRetries: 1,
          reRegisterDelayMs: 50,
          reRegisterMaxDelayMs: 200,
          ...opts.timers,
        },
      },
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  const phone = lab.device(`SEP${MAC}`, Phone);
  const r = await phone.boot();
  expect(r.registration.state).toBe('registered');
  return { lab, mini, backup, phone };
}

/** The "Registered" status message: logged once the phone has taken the registration in. */
const registeredStatus =
  (since: number) =>
  (e: LabEvent): boolean =>
    e.seq > since && e.kind === 'log' && e.source === 'status' && e.text === 'Registered';

const isRegistration =
  (state: string, since: number) =>
  (e: LabEvent): boolean =>
    e.seq > since && e.kind === 'phone.registration' && e.state === state;

describe('phone re-registration', () => {
  it('phone re-registers by itself when CallManager closes the registration connection', async () => {
    const { lab: l, mini, phone } = await setup();
    const since = l.timeline.events().length;
    mini.dropRegistrations();
    await l.timeline.waitFor('Registering', isRegistration('registering', since), { timeoutMs: 2000 });
    await l.timeline.waitFor('registered again', registeredStatus(since), { timeoutMs: 3000 });
    expect(mini.registrations).toBe(2);
    expect(phone.state).toBe('registered');
    expect(phone.statusMessages().slice(-2)).toEqual(['Registering', 'Registered']);
    expect(
      phone.logLines().some((x) => /registration with cucm:2000 lost \(CallManager closed/.test(x)),
    ).toBe(true);
  });

  it('after a CallManager service restart the phone keeps retrying, with backoff, until the port is back', async () => {
    const { lab: l, mini, phone } = await setup();
    const since = l.timeline.events().length;
    await mini.stopSccp();
    // Two attempts refused (connection refused on 2000), each shown as Registering.
    let seen = since;
    for (let i = 0; i < 3; i++) {
      const e = await l.timeline.waitFor('a registration attempt', isRegistration('registering', seen), {
        timeoutMs: 3000,
      });
      seen = e.seq;
    }
    expect(phone.state).toBe('registering');
    await mini.listenSccp();
    await l.timeline.waitFor('registered again', isRegistration('registered', since), { timeoutMs: 5000 });
    expect(phone.logLines().some((x) => /attempt 1 to cucm:2000 failed/.test(x))).toBe(true);
    expect(mini.registrations).toBe(2);
  });

  it('an SCCP phone fails over to the next CallManager of its group', async () => {
    const { lab: l, mini, backup, phone } = await setup({ backup: true });
    const since = l.timeline.events().length;
    await mini.stopSccp();
    const e = await l.timeline.waitFor('registered with the backup', isRegistration('registered', since), {
      timeoutMs: 3000,
    });
    expect(e.kind === 'phone.registration' && e.server).toBe('cucm2:2000');
    await l.timeline.waitFor('Registered shown', registeredStatus(since), { timeoutMs: 3000 });
    expect(backup?.registrations).toBe(1);
    expect(phone.lastBoot?.registration.server).toBe('cucm2:2000');
  });

  it('keepalives CallManager does not acknowledge make the phone drop the connection and re-register', async () => {
    const { lab: l, mini, phone } = await setup({ timers: { keepAliveSeconds: 0.05, missedKeepAlives: 2 } });
    const since = l.timeline.events().length;
    mini.ackKeepAlives = false;
    const lost = await l.timeline.waitFor(
      'the phone gives the registration up',
      (e) => e.seq > since && e.kind === 'action' && e.name === 'phone.re-register',
      { timeoutMs: 3000 },
    );
    expect(lost.kind === 'action' && lost.detail).toContain('2 keepalives not acknowledged');
    mini.ackKeepAlives = true;
    await l.timeline.waitFor('registered again', isRegistration('registered', lost.seq), { timeoutMs: 3000 });
    expect(phone.state).toBe('registered');
    expect(mini.registrations).toBeGreaterThanOrEqual(2);
  });

  it('the phone gives up after the bounded number of attempts and shows Unregistered', async () => {
    const { lab: l, mini, phone } = await setup({ timers: { reRegisterAttempts: 2 } });
    const since = l.timeline.events().length;
    await mini.stopSccp();
    await l.timeline.waitFor('given up', isRegistration('unregistered', since), { timeoutMs: 3000 });
    expect(phone.statusMessages().at(-1)).toBe('Unregistered');
    expect(phone.logLines().some((x) => /no CallManager answered after 2 attempts/.test(x))).toBe(true);
  });
});
