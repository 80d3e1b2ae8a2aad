/**
 * What a phone puts on the timeline (devices/phone/events.ts), against the CUCM model: a report or the
 * live view must be able to tell a phone's story from these events alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../emulator/events.ts';
import type { Lab } from '../../emulator/lab.ts';
import { type PhoneUnderTest, phoneWithCucm } from './support.ts';

const MAC = '00112233BE01';
const NAME = `SEP${MAC}`;
const SCCP79: PhoneUnderTest = {
  mac: MAC,
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'non-secure',
  line: '1001',
};
const SIP88: PhoneUnderTest = { ...SCCP79, model: 'CP-8861', firmware: 'sip-88xx-14.2', protocol: 'SIP' };
const MIXED = { mixedMode: 'etoken', etokens: 2 };

let lab: Lab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

async function withCucm(name: string, p: PhoneUnderTest, cucm: Record<string, unknown> = {}) {
  const t = await phoneWithCucm(`phone-events-${name}`, p, cucm);
  lab = t.lab;
  return t;
}

const eventsSince = <K extends LabEvent['kind']>(l: Lab, kind: K, since: number) =>
  l.timeline.ofKind(kind, NAME).filter((e) => e.seq > since);

describe('phone events', () => {
  it('a boot ends with one phone.boot event that holds the whole boot report', async () => {
    const t = await withCucm('boot', SCCP79, MIXED);
    const report = await t.phone.boot();
    const boots = t.lab.timeline.ofKind('phone.boot', NAME);
    expect(boots).toHaveLength(1);
    const { schemaVersion, ...rest } = report;
    expect(schemaVersion).toBe(1);
    expect(boots[0]).toMatchObject(rest);
    expect(boots[0]?.ctl.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(boots[0]?.registration).toMatchObject({ state: 'registered', transport: 'SCCP/TCP' });
  });

  it('an installed trust list is a phone.trust-list event with the MD5 and records the Trust List menu shows', async () => {
    const t = await withCucm('trust-installed', SCCP79, MIXED);
    await t.phone.boot();
    const installed = t.lab.timeline.ofKind('phone.trust-list', NAME).filter((e) => e.change === 'installed');
    expect(installed.map((e) => e.list)).toEqual(['CTL', 'ITL']);
    const menu = t.phone.trustListMenu();
    for (const e of installed) expect(menu).toContain(`${e.list} File: ${e.md5}`);
    // The first CTL on leap of faith; the ITL then verified by the ITLRecovery SAST the CTL holds.
    expect(installed.map((e) => e.reason)).toEqual(['leap of faith', 'trust list']);
    expect(installed[0]?.records.some((r) => r.role === 'CCM+TFTP' && r.ipAddress === t.cucm.address)).toBe(
      true,
    );
  });

  it('erasing a trust list on the phone is a phone.trust-list event with no MD5', async () => {
    const t = await withCucm('trust-erased', SCCP79, MIXED);
    await t.phone.boot();
    const since = t.lab.timeline.events().length;
    t.phone.deleteTrustList('CTL');
    const erased = eventsSince(t.lab, 'phone.trust-list', since);
    expect(erased.map((e) => [e.list, e.change, e.md5, e.records.length])).toEqual([
      ['CTL', 'erased', null, 0],
    ]);
  });

  it('a refused trust list is a phone.trust-list event with the reason, and the MD5 the phone keeps', async () => {
    const t = await withCucm('trust-refused', SCCP79, MIXED);
    await t.phone.boot();
    const held = t.lab.timeline.ofKind('phone.trust-list', NAME).find((e) => e.list === 'CTL')?.md5;
    const since = t.lab.timeline.events().length;
    expect((await t.cucm.replaceEtokens()).ok).toBe(true);
    await t.phone.reset();
    const refused = eventsSince(t.lab, 'phone.trust-list', since).filter((e) => e.change === 'refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ list: 'CTL', md5: held });
    expect(refused[0]?.reason).toContain('is not a SAST of the installed CTL');
  });

  it('phone.config names the file, its signer and how the phone trusted it', async () => {
    const t = await withCucm('config', SIP88);
    await t.phone.boot();
    const cfg = t.lab.timeline.ofKind('phone.config', NAME);
    expect(cfg).toHaveLength(1);
    expect(cfg[0]).toMatchObject({
      file: `${NAME}.cnf.xml.sgn`,
      outcome: 'verified',
      via: 'trust-list',
      deviceSecurityMode: 1,
      reason: null,
    });
    expect(cfg[0]?.signer).toContain('cucm-pub');
  });

  it('phone.tvs records what TVS vouched for when the ITL signer changed (CUCM 11.5)', async () => {
    const t = await withCucm('tvs', SIP88, { release: '11.5' });
    await t.phone.boot();
    const since = t.lab.timeline.events().length;
    await t.cucm.exec('set cert regen CallManager');
    await t.phone.reset();
    const tvs = eventsSince(t.lab, 'phone.tvs', since);
    expect(tvs[0]).toMatchObject({
      request: 'query',
      outcome: 'vouched',
      server: expect.stringMatching(/:2445$/),
    });
    const itl = eventsSince(t.lab, 'phone.trust-list', since).find((e) => e.list === 'ITL');
    expect(itl).toMatchObject({ change: 'installed', reason: 'TVS', signer: tvs[0]?.subject });
  });

  it('phone.capf carries the outcome and the LSC the phone holds afterwards, issued by CAPF', async () => {
    const t = await withCucm('capf', SIP88, {
      phones: [
        {
          name: NAME,
          model: SIP88.model,
          protocol: 'SIP',
          security: 'non-secure',
          line: '1001',
          capf: { operation: 'install', authMode: 'null-string' },
        },
      ],
    });
    await t.phone.boot();
    const capf = t.lab.timeline.ofKind('phone.capf', NAME);
    expect(capf.map((e) => e.outcome)).toEqual(['installed']);
    const cn = /CN=(CAPF-[0-9a-f]{8})/.exec(await t.cucm.exec('show cert own CAPF/CAPF.pem'))?.[1];
    expect(cn).toBeDefined();
    expect(capf[0]?.lsc?.issuer).toContain(`CN=${cn}`);
    expect(capf[0]?.lsc?.subject).toContain(NAME);
  });

  it('phone.registration carries the transport, and marks the changes of a re-registration as retries', async () => {
    const t = await withCucm('registration', {
      ...SCCP79,
      timers: { reRegisterDelayMs: 50, reRegisterMaxDelayMs: 200 },
    });
    await t.phone.boot();
    const atBoot = t.lab.timeline.ofKind('phone.registration', NAME);
    expect(atBoot.map((e) => [e.state, e.transport, e.retry])).toEqual([
      ['registering', 'SCCP/TCP', false],
      ['registered', 'SCCP/TCP', false],
    ]);
    const since = t.lab.timeline.events().length;
    await t.cucm.exec('utils system restart');
    const again = await t.lab.timeline.waitFor(
      'registered again',
      (e) => e.seq > since && e.kind === 'phone.registration' && e.state === 'registered',
      { timeoutMs: 5000 },
    );
    expect(again).toMatchObject({ retry: true, transport: 'SCCP/TCP', server: 'cucm-pub:2000' });
  });

  it('a call CallManager cannot route is a failed phone.call with the reason the phone shows', async () => {
    const t = await withCucm('call', SIP88);
    await t.phone.boot();
    const r = await t.phone.call('9999');
    expect(r).toEqual({ error: '404 Not Found' });
    const calls = t.lab.timeline.ofKind('phone.call', NAME);
    expect(calls.map((e) => [e.state, e.peer, e.reason])).toEqual([['failed', '9999', '404 Not Found']]);
  });
});
