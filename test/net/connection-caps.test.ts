import type * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../emulator/events.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { closed, newLab, rawConnect } from './support.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');

const serverConnects = (e: LabEvent) => e.kind === 'net.connect' && e.role === 'server';

describe('connection caps', () => {
  it('a flood of idle connections from one address leaves the listener answering another address', async () => {
    const lab = await newLab('flood');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('flooder');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTls(
      'cucm',
      2445,
      // A deadline longer than the test: the flood's handshakes stay pending, as idle ones do.
      { identities: [server], timeoutMs: 60_000 },
      { onConnection: (c) => c.socket.end('TVS answer\n') },
      { maxConnections: 50, maxConnectionsPerPeer: 10 },
    );
    const flood: net.Socket[] = [];
    try {
      const target = lab.fabric.addressOf('cucm');
      const from = lab.fabric.addressOf('flooder');
      for (let i = 0; i < 300; i++) flood.push(await rawConnect(target, 2445, from));
      await lab.timeline.waitFor(
        'the listener to turn away all but 10 of the flood',
        () => lab.timeline.ofKind('net.refused', 'cucm').length === 290,
      );
      expect(lab.timeline.events().filter(serverConnects)).toHaveLength(10);
      const refused = lab.timeline.ofKind('net.refused', 'cucm');
      expect(new Set(refused.map((e) => `${e.reason} ${e.limit} ${e.remote.address}`))).toEqual(
        new Set([`per-peer 10 ${from}`]),
      );

      const r = await lab.fabric.connectTls(
        'phone',
        { host: 'cucm', port: 2445 },
        { trust: [pki.ca.certPem] },
      );
      if (!r.ok) throw new Error(`the phone was not answered: ${r.error.message}`);
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        r.value.socket.on('data', (d) => {
          text += d.toString();
        });
        r.value.socket.on('end', () => resolve(text));
      });
      expect(answer).toBe('TVS answer\n');
    } finally {
      for (const s of flood) s.destroy();
    }
  });

  it('a listener at its maximum turns the next connection away and takes one again once one closes', async () => {
    const lab = await newLab('listener-cap');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone-a');
    lab.fabric.addHost('phone-b');
    await lab.fabric.listenTcp('cucm', 2000, () => {}, { maxConnections: 3, maxConnectionsPerPeer: 10 });
    const target = lab.fabric.addressOf('cucm');
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await rawConnect(target, 2000, lab.fabric.addressOf('phone-a')));
    await lab.timeline.waitFor(
      'three accepted connections',
      () => lab.timeline.events().filter(serverConnects).length === 3,
    );
    const turnedAway = await rawConnect(target, 2000, lab.fabric.addressOf('phone-b'));
    await closed(turnedAway, 'the connection over the cap');
    const refused = lab.timeline.ofKind('net.refused', 'cucm');
    expect(refused).toMatchObject([
      { proto: 'tcp', reason: 'listener', limit: 3, open: 3, endpoint: { address: target, port: 2000 } },
    ]);
    expect(refused[0]?.remote.address).toBe(lab.fabric.addressOf('phone-b'));

    held[0]?.destroy();
    await lab.timeline.waitFor(
      'the server end of the closed connection',
      (e) => e.kind === 'net.close' && e.role === 'server',
    );
    const again = await rawConnect(target, 2000, lab.fabric.addressOf('phone-b'));
    await lab.timeline.waitFor(
      'the new connection to be accepted',
      () => lab.timeline.events().filter(serverConnects).length === 4,
    );
    expect(lab.timeline.ofKind('net.refused', 'cucm')).toHaveLength(1);
    for (const s of [...held, again]) s.destroy();
  });

  it('a cap that is not a positive integer is refused when the listener opens', async () => {
    const lab = await newLab('cap-bad');
    lab.fabric.addHost('cucm');
    await expect(lab.fabric.listenTcp('cucm', 2000, () => {}, { maxConnectionsPerPeer: 0 })).rejects.toThrow(
      /maxConnectionsPerPeer 0 is not a positive integer/,
    );
  });
});
