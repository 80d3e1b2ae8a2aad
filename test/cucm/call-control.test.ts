/**
 * Phone-to-phone calls through the CUCM model (devices/cucm/call-control.ts): the calling phone sends
 * its INVITE (SIP) or OffHook + KeypadButton (SCCP) to CUCM over its registration connection, CUCM
 * decides the call security from both devices (seed 002: the least secure party decides the icon) and
 * offers the call on the called phone's registration connection; then both phones send real RTP or
 * SRTP over UDP (seed 002: 160-byte G.711 payloads, 164 with SRTP).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { callSecurityOf } from '../../devices/cucm/call-security.ts';
import { SccpEndpoint } from '../../devices/cucm/sccp-call-flow.ts';
import { MEDIA_PACKETS } from '../../devices/phone/media.ts';
import { Phone } from '../../devices/phone/phone.ts';
import type { SccpMessage } from '../../devices/protocols/sccp.ts';
import { readSccpCall } from '../../devices/protocols/sccp-call.ts';
import {
  buildResponse,
  encodeSip,
  header,
  SipFramer,
  type SipMessage,
  type SipRequest,
} from '../../devices/protocols/sip.ts';
import type { LabEvent } from '../../emulator/events.ts';
import { Lab } from '../../emulator/lab.ts';
import { startCapture } from '../support/capture.ts';
import { itWithPeers, run } from '../support/peers.ts';

type Security = 'non-secure' | 'authenticated' | 'encrypted';
const PHONES: { mac: string; line: string; security: Security; protocol: 'SIP' | 'SCCP'; boot: boolean }[] = [
  { mac: '00AABB000001', line: '1001', security: 'encrypted', protocol: 'SIP', boot: true },
  { mac: '00AABB000002', line: '1002', security: 'encrypted', protocol: 'SIP', boot: true },
  { mac: '00AABB000003', line: '1003', security: 'authenticated', protocol: 'SIP', boot: true },
  { mac: '00AABB000004', line: '1004', security: 'non-secure', protocol: 'SIP', boot: true },
  { mac: '00AABB000005', line: '1005', security: 'non-secure', protocol: 'SIP', boot: false },
  { mac: '00AABB000006', line: '1006', security: 'encrypted', protocol: 'SCCP', boot: true },
  // Registered over raw TCP by a rogue SIP user agent in the tests below (the lab phone never boots).
  { mac: '00AABB0000A1', line: '2001', security: 'non-secure', protocol: 'SIP', boot: false },
];
const sep = (mac: string) => `SEP${mac}`;
const byLine = (line: string) => {
  const p = PHONES.find((x) => x.line === line);
  if (!p) throw new Error(line);
  return sep(p.mac);
};

let lab: Lab;
let dir: string;

beforeAll(async () => {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  dir = mkdtempSync(join(tmpdir(), 'uclab-calls-'));
  lab = await Lab.create({ name: 'cucm-calls', seed: 'cucm-calls', artifactsDir: dir });
  const built = lab.build({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        aliases: ['cucm-pub.lab.example'],
        mixedMode: 'etoken',
        phones: PHONES.map((p) => ({
          name: sep(p.mac),
          model: p.protocol === 'SIP' ? 'CP-8861' : 'CP-7975',
          protocol: p.protocol,
          security: p.security,
          line: p.line,
        })),
      },
      ...PHONES.map((p) => ({
        kind: 'phone',
        name: sep(p.mac),
        mac: p.mac,
        model: p.protocol === 'SIP' ? 'CP-8861' : 'CP-7975',
        firmware: p.protocol === 'SIP' ? 'sip-88xx-14.2' : 'sccp-79xx-9.4',
        tftp: 'cucm-pub',
        autoBoot: false,
        line: p.line,
        timers: { tftpTimeoutMs: 400, tftpRetries: 1 },
      })),
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  for (const p of PHONES.filter((x) => x.boot)) {
    const r = await lab.device(sep(p.mac), Phone).boot();
    if (r.registration.state !== 'registered') throw new Error(`${p.mac}: ${r.registration.detail}`);
  }
}, 60_000);

afterAll(async () => {
  await lab?.stop();
});

const phone = (line: string) => lab.device(byLine(line), Phone);

/** The latest seq of the events a call produces, to wait for the next call's events only. */
function mark(): number {
  const kinds = ['phone.call', 'phone.media', 'cucm.call'] as const;
  return Math.max(0, ...kinds.flatMap((k) => lab.timeline.ofKind(k).map((e) => e.seq)));
}

async function media(device: string, since: number): Promise<LabEvent<'phone.media'>> {
  return (await lab.timeline.waitFor(
    `${device} reports its media`,
    (e) => e.kind === 'phone.media' && e.device === device,
    { since, timeoutMs: 5000 },
  )) as LabEvent<'phone.media'>;
}

async function calledShows(device: string, since: number): Promise<LabEvent<'phone.call'>> {
  return (await lab.timeline.waitFor(
    `${device} shows the call`,
    (e) => e.kind === 'phone.call' && e.device === device,
    { since, timeoutMs: 5000 },
  )) as LabEvent<'phone.call'>;
}

describe('calls through CUCM', () => {
  it('CUCM decides the icon from both security modes: lock, shield or none (seed 002)', () => {
    const icon = (a: number, b: number) => callSecurityOf(a, b).icon;
    expect([icon(3, 3), icon(3, 2), icon(3, 1)]).toEqual(['lock', 'shield', 'none']);
    expect([icon(2, 3), icon(2, 2), icon(2, 1)]).toEqual(['shield', 'shield', 'none']);
    expect([icon(1, 3), icon(1, 2), icon(1, 1)]).toEqual(['none', 'none', 'none']);
    expect(callSecurityOf(3, 3).security).toBe('Encrypted');
  });

  it('a SIP call is an INVITE to CUCM that CUCM offers on the called phone registration connection', async () => {
    const since = mark();
    const r = await phone('1001').call('1002');
    expect(r).toEqual({ icon: 'lock', media: 'SRTP', payloadBytes: 164 });
    const b = await calledShows(byLine('1002'), since);
    expect(b).toMatchObject({ peer: byLine('1001'), icon: 'lock', media: 'SRTP', state: 'connected' });
    const routed = lab.timeline.ofKind('cucm.call', 'cucm-pub').filter((e) => e.seq > since);
    expect(routed).toHaveLength(1);
    expect(routed[0]).toMatchObject({
      caller: byLine('1001'),
      called: byLine('1002'),
      security: 'Encrypted',
      result: 'connected',
    });
    // No phone-to-phone signalling: every TCP/TLS connection of the called phone is with CUCM.
    const cucm = lab.device('cucm-pub').address;
    const conns = lab.timeline.ofKind('net.connect').filter((e) => e.device === byLine('1002'));
    expect(conns.length).toBeGreaterThan(0);
    expect(conns.every((e) => e.remote.address === cucm || e.local.address === cucm)).toBe(true);
    await media(byLine('1001'), since);
    await media(byLine('1002'), since);
  });

  it('both encrypted: each phone receives SRTP packets whose payload shows 164 bytes', async () => {
    const since = mark();
    await phone('1002').call('1001');
    for (const line of ['1001', '1002']) {
      const m = await media(byLine(line), since);
      expect(m).toMatchObject({ media: 'SRTP', payloadBytes: [164], audioBytes: [160], rejected: 0 });
      expect(m.received).toBeGreaterThan(0);
      expect(m.wireSilencePattern).toBe(false);
      expect(m.silencePattern).toBe(true);
    }
  });

  it('encrypted calling authenticated: both show the shield and exchange 160-byte RTP', async () => {
    const since = mark();
    expect(await phone('1001').call('1003')).toEqual({ icon: 'shield', media: 'RTP', payloadBytes: 160 });
    expect(await calledShows(byLine('1003'), since)).toMatchObject({ icon: 'shield', media: 'RTP' });
    for (const line of ['1001', '1003']) {
      const m = await media(byLine(line), since);
      expect(m).toMatchObject({ media: 'RTP', payloadBytes: [160], audioBytes: [160], rejected: 0 });
      expect(m.wireSilencePattern).toBe(true);
    }
  });

  it('encrypted calling non-secure: no icon, RTP', async () => {
    const since = mark();
    expect(await phone('1001').call('1004')).toEqual({ icon: 'none', media: 'RTP', payloadBytes: 160 });
    expect(await calledShows(byLine('1004'), since)).toMatchObject({ icon: 'none', media: 'RTP' });
    await media(byLine('1001'), since);
    await media(byLine('1004'), since);
  });

  it('a SIP phone calling an SCCP phone: CUCM rings it with CallState and CallInfo, both show the lock', async () => {
    const since = mark();
    expect(await phone('1001').call('1006')).toEqual({ icon: 'lock', media: 'SRTP', payloadBytes: 164 });
    expect(await calledShows(byLine('1006'), since)).toMatchObject({ icon: 'lock', media: 'SRTP' });
    expect((await media(byLine('1006'), since)).payloadBytes).toEqual([164]);
    expect((await media(byLine('1001'), since)).payloadBytes).toEqual([164]);
  });

  it('a number no line has gets 404 Not Found', async () => {
    const since = mark();
    expect(await phone('1001').call('4321')).toEqual({ error: '404 Not Found' });
    const e = lab.timeline.ofKind('cucm.call', 'cucm-pub').filter((x) => x.seq > since);
    expect(e[0]).toMatchObject({ result: 'failed', called: null, reason: '404 Not Found' });
  });

  it('the line of an unregistered phone gets 480 Temporarily Unavailable', async () => {
    expect(await phone('1001').call('1005')).toEqual({ error: '480 Temporarily Unavailable' });
  });

  it('an INVITE on a connection that registered no phone is not routed to a phone (501)', async () => {
    lab.fabric.addHost('test-peer');
    const c = await lab.fabric.connectTcp('test-peer', { host: 'cucm-pub', port: 5060 });
    if (!c.ok) throw new Error(c.error.message);
    const framer = new SipFramer();
    const answer = new Promise<number>((resolve) => {
      c.value.socket.on('data', (chunk: Buffer) => {
        for (const r of framer.push(chunk)) if (r.ok && r.value.kind === 'response') resolve(r.value.status);
      });
    });
    c.value.socket.write(
      encodeSip({
        kind: 'request',
        method: 'INVITE',
        uri: 'sip:1002@cucm-pub',
        headers: [
          ['Via', `SIP/2.0/TCP ${c.value.local.address}:${c.value.local.port};branch=z9hG4bK1`],
          ['From', '<sip:9999@test-peer>;tag=1'],
          ['To', '<sip:1002@cucm-pub>'],
          ['Call-ID', 'rogue@test-peer'],
          ['CSeq', '1 INVITE'],
        ],
        body: Buffer.from('not sdp'),
      }),
    );
    expect(await answer).toBe(501);
    c.value.socket.destroy();
  });

  it('an SCCP phone dialling an unknown number hears the reorder tone', async () => {
    expect(await phone('1006').call('99')).toEqual({ error: 'reorder tone' });
  });

  /** Captures one call's media to `callee` and returns tshark's (payload type, payload bytes) per packet. */
  async function captured(caller: string, callee: string, file: string) {
    const pcap = join(dir, file);
    const target = phone(callee);
    const cap = await startCapture(target.address, pcap);
    const since = mark();
    await phone(caller).call(callee);
    const m = await media(target.name, since);
    await media(byLine(caller), since);
    await cap.stop();
    const r = await run('tshark', [
      '-r',
      pcap,
      '-d',
      `udp.port==${m.localPort},rtp`,
      '-Y',
      `rtp && ip.dst==${target.address} && udp.dstport==${m.localPort}`,
      '-T',
      'fields',
      '-e',
      'rtp.p_type',
      '-e',
      'rtp.payload',
    ]);
    const rows = r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((row) => {
        const [pt, payload] = row.split('\t');
        return { pt, bytes: (payload ?? '').replace(/:/g, '').length / 2 };
      });
    return { rows, received: m.received };
  }

  itWithPeers(['tshark'], 'tshark decodes the RTP media as PCMU with 160-byte payloads', async () => {
    const { rows, received } = await captured('1003', '1004', 'rtp.pcapng');
    expect(received).toBe(MEDIA_PACKETS);
    expect(rows.length).toBe(MEDIA_PACKETS);
    expect(rows.every((r) => r.pt === '0' && r.bytes === 160)).toBe(true);
  });

  itWithPeers(
    ['tshark'],
    'tshark decoding the SRTP media as RTP shows 164-byte payloads (seed 002)',
    async () => {
      const { rows, received } = await captured('1001', '1002', 'srtp.pcapng');
      expect(received).toBe(MEDIA_PACKETS);
      expect(rows.length).toBe(MEDIA_PACKETS);
      expect(rows.every((r) => r.pt === '0' && r.bytes === 164)).toBe(true);
    },
  );

  /**
   * A rogue SIP user agent registered as SEP00AABB0000A1 (line 2001) over raw TCP on 5060: it answers
   * CUCM's INVITEs with `answerSdp` and can send its own INVITEs.
   */
  async function rogueSip(answerSdp: Buffer | null) {
    if (!lab.fabric.resolve('rogue').ok) lab.fabric.addHost('rogue');
    const c = await lab.fabric.connectTcp('rogue', { host: 'cucm-pub', port: 5060 });
    if (!c.ok) throw new Error(c.error.message);
    const sock = c.value.socket;
    const local = `${c.value.local.address}:${c.value.local.port}`;
    const framer = new SipFramer();
    const got: SipMessage[] = [];
    const waiters: { match: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }[] = [];
    sock.on('data', (chunk: Buffer) => {
      for (const r of framer.push(chunk)) {
        if (!r.ok) continue;
        const m = r.value;
        got.push(m);
        if (m.kind === 'request' && m.method === 'INVITE' && answerSdp)
          sock.write(
            encodeSip(
              buildResponse(m, 200, 'OK', [['Content-Type', 'application/sdp']], {
                toTag: 'r',
                body: answerSdp,
              }),
            ),
          );
        else if (m.kind === 'request' && m.method !== 'ACK')
          sock.write(encodeSip(buildResponse(m, 200, 'OK')));
        for (const w of waiters.filter((x) => x.match(m))) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    const next = (match: (m: SipMessage) => boolean) =>
      new Promise<SipMessage>((resolve, reject) => {
        const hit = got.find(match);
        if (hit) return resolve(hit);
        const t = setTimeout(() => reject(new Error('rogue: no such SIP message within 5 s')), 5000);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(t);
            resolve(m);
          },
        });
      });
    const req = (
      method: string,
      uri: string,
      extra: [string, string][],
      body = Buffer.alloc(0),
    ): SipRequest => ({
      kind: 'request',
      method,
      uri,
      headers: [
        ['Via', `SIP/2.0/TCP ${local};branch=z9hG4bK${randomBytes(4).toString('hex')}`],
        ['From', '<sip:2001@cucm-pub>;tag=1'],
        ['To', `<${uri}>`],
        ['Call-ID', `${method}-${randomBytes(6).toString('hex')}@rogue`],
        ['CSeq', `1 ${method}`],
        ...extra,
      ],
      body,
    });
    const register = req('REGISTER', 'sip:2001@cucm-pub', [
      ['Contact', `<sip:2001@${local};transport=tcp>;+u.sip!devicename.ccm.cisco.com="SEP00AABB0000A1"`],
      ['Expires', '3600'],
    ]);
    sock.write(encodeSip(register));
    const ok = await next((m) => m.kind === 'response' && /REGISTER/.test(header(m, 'cseq') ?? ''));
    if (ok.kind !== 'response' || ok.status !== 200) throw new Error('rogue did not register');
    return { sock, next, req, address: c.value.local.address };
  }

  const sdp = (ip: string, port = 4000) =>
    Buffer.from(
      `v=0\r\no=x 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`,
    );

  it('a SIP answer with media address 999.1.1.1 fails the SCCP call with reorder and a BYE, and the node lives on', async () => {
    const rogue = await rogueSip(sdp('999.1.1.1'));
    try {
      expect(await phone('1006').call('2001')).toEqual({ error: 'reorder tone' });
      // The rogue had answered 200 OK: CUCM ends that dialog.
      const bye = await rogue.next((m) => m.kind === 'request' && m.method === 'BYE');
      expect(bye.kind === 'request' && bye.method).toBe('BYE');
      const since = mark();
      expect(await phone('1006').call('1004')).toMatchObject({ icon: 'none', media: 'RTP' });
      await media(byLine('1006'), since);
      await media(byLine('1004'), since);
    } finally {
      rogue.sock.destroy();
    }
  });

  it('an INVITE whose media is not a lab address gets 488 before the called SCCP phone rings; it can be called again', async () => {
    const rogue = await rogueSip(null);
    try {
      const since = mark();
      for (const [i, ip] of ['999.1.1.1', '8.8.8.8'].entries()) {
        const invite = rogue.req(
          'INVITE',
          'sip:1006@cucm-pub',
          [['Content-Type', 'application/sdp']],
          sdp(ip),
        );
        rogue.sock.write(encodeSip(invite));
        const id = header(invite, 'call-id');
        const r = await rogue.next(
          (m) => m.kind === 'response' && m.status >= 200 && header(m, 'call-id') === id,
        );
        expect([i, r.kind === 'response' && r.status]).toEqual([i, 488]);
      }
      expect(lab.timeline.ofKind('phone.call', byLine('1006')).filter((e) => e.seq > since)).toEqual([]);
      expect(await phone('1001').call('1006')).toMatchObject({ icon: 'lock', media: 'SRTP' });
      await media(byLine('1006'), since);
      await media(byLine('1001'), since);
    } finally {
      rogue.sock.destroy();
    }
  });
});

describe('SCCP media channels on CUCM', () => {
  it('StartMediaTransmission reuses the passThruPartyId, call reference and send key of OpenReceiveChannel', async () => {
    const sent: SccpMessage[] = [];
    const e = new SccpEndpoint('SEP00AABB0000FF', '1099', 3, '127.0.0.1', { send: (m) => sent.push(m) });
    const opening = e.openReceive(42, true);
    const orc = readSccpCall(sent[0] as SccpMessage);
    if (orc?.type !== 'OpenReceiveChannel') throw new Error('no OpenReceiveChannel');
    e.deliver({
      type: 'OpenReceiveChannelAck',
      status: 0,
      ip: '127.0.0.9',
      port: 16384,
      passThruPartyId: orc.passThruPartyId,
      callReference: 42,
    });
    const local = await opening;
    const farKey = randomBytes(30).toString('base64');
    e.startMedia(42, { address: '127.0.0.8', port: 16386, key: farKey });
    const smt = readSccpCall(sent[1] as SccpMessage);
    if (smt?.type !== 'StartMediaTransmission') throw new Error('no StartMediaTransmission');
    expect(orc.callReference).toBe(42);
    expect(smt.passThruPartyId).toBe(orc.passThruPartyId);
    expect(smt.callReference).toBe(42);
    const sendKey = Buffer.from(local?.key ?? '', 'base64');
    expect(
      Buffer.concat([smt.sendKey?.key ?? Buffer.alloc(0), smt.sendKey?.salt ?? Buffer.alloc(0)]),
    ).toEqual(sendKey);
    expect(
      Buffer.concat([smt.recvKey?.key ?? Buffer.alloc(0), smt.recvKey?.salt ?? Buffer.alloc(0)]).toString(
        'base64',
      ),
    ).toBe(farKey);
  });
});

describe('a lab stopping in the middle of a call', () => {
  it('settles the pending phone.call as failed (lab stopped) and CUCM ends its offer before stop returns', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const l = await Lab.create({
      name: 'calls-stop',
      seed: 'calls-stop',
      artifactsDir: mkdtempSync(join(tmpdir(), 'uclab-calls-stop-')),
    });
    const built = l.build({
      devices: [
        {
          kind: 'cucm',
          name: 'cucm-pub',
          phones: [
            {
              name: 'SEP00AABB000016',
              model: 'CP-7975',
              protocol: 'SCCP',
              security: 'non-secure',
              line: '1016',
            },
            {
              name: 'SEP00AABB0000B1',
              model: 'CP-8861',
              protocol: 'SIP',
              security: 'non-secure',
              line: '2011',
            },
          ],
        },
        {
          kind: 'phone',
          name: 'SEP00AABB000016',
          mac: '00AABB000016',
          model: 'CP-7975',
          firmware: 'sccp-79xx-9.4',
          tftp: 'cucm-pub',
          autoBoot: false,
          line: '1016',
        },
      ],
    });
    if (!built.ok) throw new Error(built.error.message);
    await l.start();
    let stopped = false;
    try {
      const p = l.device('SEP00AABB000016', Phone);
      expect((await p.boot()).registration.state).toBe('registered');
      // A SIP user agent that registers line 2011 and never answers an INVITE.
      l.fabric.addHost('silent');
      const c = await l.fabric.connectTcp('silent', { host: 'cucm-pub', port: 5060 });
      if (!c.ok) throw new Error(c.error.message);
      const local = `${c.value.local.address}:${c.value.local.port}`;
      const framer = new SipFramer();
      const invited = new Promise<void>((resolve) => {
        c.value.socket.on('data', (chunk: Buffer) => {
          for (const r of framer.push(chunk))
            if (r.ok && r.value.kind === 'request' && r.value.method === 'INVITE') resolve();
        });
      });
      c.value.socket.write(
        encodeSip({
          kind: 'request',
          method: 'REGISTER',
          uri: 'sip:2011@cucm-pub',
          headers: [
            ['Via', `SIP/2.0/TCP ${local};branch=z9hG4bKs1`],
            ['From', '<sip:2011@cucm-pub>;tag=1'],
            ['To', '<sip:2011@cucm-pub>'],
            ['Call-ID', 'reg@silent'],
            ['CSeq', '1 REGISTER'],
            [
              'Contact',
              `<sip:2011@${local};transport=tcp>;+u.sip!devicename.ccm.cisco.com="SEP00AABB0000B1"`,
            ],
            ['Expires', '3600'],
          ],
          body: Buffer.alloc(0),
        }),
      );
      await l.timeline.waitFor(
        'the silent user agent registers line 2011',
        (e) => e.kind === 'cucm.registered' && e.deviceName === 'SEP00AABB0000B1',
        { timeoutMs: 5000 },
      );
      const call = p.call('2011');
      await invited;
      stopped = true;
      await l.stop();
      expect(await call).toEqual({ error: 'lab stopped' });
      const failed = l.timeline.ofKind('cucm.call').filter((e) => e.result === 'failed');
      expect(failed.map((e) => e.reason)).toEqual(['480 Temporarily Unavailable']);
    } finally {
      if (!stopped) await l.stop();
    }
  });
});
