/**
 * A phone's state is read from its events only: these tests put the events a phone emits
 * (devices/phone/events.ts) on a timeline and check what the plan report makes of them.
 */
import { describe, expect, it } from 'vitest';
import '../../devices/phone/events.ts';
import type { BootReport } from '../../devices/phone/events.ts';
import { Timeline } from '../../emulator/events.ts';
import { classify, observePhones } from '../../emulator/plan/outcome.ts';

const PHONE = 'SEPB00000000001';

function boot(over: Partial<Omit<BootReport, 'schemaVersion'>> = {}): Omit<BootReport, 'schemaVersion'> {
  return {
    phone: PHONE,
    model: 'CP-8861',
    firmware: 'sip-88xx-14.2',
    tftp: { host: 'cucm-pub', address: '127.1.1.10', port: 69 },
    ctl: { outcome: 'not-found', md5: null },
    itl: { outcome: 'updated', md5: 'aa' },
    config: { file: `${PHONE}.cnf.xml.sgn`, outcome: 'verified', deviceSecurityMode: 1 },
    capf: null,
    registration: {
      state: 'registered',
      secure: false,
      transport: 'SIP/TCP',
      server: 'cucm-pub:5060',
      detail: '',
    },
    certificates: { mic: 'CN=CP-8861-SEPB00000000001', lsc: null },
    status: ['Trust List Updated', 'Registering', 'Registered'],
    ...over,
  };
}

function registration(state: 'registered' | 'unregistered' | 'registering', detail = '') {
  return {
    state,
    secure: false,
    transport: 'SIP/TCP',
    server: 'cucm-pub:5060',
    detail,
    retry: false,
  } as const;
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

describe('a phone state read from its events', () => {
  it('registered and never helped by TVS: trusted', () => {
    const { t, view } = watch();
    t.emit(PHONE, 'action', { name: 'phone.boot', detail: '' });
    t.emit(PHONE, 'phone.registration', registration('registered'));
    t.emit(PHONE, 'phone.boot', boot());
    expect(view().state).toBe('trusted');
  });

  it('registered after TVS vouched for a new signer: recovered-tvs, naming the signer', () => {
    const { t, view } = watch();
    t.emit(PHONE, 'phone.tvs', {
      subject: 'CN=cucm-pub.lab.example',
      issuer: 'CN=cucm-pub.lab.example',
      serial: '01',
      server: 'cucm-pub:2445',
      outcome: 'vouched',
      roles: [4],
      reason: 'TVS vouches for CN=cucm-pub.lab.example',
    });
    t.emit(PHONE, 'phone.registration', registration('registered'));
    t.emit(PHONE, 'phone.boot', boot());
    expect(view()).toMatchObject({ state: 'recovered-tvs', reason: expect.stringContaining('CN=cucm-pub') });
  });

  it('a refused ITL and no registration: lost-trust, in the status message and the refusal', () => {
    const { t, view } = watch();
    t.emit(PHONE, 'action', { name: 'phone.boot', detail: '' });
    t.emit(PHONE, 'phone.trust-list', {
      list: 'ITL',
      change: 'refused',
      md5: 'aa',
      signer: 'CN=cucm-pub',
      reason: 'signer CN=cucm-pub unknown and TVS cucm-pub: TVS certificate is not in the ITL (role 21)',
      records: [],
    });
    t.emit(PHONE, 'phone.registration', registration('unregistered', 'no trusted configuration'));
    t.emit(
      PHONE,
      'phone.boot',
      boot({
        itl: { outcome: 'update-failed', md5: 'aa' },
        config: { file: null, outcome: 'untrusted', deviceSecurityMode: null },
        registration: { state: 'unregistered', secure: false, transport: null, server: null, detail: 'x' },
        status: ['Trust List Update Failed'],
      }),
    );
    const c = view();
    expect(c.state).toBe('lost-trust');
    expect(c.reason).toBe(
      'Trust List Update Failed: ITL: signer CN=cucm-pub unknown and TVS cucm-pub: TVS certificate is not in the ITL (role 21)',
    );
  });

  it('an LSC refused by CUCM on TLS: lsc-invalid, with the console error', () => {
    const { t, view } = watch();
    t.emit(PHONE, 'action', { name: 'phone.boot', detail: '' });
    t.emit(PHONE, 'log', {
      source: 'console',
      level: 'error',
      text: 'ERR 22:17:15.024000 SECUREAPP-clpSndStatus: ** SEC-ERR: code:5(SSL_ALERT) subcode:48(UNKNOWN_CA)',
      fidelity: { kind: 'modelled' },
    });
    const detail = 'cucm-pub:5061 refused our certificate: alert unknown_ca(48)';
    t.emit(PHONE, 'phone.registration', registration('unregistered', detail));
    t.emit(
      PHONE,
      'phone.boot',
      boot({
        certificates: { mic: 'CN=CP-8861-SEPB00000000001', lsc: 'CN=CP-8861-SEPB00000000001' },
        registration: { state: 'unregistered', secure: true, transport: 'SIP/TLS', server: 'x', detail },
        status: ['Registering', 'Unregistered'],
      }),
    );
    expect(view()).toEqual({
      state: 'lsc-invalid',
      reason: `Unregistered: SECUREAPP-clpSndStatus: ** SEC-ERR: code:5(SSL_ALERT) subcode:48(UNKNOWN_CA): ${detail}`,
    });
  });

  it('the same refusal without an LSC: unregistered', () => {
    const { t, view } = watch();
    const detail = 'CallManager certificate cucm-pub (serial 01) is not in the CTL';
    t.emit(PHONE, 'phone.registration', registration('unregistered', detail));
    t.emit(PHONE, 'phone.boot', boot({ status: ['Registering', 'Unregistered'] }));
    expect(view()).toEqual({ state: 'unregistered', reason: `Unregistered: ${detail}` });
  });

  it('the latest registration counts, not the one the boot reached', () => {
    const { t, view } = watch();
    t.emit(PHONE, 'phone.registration', registration('registered'));
    t.emit(PHONE, 'phone.boot', boot());
    t.emit(PHONE, 'phone.registration', registration('unregistered', 'gave up after 10 attempts'));
    expect(view().state).toBe('unregistered');
  });

  it('switched off: offline until it is plugged in again', () => {
    const { t, view } = watch();
    t.emit(PHONE, 'phone.boot', boot());
    t.emit(PHONE, 'action', { name: 'phone.offline', detail: '' });
    expect(view().state).toBe('offline');
    t.emit(PHONE, 'action', { name: 'phone.online', detail: '' });
    expect(view().state).not.toBe('offline');
  });

  it('events of other devices do not count', () => {
    const { t, view } = watch();
    t.emit('SEPB00000000002', 'phone.registration', registration('registered'));
    t.emit('SEPB00000000002', 'phone.boot', boot({ phone: 'SEPB00000000002' }));
    expect(view()).toEqual({ state: 'unregistered', reason: 'never booted' });
  });
});
