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
import { MiniCucm, phoneWithCucm, plainConfig, statusShown } from './support.ts';

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
    // The CUCM model: `utils system restart` drops every registration connection from its end.
    const t = await phoneWithCucm('phone-reregister-cucm', {
      mac: MAC,
      model: 'CP-7975',
      firmware: 'sccp-79xx-9.4',
      protocol: 'SCCP',
      security: 'non-secure',
      timers: { reRegisterDelayMs: 50, reRegisterMaxDelayMs: 200 },
    });
    lab = t.lab;
    const name = `SEP${MAC}`;
    await t.phone.boot();
    const since = t.lab.timeline.events().length;
    await t.cucm.exec('utils system restart');
    await t.lab.timeline.waitFor('Registering', isRegistration('registering', since), { timeoutMs: 2000 });
    await t.lab.timeline.waitFor('registered again', registeredStatus(since), { timeoutMs: 5000 });
    const registered = t.lab.timeline
      .ofKind('cucm.registered', 'cucm-pub')
      .filter((e) => e.deviceName === name);
    expect(registered.length).toBe(2);
    expect(statusShown(t.lab, name, since)).toEqual(['Registering', 'Registered']);
    expect(
      t.lab.timeline
        .logLines(name)
        .some((x) => /registration with cucm-pub:2000 lost \(CallManager closed/.test(x)),
    ).toBe(true);
  });

  it('after a CallManager service restart the phone keeps retrying, with backoff, until the port is back', async () => {
    // Delays double from 100 ms up to the 400 ms cap: 100, 200, 400, 400.
    const { lab: l, mini } = await setup({
      timers: { reRegisterDelayMs: 100, reRegisterMaxDelayMs: 400, reRegisterAttempts: 10 },
    });
    const since = l.timeline.events().length;
    await mini.stopSccp();
    // The registration lost, then one "Registering" per attempt (each refused on 2000).
    const shown: LabEvent<'phone.registration'>[] = [];
    for (let i = 0; i < 5; i++) {
      const e = await l.timeline.waitFor(
        'a registration attempt',
        isRegistration('registering', shown.at(-1)?.seq ?? since),
        { timeoutMs: 3000 },
      );
      shown.push(e as LabEvent<'phone.registration'>);
    }
    expect(shown.every((e) => e.retry)).toBe(true);
    // When each attempt started, from the timeline: timers never fire early, so each gap is at least
    // its delay (2 ms for the millisecond rounding of event times); a constant delay fails from the second.
    const gaps = shown.slice(1).map((e, i) => e.t - (shown[i] as LabEvent).t);
    const expected = [100, 200, 400, 400];
    expect(
      gaps.map((g, i) => g >= (expected[i] as number) - 2),
      `gaps between attempts: ${gaps.join(', ')} ms`,
    ).toEqual([true, true, true, true]);
    await mini.listenSccp();
    await l.timeline.waitFor('registered again', isRegistration('registered', since), { timeoutMs: 5000 });
    expect(l.timeline.logLines(`SEP${MAC}`).some((x) => /attempt 1 to cucm:2000 failed/.test(x))).toBe(true);
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
