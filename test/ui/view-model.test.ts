import { beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../emulator/events.ts';
import { LabViewModel, viewOf } from '../../emulator/ui/model/lab-view.ts';
import type { LabView } from '../../emulator/ui/model/view.ts';
import { eventsOf } from './run-events.ts';

const PHONE = 'SEPB000B4BA0AEE';

function ev(seq: number, device: string, kind: string, payload: Record<string, unknown>) {
  return {
    schemaVersion: 1,
    seq,
    time: '2026-01-01T00:00:00.000Z',
    t: seq,
    lab: 'l',
    device,
    kind,
    ...payload,
  };
}

describe('the view model of a real run: itl-regen-callmanager-and-tvs', () => {
  let fault: LabView;
  let fix: LabView;
  beforeAll(async () => {
    const [a, b] = await Promise.all([
      eventsOf('itl-regen-callmanager-and-tvs', 'fault'),
      eventsOf('itl-regen-callmanager-and-tvs', 'fix'),
    ]);
    fault = viewOf(a.events);
    fix = viewOf(b.events);
  }, 60_000);

  it('folds both ends of the refused TVS handshake into one exchange, marked with the verdict and alert', () => {
    const refused = fault.rows.filter((r) => r.outcome === 'refused');
    expect(refused.length).toBeGreaterThan(0);
    const tvs = refused[0];
    expect(tvs).toMatchObject({ shape: 'exchange', from: PHONE, to: 'cucm-pub', protocol: 'TVS' });
    expect(tvs?.reason).toBe(
      `${PHONE} refused cucm-pub's certificate: TVS certificate is not in the ITL (role 21) → alert unknown_ca(48)`,
    );
    expect(tvs?.detail.decisions.map((d) => [d.device, d.accepted])).toEqual([
      ['cucm-pub', true],
      [PHONE, false],
    ]);
    expect(tvs?.detail.certificates[0]?.cert.subject).toContain('CN=cucm-pub.lab.example');
  });

  it("shows Trust List Update Failed on the phone's screen", () => {
    const screen = fault.screens.find((s) => s.device === PHONE);
    expect(screen?.status.map((s) => s.text)).toContain('Trust List Update Failed');
    expect(screen?.status.find((s) => s.text === 'Trust List Update Failed')?.tone).toBe('bad');
  });

  it('shows the phone registered and nothing refused in the fix variant', () => {
    expect(fix.rows.filter((r) => r.outcome === 'refused')).toEqual([]);
    expect(fix.screens.find((s) => s.device === PHONE)?.registration?.state).toBe('registered');
  });

  it('draws the TFTP transfers the phone made, with file and size', () => {
    const itl = fault.rows.find((r) => r.protocol === 'TFTP' && r.title.startsWith('TFTP ITLSEP'));
    expect(itl).toMatchObject({ from: PHONE, to: 'cucm-pub', outcome: 'ok' });
    expect(itl?.title).toMatch(/· \d+ bytes$/);
  });

  it('knows each device by kind, address and listening ports, and links the phone to CUCM', () => {
    const cucm = fault.devices.find((d) => d.name === 'cucm-pub');
    expect(cucm?.kind).toBe('cucm');
    expect(cucm?.ports.find((p) => p.port === 2445)?.service).toBe('TVS');
    const link = fault.links.find((l) => l.from === PHONE && l.to === 'cucm-pub');
    expect(link?.services).toEqual(expect.arrayContaining(['TFTP', 'TVS']));
    expect(link?.failed).toBeGreaterThan(0);
  });

  it('marks each expectation on its step', () => {
    const steps = fault.rows.filter((r) => r.shape === 'step');
    expect(steps.find((r) => r.title.includes('Trust List Update Failed'))?.outcome).toBe('ok');
  });
});

describe('the view model of events it does not know', () => {
  it('puts an unknown event kind on its device lane with its fields', () => {
    const v = viewOf([ev(1, 'gizmo', 'gizmo.blink', { colour: 'red', count: 3 })]);
    expect(v.rows).toHaveLength(1);
    expect(v.rows[0]).toMatchObject({
      shape: 'note',
      from: 'gizmo',
      protocol: 'gizmo.blink',
      outcome: 'info',
    });
    expect(v.rows[0]?.title).toBe('gizmo.blink · colour=red count=3');
  });

  it('marks an unknown event that says it failed as a failure with its reason', () => {
    const v = viewOf([ev(1, 'gizmo', 'gizmo.check', { outcome: 'failed', reason: 'no light' })]);
    expect(v.rows[0]).toMatchObject({ outcome: 'failed', reason: 'no light' });
  });

  it('skips malformed lines and fields of the wrong type without throwing', () => {
    const m = new LabViewModel();
    for (const bad of [null, 42, 'x', [], { kind: 'log' }, { seq: 'a', device: 'd', kind: 'k' }]) {
      expect(m.apply(bad)).toEqual([]);
    }
    const patches = m.apply(ev(1, 'cucm', 'tls.handshake', { connId: 7, peerCert: 'nope' }));
    expect(patches.length).toBeGreaterThan(0);
    m.apply(ev(2, 'cucm', 'cucm.registered', { deviceName: 5, protocol: null }));
    expect(m.snapshot().rows.map((r) => r.protocol)).toContain('cucm.registered');
  });
});

describe('the view model of phone events', () => {
  it('reads TFTP transfers from the 79xx console style', () => {
    const v = viewOf([
      ev(1, 'cucm', 'device.started', { deviceKind: 'cucm', address: '127.1.1.10' }),
      ev(2, 'SEP1', 'log', {
        source: 'console',
        level: 'info',
        text: 'NOT 09:13:17.561856 TFTP: [27]:Requesting CTLSEP1.tlv from 127.1.1.10',
      }),
      ev(3, 'SEP1', 'log', {
        source: 'console',
        level: 'info',
        text: 'NOT 09:13:17.661856 TFTP: [27]:Finished --> rcvd 4762 bytes',
      }),
    ]);
    expect(v.rows[0]).toMatchObject({
      from: 'SEP1',
      to: 'cucm',
      outcome: 'ok',
      title: 'TFTP CTLSEP1.tlv · 4762 bytes',
    });
  });

  it("fills the Trust List menu's MD5s from phone.trust-list and empties it when the list is erased", () => {
    const m = new LabViewModel();
    m.apply(
      ev(1, 'SEP1', 'phone.trust-list', {
        list: 'ITL',
        change: 'installed',
        md5: 'abc123',
        signer: 'x',
        reason: 'leap of faith',
        records: [],
      }),
    );
    expect(m.snapshot().screens[0]?.trustList).toEqual({ ctl: null, itl: 'abc123' });
    m.apply(ev(2, 'SEP1', 'action', { name: 'trust-list.delete', detail: 'ITL erased on the phone' }));
    expect(m.snapshot().screens[0]?.trustList.itl).toBe('Not Installed');
  });

  it('judges a certificate expired at the time of the exchange', () => {
    const cert = {
      subject: 'CN=cucm',
      issuer: 'CN=cucm',
      serial: '01',
      sha256: 'AA',
      notBefore: '2025-01-01T00:00:00.000Z',
      notAfter: '2025-12-31T00:00:00.000Z',
      keyType: 'RSA 2048',
      selfSigned: true,
    };
    const v = viewOf([
      ev(1, 'SEP1', 'tls.handshake', {
        connId: 'c1',
        role: 'client',
        version: 'TLSv1.2',
        cipher: 'X',
        sni: null,
        localCert: null,
        peerCert: cert,
        peerChain: [],
        chainError: 'CERT_HAS_EXPIRED',
      }),
    ] as LabEvent[] | unknown[]);
    expect(v.rows[0]?.detail.certificates[0]?.cert.validity).toBe('expired');
  });
});
