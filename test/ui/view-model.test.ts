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

  it("names the phone's rule that refused the TVS certificate, and shows that certificate's extensions", () => {
    const tvs = fault.rows.find((r) => r.outcome === 'refused' && r.protocol === 'TVS');
    const phone = tvs?.detail.decisions.find((d) => d.device === PHONE);
    expect(phone?.rule).toEqual({
      id: 'phone.tvs-server-itl-role-21',
      name: 'TVS certificate is the ITL TVS record (role 21)',
    });
    const labels = tvs?.detail.certificates[0]?.cert.extensions.map((x) => x.label);
    expect(labels).toEqual(['basicConstraints', 'keyUsage', 'extKeyUsage', 'subjectAltName']);
  });

  it("draws the phone's registration messages as rows between the phone and CUCM", () => {
    const messages = fix.rows.filter(
      (r) => (r.protocol === 'SCCP' || r.protocol === 'SIP') && r.id.startsWith('msg-'),
    );
    const first = messages.find((r) => r.from === PHONE);
    expect(first?.to).toBe('cucm-pub');
    expect(first?.title).toMatch(/^(Register|REGISTER)/);
    expect(messages.some((r) => r.from === 'cucm-pub' && r.to === PHONE)).toBe(true);
  });

  it('marks each expectation on its step', () => {
    const steps = fault.rows.filter((r) => r.shape === 'step');
    expect(steps.find((r) => r.title.includes('Trust List Update Failed'))?.outcome).toBe('ok');
  });
});

describe('the view model of an MRA run: x14-2-ip-not-in-san', () => {
  let view: LabView;
  let events: LabEvent[];
  beforeAll(async () => {
    events = (await eventsOf('x14-2-ip-not-in-san', 'fault')).events;
    view = viewOf(events);
  }, 60_000);

  it("draws each request the Expressway-C's traffic server answered once, with the origin check it made", () => {
    const answered = events.filter((e) => e.kind === 'http.request' && e.service === 'traffic_server');
    expect(answered.length).toBeGreaterThan(0);
    const rows = view.rows.filter((r) => r.id.startsWith('http-'));
    const proxied = rows.filter((r) =>
      r.detail.facts.some((f) => f.label === 'service' && f.value === 'traffic_server'),
    );
    expect(proxied).toHaveLength(answered.length);
    const refused = proxied.find((r) => r.outcome === 'failed');
    expect(refused?.title).toMatch(/→ 502/);
    expect(refused?.detail.facts.some((f) => f.label.startsWith('origin check'))).toBe(true);
    expect(view.rows.filter((r) => r.protocol === 'HTTPS' && r.id.startsWith('ev-'))).toEqual([]);
  });
});

describe('the view model of a long-running lab', () => {
  it('keeps a bounded window of rows and log lines when fed 100,000 events, and counts what it let go', () => {
    const m = new LabViewModel({ rows: 1000, logs: 2000 });
    m.apply(ev(1, 'cucm', 'device.started', { deviceKind: 'cucm', address: '127.1.1.10' }));
    let seq = 1;
    for (let i = 0; i < 25_000; i++) {
      const connId = `c${i}`;
      m.apply(
        ev(++seq, 'SEP1', 'net.connect', {
          connId,
          proto: 'tcp',
          role: 'client',
          local: { address: '127.1.1.11', port: 1024 + (i % 60000) },
          remote: { address: '127.1.1.10', port: 2000 },
        }),
      );
      m.apply(
        ev(++seq, 'SEP1', 'sccp.message', { connId, direction: 'sent', message: 'KeepAlive', detail: null }),
      );
      m.apply(ev(++seq, 'cucm', 'log', { source: 'ccm', level: 'debug', text: `line ${i}` }));
      m.apply(ev(++seq, 'SEP1', 'net.close', { connId, role: 'client' }));
    }
    const held = m.retained();
    expect(seq).toBeGreaterThan(100_000);
    expect(held.rows).toBeLessThanOrEqual(1000);
    expect(held.logs).toBeLessThanOrEqual(2000);
    expect(held.connections).toBeLessThanOrEqual(1000);
    expect(held.waiting).toBeLessThanOrEqual(4096);
    const header = m.snapshot().lab;
    expect(header.events).toBe(seq);
    expect(header.dropped.rows).toBeGreaterThan(45_000);
    expect(header.dropped.logs).toBeGreaterThan(20_000);
    expect(m.snapshot().rows.length).toBe(held.rows);
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
  it('folds the two ends of a TFTP transfer into one row with file, size and blocks', () => {
    const transfer = (seq: number, device: string, role: string, address: string) =>
      ev(seq, device, 'tftp.transfer', {
        role,
        file: 'CTLSEP1.tlv',
        peer: { address, port: role === 'server' ? 40000 : 69 },
        outcome: 'complete',
        bytes: 4762,
        blocks: 10,
        error: null,
      });
    const v = viewOf([
      ev(1, 'cucm', 'device.started', { deviceKind: 'cucm', address: '127.1.1.10' }),
      ev(2, 'SEP1', 'device.started', { deviceKind: 'phone', address: '127.1.1.11' }),
      transfer(3, 'SEP1', 'client', '127.1.1.10'),
      transfer(4, 'cucm', 'server', '127.1.1.11'),
    ]);
    const rows = v.rows.filter((r) => r.protocol === 'TFTP');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      from: 'SEP1',
      to: 'cucm',
      outcome: 'ok',
      title: 'TFTP CTLSEP1.tlv · 4762 bytes',
      seq: 3,
      lastSeq: 4,
    });
    expect(rows[0]?.detail.facts.map((f) => f.label)).toEqual(
      expect.arrayContaining(['client (SEP1)', 'server (cucm)']),
    );
  });

  it('marks a TFTP transfer the server refused with its error, a missing file as a warning', () => {
    const v = viewOf([
      ev(1, 'cucm', 'device.started', { deviceKind: 'cucm', address: '127.1.1.10' }),
      ev(2, 'cucm', 'tftp.transfer', {
        role: 'server',
        file: 'CTLSEP1.tlv',
        peer: { address: '127.1.1.11', port: 40000 },
        outcome: 'error',
        bytes: null,
        blocks: null,
        error: { code: 1, message: 'File not found' },
      }),
      ev(3, 'cucm', 'tftp.transfer', {
        role: 'server',
        file: 'SEP1.cnf.xml',
        peer: { address: '127.1.1.11', port: 40001 },
        outcome: 'error',
        bytes: null,
        blocks: null,
        error: { code: 2, message: 'Access violation' },
      }),
    ]);
    expect(v.rows.map((r) => [r.title, r.outcome, r.reason])).toEqual([
      ['TFTP CTLSEP1.tlv · File not found', 'warn', 'cucm: File not found'],
      ['TFTP SEP1.cnf.xml · Access violation', 'failed', 'cucm: Access violation'],
    ]);
  });

  it('folds the sent and received ends of each SCCP message into one row from sender to receiver', () => {
    const msg = (seq: number, device: string, direction: string, message: string, detail: string | null) =>
      ev(seq, device, 'sccp.message', { connId: 'c1', direction, message, detail });
    const v = viewOf([
      ev(1, 'SEP1', 'net.connect', {
        connId: 'c1',
        proto: 'tcp',
        role: 'client',
        local: { address: '127.1.1.11', port: 50000 },
        remote: { address: '127.1.1.10', port: 2000 },
      }),
      ev(2, 'cucm', 'net.connect', {
        connId: 'c1',
        proto: 'tcp',
        role: 'server',
        local: { address: '127.1.1.10', port: 2000 },
        remote: { address: '127.1.1.11', port: 50000 },
      }),
      msg(3, 'SEP1', 'sent', 'Register', 'SEP1 protocol 17'),
      msg(4, 'cucm', 'received', 'Register', 'SEP1 protocol 17'),
      msg(5, 'cucm', 'sent', 'RegisterReject', 'Device not found'),
      msg(6, 'SEP1', 'received', 'RegisterReject', 'Device not found'),
    ]);
    const sccp = v.rows.filter((r) => r.id.startsWith('msg-'));
    expect(sccp.map((r) => [r.from, r.to, r.title, r.outcome, r.lastSeq])).toEqual([
      ['SEP1', 'cucm', 'Register · SEP1 protocol 17', 'ok', 4],
      ['cucm', 'SEP1', 'RegisterReject · Device not found', 'refused', 6],
    ]);
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
