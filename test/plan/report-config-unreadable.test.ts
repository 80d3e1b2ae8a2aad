/**
 * CAPF regenerated: a phone with TFTP Encrypted Config cannot read its configuration until its LSC
 * is reissued (CUCM trusts no certificate of it to encrypt to and serves only the stub). The report
 * counts it as `config-unreadable`, in the phone's words, from its events.
 */
import { describe, expect, it } from 'vitest';
import '../../devices/phone/events.ts';
import type { BootReport } from '../../devices/phone/events.ts';
import { Timeline } from '../../emulator/events.ts';
import { classify, observePhones } from '../../emulator/plan/outcome.ts';
import { runPlan } from '../../emulator/plan/run.ts';
import { catalogPlan } from './catalogue-support.ts';

const PHONE = 'SEPB00000000002';
const STUB = `${PHONE}.cnf.xml.sgn`;
const ENC = `${PHONE}.cnf.xml.enc.sgn`;
const WHY = `the stub of an encrypted config; ${ENC} could not be fetched`;

function boot(over: Partial<Omit<BootReport, 'schemaVersion'>>): Omit<BootReport, 'schemaVersion'> {
  return {
    phone: PHONE,
    model: 'CP-8865',
    firmware: 'sip-88xx-14.2',
    tftp: { host: 'cucm-pub', address: '127.1.1.10', port: 69 },
    ctl: { outcome: 'updated', md5: 'aa' },
    itl: { outcome: 'updated', md5: 'bb' },
    config: { file: STUB, outcome: 'decrypt-failed', deviceSecurityMode: null },
    capf: null,
    registration: { state: 'unregistered', secure: false, transport: null, server: null, detail: '' },
    certificates: { mic: `CN=CP-8865-${PHONE}`, lsc: `CN=CP-8865-${PHONE}` },
    status: ['Trust List Updated', `Config File Decryption Failed ${ENC}`],
    ...over,
  };
}

function watch() {
  const t = new Timeline('test');
  const o = observePhones(t, [PHONE]);
  const view = () => {
    const v = o.views.get(PHONE);
    if (!v) throw new Error('no view');
    return classify(v);
  };
  return { t, view };
}

const config = (outcome: 'decrypt-failed' | 'decrypted', file: string, reason: string | null) => ({
  file,
  outcome,
  signer: 'CN=cucm-pub.lab.example',
  via: 'trust-list' as const,
  deviceSecurityMode: outcome === 'decrypted' ? 3 : null,
  reason,
});

describe('an encrypted config the phone cannot read', () => {
  it('is config-unreadable, in the status message and the reason the phone gave', () => {
    const { t, view } = watch();
    t.emit(PHONE, 'action', { name: 'phone.boot', detail: '' });
    t.emit(PHONE, 'phone.config', config('decrypt-failed', STUB, WHY));
    t.emit(PHONE, 'phone.boot', boot({}));
    expect(view()).toEqual({
      state: 'config-unreadable',
      reason: `Config File Decryption Failed ${ENC}: ${STUB}: ${WHY}`,
    });
  });

  it('read later in the same boot (a new LSC from CAPF) leaves no refusal in the reason', () => {
    const { t, view } = watch();
    t.emit(PHONE, 'action', { name: 'phone.boot', detail: '' });
    t.emit(PHONE, 'phone.config', config('decrypt-failed', STUB, WHY));
    t.emit(PHONE, 'phone.config', config('decrypted', ENC, null));
    t.emit(PHONE, 'phone.registration', {
      state: 'registered',
      secure: true,
      transport: 'SIP/TLS',
      server: 'cucm-pub:5061',
      detail: '',
      retry: false,
    });
    t.emit(
      PHONE,
      'phone.boot',
      boot({
        config: { file: ENC, outcome: 'decrypted', deviceSecurityMode: 3 },
        registration: {
          state: 'registered',
          secure: true,
          transport: 'SIP/TLS',
          server: 'cucm-pub:5061',
          detail: '',
        },
      }),
    );
    expect(view()).toEqual({ state: 'trusted', reason: 'Registered (SIP/TLS cucm-pub:5061)' });
  });
});

/** The catalogue's CAPF plan at a dozen phones (every group still present). */
function smallCapfPlan(file: string) {
  const plan = catalogPlan(file);
  return { ...plan, fleet: { ...plan.fleet, size: 12 } };
}

describe('CAPF regenerated, over the wire (12 phones)', { timeout: 300_000 }, () => {
  it.concurrent('without a reissue, encrypted-config phones end config-unreadable after regen-capf', async () => {
    const { report } = await runPlan(smallCapfPlan('capf-regen-lsc-reissue.broken.yaml'), { workers: 1 });
    const enc = report.phones.filter((p) => p.group === 'lsc-encrypted-config');
    expect(enc.length).toBeGreaterThan(0);
    for (const p of enc) {
      expect(p.outcome, p.name).toBe('config-unreadable');
      expect(p.changedAt, p.name).toBe('regen-capf');
      expect(p.reason, p.name).toContain(`Config File Decryption Failed ${p.name}.cnf.xml.enc.sgn`);
    }
    const unreadable = report.byStep.map((s) => s.counts['config-unreadable']);
    expect(unreadable).toEqual([0, enc.length, enc.length]);
    expect(report.exitCode).toBe(1);
  });

  it.concurrent('with the LSCs reissued they read their config again and register', async () => {
    const { report } = await runPlan(smallCapfPlan('capf-regen-lsc-reissue.yaml'), { workers: 1 });
    const enc = report.phones.filter((p) => p.group === 'lsc-encrypted-config');
    expect(enc.length).toBeGreaterThan(0);
    for (const p of enc)
      expect(p.states, p.name).toEqual(['trusted', 'config-unreadable', 'config-unreadable', 'trusted']);
    expect(report.exitCode).toBe(0);
  });
});
