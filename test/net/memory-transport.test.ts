/**
 * The in-memory transport under the fabric (emulator/net/memory.ts): real TLS over in-process streams
 * and datagrams, recorded on the timeline exactly as over loopback, with the listener's limits.
 */
import { describe, expect, it } from 'vitest';
import type { TlsConnection } from '../../emulator/fabric.ts';
import type { Lab } from '../../emulator/lab.ts';
import type { TransportName } from '../../emulator/net/transport-choice.ts';
import type { Datagram } from '../../emulator/net/types.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { newLab } from './support.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');
const client = pki.leaf('phone.lab');

const NET_KINDS = ['net.connect', 'net.close', 'tls.handshake', 'tls.verdict', 'net.timeout', 'net.refused'];

/** What a report reads of a connection's events: who, what, which role, which fields (not the values). */
function shapes(lab: Lab): string[] {
  return lab.timeline
    .events()
    .filter((e) => NET_KINDS.includes(e.kind))
    .map((e) => {
      const fields = Object.keys(e)
        .filter((k) => !['seq', 'time', 't', 'lab', 'schemaVersion'].includes(k))
        .sort();
      return `${e.device} ${e.kind} ${(e as { role?: string }).role ?? ''} {${fields.join(',')}}`;
    })
    .sort();
}

/** A mutual-TLS exchange: the phone sends a request, CUCM answers and closes. */
async function exchange(transport: TransportName): Promise<{ lab: Lab; answer: string }> {
  const lab = await newLab(`mem-${transport}`, { transport });
  const f = lab.fabric;
  f.addHost('cucm');
  f.addHost('phone');
  await f.listenTls(
    'cucm',
    2443,
    { identities: [server], trust: [pki.ca.certPem], requestCert: true },
    {
      onConnection: (c) => c.socket.once('data', (d) => c.socket.end(`answer to ${d.toString()}`)),
    },
  );
  const r = await f.connectTls(
    'phone',
    { host: 'cucm', port: 2443 },
    { trust: [pki.ca.certPem], identity: client },
  );
  if (!r.ok) throw new Error(r.error.message);
  const chunks: Buffer[] = [];
  r.value.socket.on('data', (c) => chunks.push(c));
  const closed = new Promise<void>((resolve) => r.value.socket.once('close', () => resolve()));
  r.value.socket.write('hello');
  await closed;
  await lab.timeline.waitFor('both ends closed', () => lab.timeline.ofKind('net.close').length === 2);
  return { lab, answer: Buffer.concat(chunks).toString() };
}

describe('the in-memory transport', () => {
  it('records a mutual-TLS connection with the same events and fields as loopback', async () => {
    const loop = await exchange('loopback');
    const mem = await exchange('memory');
    expect(mem.answer).toBe('answer to hello');
    expect(shapes(mem.lab)).toEqual(shapes(loop.lab));
    expect(shapes(mem.lab).length).toBeGreaterThanOrEqual(8);
  });

  it('gives each end its own address: the phone is the client, CUCM the server, one id for both', async () => {
    const { lab } = await exchange('memory');
    const phone = lab.fabric.addressOf('phone');
    const cucm = lab.fabric.addressOf('cucm');
    const connects = lab.timeline.ofKind('net.connect');
    const c = connects.find((e) => e.role === 'client');
    const s = connects.find((e) => e.role === 'server');
    expect(c?.device).toBe('phone');
    expect(s?.device).toBe('cucm');
    expect(c?.local.address).toBe(phone);
    expect(c?.remote).toEqual({ address: cucm, port: 2443 });
    expect(s?.local).toEqual({ address: cucm, port: 2443 });
    expect(s?.remote).toEqual(c?.local);
    expect(s?.connId).toBe(c?.connId);
    const hs = lab.timeline.ofKind('tls.handshake');
    expect(hs.find((e) => e.role === 'client')?.peerCert?.subject).toBe('CN=cucm.lab');
    expect(hs.find((e) => e.role === 'server')?.peerCert?.subject).toBe('CN=phone.lab');
  });

  it('writes the TLS key log over in-process streams too', async () => {
    const { lab } = await exchange('memory');
    expect(lab.fabric.keylog.some((l) => /^(CLIENT_RANDOM|CLIENT_HANDSHAKE_TRAFFIC_SECRET) /.test(l))).toBe(
      true,
    );
  });

  it('delivers every byte written before a close, the last chunk included, over TCP and TLS', async () => {
    const lab = await newLab('mem-last-chunk', { transport: 'memory' });
    const f = lab.fabric;
    f.addHost('srv');
    f.addHost('cli');
    const body = Array.from({ length: 40 }, (_, i) => `chunk-${i};`);
    const serve = (s: { write(d: string): boolean; destroy(): unknown }) => {
      for (const b of body) s.write(b);
      s.destroy();
    };
    await f.listenTcp('srv', 2000, (c) => serve(c.socket));
    await f.listenTls('srv', 2443, { identities: [server] }, { onConnection: (c) => serve(c.socket) });
    const read = async (s: {
      on(e: 'data', l: (c: Buffer) => void): unknown;
      once(e: 'close', l: () => void): unknown;
    }) => {
      const got: Buffer[] = [];
      s.on('data', (c) => got.push(c));
      await new Promise<void>((resolve) => s.once('close', () => resolve()));
      return Buffer.concat(got).toString();
    };
    const tcp = await f.connectTcp('cli', { host: 'srv', port: 2000 });
    if (!tcp.ok) throw new Error(tcp.error.message);
    expect(await read(tcp.value.socket)).toBe(body.join(''));
    const tls = await f.connectTls('cli', { host: 'srv', port: 2443 }, { trust: [pki.ca.certPem] });
    if (!tls.ok) throw new Error(tls.error.message);
    expect(await read(tls.value.socket)).toBe(body.join(''));
  });

  it("closes a silent connection at the listener's idle timeout", async () => {
    const lab = await newLab('mem-idle', { transport: 'memory' });
    const f = lab.fabric;
    f.addHost('srv');
    f.addHost('cli');
    await f.listenTls(
      'srv',
      2443,
      { identities: [server] },
      { onConnection: () => {} },
      { idleTimeoutMs: 150 },
    );
    const r = await f.connectTls('cli', { host: 'srv', port: 2443 }, { trust: [pki.ca.certPem] });
    expect(r.ok).toBe(true);
    const e = await lab.timeline.waitFor('the idle close', (x) => x.kind === 'net.timeout', {
      timeoutMs: 3000,
    });
    expect(e).toMatchObject({ device: 'srv', proto: 'tls', idleMs: 150 });
  });

  it("refuses the connection past the listener's per-peer cap", async () => {
    const lab = await newLab('mem-cap', { transport: 'memory' });
    const f = lab.fabric;
    f.addHost('srv');
    f.addHost('cli');
    await f.listenTcp('srv', 2000, () => {}, { maxConnectionsPerPeer: 2 });
    for (let i = 0; i < 3; i++) await f.connectTcp('cli', { host: 'srv', port: 2000 });
    const e = await lab.timeline.waitFor('the refusal', (x) => x.kind === 'net.refused', { timeoutMs: 3000 });
    expect(e).toMatchObject({ device: 'srv', reason: 'per-peer', limit: 2, open: 2 });
  });

  it('refuses a connection where nothing listens (ECONNREFUSED)', async () => {
    const lab = await newLab('mem-refused', { transport: 'memory' });
    lab.fabric.addHost('srv');
    lab.fabric.addHost('cli');
    const r = await lab.fabric.connectTcp('cli', { host: 'srv', port: 2000 });
    expect(r.ok ? 'connected' : r.error.code).toBe('net.ECONNREFUSED');
  });

  it('carries datagrams whole, from the sender address, and loses those sent to no socket', async () => {
    const lab = await newLab('mem-udp', { transport: 'memory' });
    const f = lab.fabric;
    f.addHost('tftp');
    f.addHost('phone');
    const srv = await f.bindUdp('tftp', 6969);
    const cli: Datagram = await f.bindUdp('phone', 0);
    const got = new Promise<{ msg: string; from: { address: string; port: number } }>((resolve) =>
      srv.once('message', (m, from) => resolve({ msg: m.toString(), from })),
    );
    cli.send(Buffer.from('RRQ nowhere'), 6970, f.addressOf('tftp'));
    cli.send(Buffer.from('RRQ SEP.cnf.xml'), 6969, f.addressOf('tftp'));
    const m = await got;
    expect(m.msg).toBe('RRQ SEP.cnf.xml');
    expect(m.from).toMatchObject({ address: f.addressOf('phone'), port: cli.address().port });
  });
});

describe('renegotiation on the in-memory transport', () => {
  it('is refused as impossible, with the reason, instead of ending the process', async () => {
    const lab = await newLab('mem-reneg', { transport: 'memory' });
    const f = lab.fabric;
    f.addHost('srv');
    f.addHost('cli');
    let accept: (c: TlsConnection) => void = () => {};
    const accepted = new Promise<TlsConnection>((resolve) => {
      accept = resolve;
    });
    await f.listenTls(
      'srv',
      2443,
      { identities: [server], maxVersion: 'TLSv1.2' },
      { onConnection: (c) => accept(c) },
    );
    const r = await f.connectTls('cli', { host: 'srv', port: 2443 }, { trust: [pki.ca.certPem] });
    expect(r.ok).toBe(true);
    const again = await f.renegotiate('srv', await accepted);
    expect(again.ok ? 'renegotiated' : again.error.code).toBe('tls.renegotiation-impossible');
    const e = await lab.timeline.waitFor('the refusal', (x) => x.kind === 'tls.renegotiation');
    expect(e).toMatchObject({ outcome: 'impossible' });
    expect((e as { detail: string }).detail).toContain('in-memory transport');
  });
});
