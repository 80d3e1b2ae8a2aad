/**
 * A lab under a flood of hostile connections: 2,000 silent connections from four
 * addresses to five TLS ports of a CUCM node. The per-peer cap turns away what is over it (recorded as
 * `net.refused`), and every legitimate request meanwhile is answered: a phone boots and registers, TVS
 * answers a query, Tomcat answers HTTPS. bench/soak.ts runs the full 10,000.
 */
import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { ciscoIssuer, ciscoSubject, serialBytes } from '../../certs/cisco-dn.ts';
import { CucmNodeDevice } from '../../devices/cucm/node.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { tvsExchange } from '../../devices/phone/tvs-client.ts';
import { DEFAULT_LISTENER_LIMITS } from '../../emulator/net/config.ts';
import { newLab, rawConnect } from './support.ts';

const MAC = 'F100D5F100D5';
const PORTS = [2443, 2445, 3804, 5061, 8443];
const ADDRESSES = 4;
const PER_ADDRESS_AND_PORT = 100;

/** Opens `n` connections in batches (a burst of thousands at once only measures the accept queue). */
async function openMany(targets: { address: string; port: number; from: string }[]): Promise<net.Socket[]> {
  const out: net.Socket[] = [];
  for (let i = 0; i < targets.length; i += 200) {
    const batch = targets.slice(i, i + 200);
    const socks = await Promise.all(
      batch.map((t) => rawConnect(t.address, t.port, t.from).catch(() => null)),
    );
    for (const s of socks) if (s) out.push(s);
  }
  return out;
}

describe('a flood of hostile connections', () => {
  it('is capped per peer, on the timeline, while every legitimate request is answered', async () => {
    const lab = await newLab('flood-cucm');
    const built = lab.build({
      devices: [
        {
          kind: 'cucm',
          name: 'cucm-pub',
          phones: [
            { name: `SEP${MAC}`, model: 'CP-8861', protocol: 'SIP', security: 'non-secure', line: '1010' },
          ],
        },
        {
          kind: 'phone',
          name: `SEP${MAC}`,
          mac: MAC,
          model: 'CP-8861',
          firmware: 'sip-88xx-14.2',
          tftp: 'cucm-pub',
          autoBoot: false,
          timers: { tftpTimeoutMs: 1000, tftpRetries: 2 },
        },
      ],
    });
    if (!built.ok) throw new Error(built.error.message);
    await lab.start();
    lab.fabric.addHost('legit');
    const cucm = lab.fabric.addressOf('cucm-pub');
    const hostile = Array.from({ length: ADDRESSES }, (_, i) => lab.block.host(200 + i));
    const targets = hostile.flatMap((from) =>
      PORTS.flatMap((port) =>
        Array.from({ length: PER_ADDRESS_AND_PORT }, () => ({ address: cucm, port, from })),
      ),
    );
    expect(targets).toHaveLength(2000);

    const perPeer = DEFAULT_LISTENER_LIMITS.maxConnectionsPerPeer;
    const overCap = ADDRESSES * PORTS.length * (PER_ADDRESS_AND_PORT - perPeer);
    const flood = await openMany(targets);
    try {
      await lab.timeline.waitFor(
        `the per-peer cap to turn away ${overCap} connections`,
        () => lab.timeline.ofKind('net.refused', 'cucm-pub').length >= overCap,
        { timeoutMs: 20_000 },
      );

      // Legitimate work while the flood holds its connections.
      const booted = await lab.device(`SEP${MAC}`, Phone).boot();
      expect(booted.registration.state).toBe('registered');

      const cm = lab.device('cucm-pub', CucmNodeDevice).certs.own('CallManager').identity.cert;
      const tvs = await tvsExchange(
        {
          fabric: lab.fabric,
          device: 'legit',
          tls: {},
          verifyServer: () => ({ accepted: true, reason: 'test client', alert: null }),
          timeoutMs: 5000,
        },
        { host: 'cucm-pub' },
        {
          type: 'QUERY_CERT_REQ',
          sessionId: 0,
          deviceName: `CP-8861-SEP${MAC}`,
          subject: ciscoSubject(cm),
          issuer: ciscoIssuer(cm),
          serial: Buffer.from(serialBytes(cm)),
        },
      );
      // Status 0: TVS knows the certificate (docs/reference/tvs.md §3).
      expect(tvs.ok ? `TVS status ${tvs.answer.status}` : tvs.message).toBe('TVS status 0');

      const https = await lab.fabric.connectTls(
        'legit',
        { host: 'cucm-pub', port: 8443 },
        { timeoutMs: 5000 },
      );
      if (!https.ok) throw new Error(`Tomcat did not answer: ${https.error.message}`);
      const status = await new Promise<string>((resolve) => {
        let text = '';
        https.value.socket.on('data', (d: Buffer) => {
          text += d.toString();
          if (text.includes('\r\n')) resolve(text.slice(0, text.indexOf('\r\n')));
        });
        https.value.socket.write(
          'GET /cucm-uds/version HTTP/1.1\r\nHost: cucm-pub\r\nConnection: close\r\n\r\n',
        );
      });
      expect(status).toMatch(/^HTTP\/1\.1 200\b/);

      // The refusals: only hostile addresses, each at the per-peer cap of its port.
      const refused = lab.timeline.ofKind('net.refused', 'cucm-pub');
      expect(refused.length).toBe(overCap);
      expect(new Set(refused.map((e) => e.remote.address))).toEqual(new Set(hostile));
      expect(new Set(refused.map((e) => `${e.reason} ${e.limit}`))).toEqual(new Set([`per-peer ${perPeer}`]));
      expect(new Set(refused.map((e) => e.endpoint.port))).toEqual(new Set(PORTS));
    } finally {
      for (const s of flood) s.destroy();
    }
    await lab.timeline.waitFor(
      'the flood connections to close',
      () => lab.fabric.openHandles().handshakes === 0,
      { timeoutMs: 10_000 },
    );
    // And the node still answers once the flood is gone.
    const after = await lab.fabric.connectTls('legit', { host: 'cucm-pub', port: 2445 }, { timeoutMs: 5000 });
    expect(after.ok).toBe(true);
  }, 90_000);
});
