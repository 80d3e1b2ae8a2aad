/**
 * Fault injection on the fabric: each fault does to real sockets what its name says,
 * is recorded when added and removed, and leaves the connections it is not on untouched.
 */
import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { LabEvent } from '../../emulator/events.ts';
import type { Lab } from '../../emulator/lab.ts';
import type { Connection } from '../../emulator/net/connections.ts';
import { FaultyStream } from '../../emulator/net/fault-stream.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { closed, newLab } from './support.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');

/** A lab with a `server` echoing on TCP 7000 (its connections kept in `accepted`) and a `client`. */
async function echoLab(name: string): Promise<{ lab: Lab; accepted: Connection[] }> {
  const lab = await newLab(name);
  lab.fabric.addHost('server');
  lab.fabric.addHost('client');
  lab.fabric.addHost('other');
  const accepted: Connection[] = [];
  await lab.fabric.listenTcp('server', 7000, (c) => {
    accepted.push(c);
    c.socket.on('data', (d) => c.socket.write(d));
  });
  return { lab, accepted };
}

function mustAdd(lab: Lab, spec: Parameters<Lab['fabric']['faults']['add']>[0]) {
  const r = lab.fabric.faults.add(spec);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Everything the socket receives until it has `n` bytes (or closes). */
function readBytes(s: { on(e: 'data', l: (d: Buffer) => void): unknown }, n: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let got = 0;
    s.on('data', (d: Buffer) => {
      parts.push(d);
      got += d.length;
      if (got >= n) resolve(Buffer.concat(parts));
    });
  });
}

const faulted = (lab: Lab, effect: string) =>
  lab.timeline.ofKind('net.faulted').filter((e) => e.effect === effect);

describe('a device down', () => {
  it('refusing: a lab client is refused at once and the listener never sees the attempt', async () => {
    const { lab, accepted } = await echoLab('fault-down-refuse');
    mustAdd(lab, { kind: 'down', device: 'server', mode: 'refuse' });
    const r = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 }, { timeoutMs: 2000 });
    expect(r.ok ? 'connected' : r.error.code).toBe('net.ECONNREFUSED');
    expect(accepted).toHaveLength(0);
    expect(faulted(lab, 'refused')).toHaveLength(1);
    expect(faulted(lab, 'refused')[0]).toMatchObject({ faultKind: 'down', device: 'server' });
  });

  it('blackholed: a lab client runs into its own connect timeout', async () => {
    const { lab, accepted } = await echoLab('fault-down-blackhole');
    mustAdd(lab, { kind: 'down', device: 'server' });
    const r = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 }, { timeoutMs: 300 });
    expect(r.ok ? 'connected' : r.error.code).toBe('fabric.timeout');
    expect(accepted).toHaveLength(0);
    expect(faulted(lab, 'blackholed')).toHaveLength(1);
  });

  it('a device that is down cannot open connections of its own', async () => {
    const { lab } = await echoLab('fault-down-source');
    await lab.fabric.listenTcp('other', 7001, () => {});
    mustAdd(lab, { kind: 'down', device: 'client', mode: 'refuse' });
    const r = await lab.fabric.connectTcp('client', { host: 'other', port: 7001 });
    expect(r.ok ? 'connected' : r.error.code).toBe('net.ENETUNREACH');
  });

  it('only the port named is down: the device answers on its other ports', async () => {
    const { lab } = await echoLab('fault-down-port');
    await lab.fabric.listenTcp('server', 7001, (c) => c.socket.end('up\n'));
    mustAdd(lab, { kind: 'down', device: 'server', port: 7000, mode: 'refuse' });
    const down = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    const up = await lab.fabric.connectTcp('client', { host: 'server', port: 7001 });
    expect(down.ok ? 'connected' : down.error.code).toBe('net.ECONNREFUSED');
    if (!up.ok) throw new Error(up.error.message);
    expect((await readBytes(up.value.socket, 3)).toString()).toBe('up\n');
  });

  it('a peer partition cuts only the two devices named', async () => {
    const { lab } = await echoLab('fault-partition');
    mustAdd(lab, { kind: 'down', device: 'server', peer: 'client', mode: 'refuse' });
    const cut = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    const other = await lab.fabric.connectTcp('other', { host: 'server', port: 7000 });
    expect(cut.ok ? 'connected' : cut.error.code).toBe('net.EHOSTUNREACH');
    expect(other.ok).toBe(true);
  });

  it('going down cuts the connections the device has open', async () => {
    const { lab, accepted } = await echoLab('fault-down-cut');
    const r = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    if (!r.ok) throw new Error(r.error.message);
    await lab.timeline.waitFor('the server end', () => accepted.length === 1);
    mustAdd(lab, { kind: 'down', device: 'server' });
    await closed(r.value.socket, "the client's end");
    await closed(accepted[0]!.socket, "the server's end");
    expect(faulted(lab, 'cut').length).toBeGreaterThanOrEqual(1);
  });

  it('a peer outside the fabric gets its accepted connection reset', async () => {
    const { lab, accepted } = await echoLab('fault-down-external');
    mustAdd(lab, { kind: 'down', device: 'server' });
    // The kernel completes the TCP handshake; the reset may reach the peer before its connect event.
    const peer = net.connect({
      host: lab.fabric.addressOf('server'),
      port: 7000,
      localAddress: lab.block.host(200),
    });
    const reset = new Promise<string>((resolve) => {
      peer.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      peer.once('close', () => resolve('closed'));
    });
    expect(await reset).toBe('ECONNRESET');
    await lab.timeline.waitFor(
      'the reset recorded',
      (e) => e.kind === 'net.faulted' && e.effect === 'refused',
    );
    expect(accepted).toHaveLength(0);
  });

  it('once removed, connections go through again, and the removal says what the fault did', async () => {
    const { lab } = await echoLab('fault-down-removed');
    mustAdd(lab, { kind: 'down', device: 'server', mode: 'refuse', name: 'server-down' });
    await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    const removed = lab.fabric.faults.remove('server-down');
    expect(removed.ok).toBe(true);
    const r = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    expect(r.ok).toBe(true);
    const changes = lab.timeline.ofKind('net.fault', 'server');
    expect(changes.map((e) => [e.name, e.change])).toEqual([
      ['server-down', 'added'],
      ['server-down', 'removed'],
    ]);
    expect(changes[1]?.counts).toEqual({ refused: 2 });
    expect(changes[1]?.summary).toBe('server down (refuse)');
  });
});

describe('stream faults', () => {
  it('latency holds every chunk for the delay each way, in order even with jitter', async () => {
    const { lab } = await echoLab('fault-latency');
    mustAdd(lab, { kind: 'latency', device: 'server', ms: 150, jitterMs: 100 });
    const r = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    if (!r.ok) throw new Error(r.error.message);
    const sent = Array.from({ length: 40 }, (_, i) => `${i};`).join('');
    const started = Date.now();
    let firstBack = 0;
    r.value.socket.once('data', () => {
      firstBack = Date.now() - started;
    });
    const echoed = readBytes(r.value.socket, sent.length);
    // Pieces written apart, so they travel as separate chunks the jitter could put out of order.
    for (const piece of sent.match(/\d+;/g) ?? []) {
      r.value.socket.write(piece);
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    const back = (await echoed).toString();
    // Each way at least 150 - 100 ms: the round trip of the first chunk cannot be under 100 ms.
    expect(firstBack).toBeGreaterThanOrEqual(100);
    expect(back).toBe(sent);
    expect(faulted(lab, 'slowed')).toHaveLength(1);
  });

  it('a bandwidth limit paces a transfer to the rate', async () => {
    const lab = await newLab('fault-bandwidth');
    lab.fabric.addHost('server');
    lab.fabric.addHost('client');
    const payload = Buffer.alloc(16_000, 7);
    await lab.fabric.listenTcp('server', 7000, (c) => c.socket.end(payload));
    mustAdd(lab, { kind: 'bandwidth', device: 'server', bytesPerSecond: 20_000 });
    const started = Date.now();
    const r = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    if (!r.ok) throw new Error(r.error.message);
    const got = await readBytes(r.value.socket, payload.length);
    // 16 KB at 20 KB/s is 800 ms; the pacing is in 50 ms slices, so allow one slice early.
    expect(Date.now() - started).toBeGreaterThanOrEqual(750);
    expect(got.equals(payload)).toBe(true);
  });

  it('reset-after lets exactly N bytes through, then resets the connection', async () => {
    const { lab, accepted } = await echoLab('fault-reset');
    const received: Buffer[] = [];
    mustAdd(lab, { kind: 'reset-after', device: 'server', bytes: 10 });
    const r = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    if (!r.ok) throw new Error(r.error.message);
    await lab.timeline.waitFor('the server end', () => accepted.length === 1);
    accepted[0]!.socket.on('data', (d) => received.push(d));
    const clientError = new Promise<string>((resolve) => {
      r.value.socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    r.value.socket.write('0123456789abcdef');
    expect(await clientError).toBe('ECONNRESET');
    expect(Buffer.concat(received).toString()).toBe('0123456789');
    expect(faulted(lab, 'reset')).toHaveLength(1);
  });

  it('a stalled TLS peer accepts and never answers: the client times out, the listener hears nothing', async () => {
    const lab = await newLab('fault-stall');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    const seen: string[] = [];
    await lab.fabric.listenTls(
      'cucm',
      2445,
      { identities: [server] },
      { onConnection: (c) => seen.push(c.id) },
    );
    mustAdd(lab, { kind: 'stall', device: 'cucm', port: 2445 });
    const r = await lab.fabric.connectTls(
      'phone',
      { host: 'cucm', port: 2445 },
      { trust: [pki.ca.certPem], timeoutMs: 400 },
    );
    expect(r.ok ? 'connected' : r.error.code).toBe('tls.timeout');
    expect(seen).toEqual([]);
    expect(lab.timeline.ofKind('tls.handshake')).toHaveLength(0);
    expect(faulted(lab, 'stalled')).toHaveLength(1);
  });

  it('TLS runs to the end through a faulty stream (latency)', async () => {
    const lab = await newLab('fault-tls-latency');
    lab.fabric.addHost('cucm');
    lab.fabric.addHost('phone');
    await lab.fabric.listenTls(
      'cucm',
      2445,
      { identities: [server] },
      { onConnection: (c) => c.socket.end('TVS answer\n') },
    );
    mustAdd(lab, { kind: 'latency', device: 'cucm', ms: 20 });
    const r = await lab.fabric.connectTls('phone', { host: 'cucm', port: 2445 }, { trust: [pki.ca.certPem] });
    if (!r.ok) throw new Error(r.error.message);
    expect((await readBytes(r.value.socket, 11)).toString()).toBe('TVS answer\n');
    // Both ends know it as one connection: the server's verdict reached the client at once.
    const ends = lab.timeline.ofKind('tls.handshake').map((e) => `${e.role} ${e.connId}`);
    expect(ends.sort()).toEqual([`client ${r.value.id}`, `server ${r.value.id}`]);
  });

  it('a connection no fault is on keeps the transport stream itself: no wrapper, no cost', async () => {
    const { lab, accepted } = await echoLab('fault-cheap');
    mustAdd(lab, { kind: 'latency', device: 'other', ms: 500 });
    const r = await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    if (!r.ok) throw new Error(r.error.message);
    await lab.timeline.waitFor('the server end', () => accepted.length === 1);
    expect(accepted[0]!.socket).toBeInstanceOf(net.Socket);
    expect(accepted[0]!.socket).not.toBeInstanceOf(FaultyStream);
    lab.fabric.faults.clear();
    mustAdd(lab, { kind: 'latency', device: 'server', ms: 1 });
    await lab.fabric.connectTcp('client', { host: 'server', port: 7000 });
    await lab.timeline.waitFor('the second server end', () => accepted.length === 2);
    expect(accepted[1]!.socket).toBeInstanceOf(FaultyStream);
  });
});

describe('datagram faults', () => {
  /** `n` datagrams from client to server; resolves with what arrived once `quietMs` pass with nothing. */
  async function sendDatagrams(lab: Lab, n: number, quietMs = 300): Promise<string[]> {
    const rx = await lab.fabric.bindUdp('server', 0);
    const tx = await lab.fabric.bindUdp('client', 0);
    const got: string[] = [];
    let last = Date.now();
    rx.on('message', (m) => {
      got.push(m.toString());
      last = Date.now();
    });
    // One at a time, so the receiving socket's buffer never overflows: every loss is the fault's.
    for (let i = 0; i < n; i++) {
      await new Promise<void>((resolve) =>
        tx.send(Buffer.from(String(i)), rx.address().port, rx.address().address, () => setImmediate(resolve)),
      );
    }
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (Date.now() - last >= quietMs) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    return got;
  }

  it('loss drops that share of the datagrams (counted on removal), calling every send back', async () => {
    const lab = await newLab('fault-udp-loss');
    lab.fabric.addHost('server');
    lab.fabric.addHost('client');
    mustAdd(lab, { kind: 'loss', device: 'server', percent: 30, name: 'lossy' });
    const got = await sendDatagrams(lab, 400);
    lab.fabric.faults.remove('lossy');
    const removed = lab.timeline.ofKind('net.fault').find((e) => e.change === 'removed');
    const dropped = removed?.counts.dropped ?? 0;
    expect(got.length + dropped).toBe(400);
    expect(dropped).toBeGreaterThan(400 * 0.2);
    expect(dropped).toBeLessThan(400 * 0.4);
  });

  it('duplication delivers that share twice', async () => {
    const lab = await newLab('fault-udp-dup');
    lab.fabric.addHost('server');
    lab.fabric.addHost('client');
    mustAdd(lab, { kind: 'duplicate', device: 'client', percent: 100 });
    const got = await sendDatagrams(lab, 20);
    expect(got.length).toBe(40);
    expect(new Set(got).size).toBe(20);
  });

  it('a device that is down neither sends nor receives datagrams', async () => {
    const lab = await newLab('fault-udp-down');
    lab.fabric.addHost('server');
    lab.fabric.addHost('client');
    mustAdd(lab, { kind: 'down', device: 'server' });
    expect(await sendDatagrams(lab, 10, 200)).toEqual([]);
  });

  it('latency holds datagrams for the delay', async () => {
    const lab = await newLab('fault-udp-latency');
    lab.fabric.addHost('server');
    lab.fabric.addHost('client');
    mustAdd(lab, { kind: 'latency', device: 'server', ms: 200 });
    const rx = await lab.fabric.bindUdp('server', 0);
    const tx = await lab.fabric.bindUdp('client', 0);
    const started = Date.now();
    const arrived = new Promise<number>((resolve) => rx.once('message', () => resolve(Date.now() - started)));
    tx.send(Buffer.from('x'), rx.address().port, rx.address().address);
    expect(await arrived).toBeGreaterThanOrEqual(190);
  });
});

describe('fault specs', () => {
  it('are checked: the error names the field or the device', async () => {
    const lab = await newLab('fault-specs');
    lab.fabric.addHost('server');
    const codes = [
      lab.fabric.faults.add({ kind: 'down', device: 'nobody' }),
      lab.fabric.faults.add({ kind: 'loss', device: 'server', percent: 0 }),
      lab.fabric.faults.add({ kind: 'latency', device: 'server', ms: -1 }),
      lab.fabric.faults.add({ kind: 'down', device: 'server', peer: 'nowhere' }),
      lab.fabric.faults.add({ kind: 'teleport', device: 'server' } as never),
    ].map((r) => (r.ok ? 'accepted' : `${r.error.code} ${r.error.path}`));
    expect(codes).toEqual([
      'fault.unknown-device fault.device',
      'fault.invalid fault.percent',
      'fault.invalid fault.ms',
      'fault.unknown-peer fault.peer',
      'fault.invalid fault.kind',
    ]);
  });

  it('a name is taken once at a time, and removing an unknown fault says what is on', async () => {
    const lab = await newLab('fault-names');
    lab.fabric.addHost('server');
    expect(lab.fabric.faults.add({ kind: 'stall', device: 'server', name: 'hung' }).ok).toBe(true);
    const again = lab.fabric.faults.add({ kind: 'stall', device: 'server', name: 'hung' });
    expect(again.ok ? 'accepted' : again.error.code).toBe('fault.duplicate-name');
    const gone = lab.fabric.faults.remove('other');
    expect(gone.ok ? 'removed' : gone.error.message).toBe('no fault "other" is on (on: hung)');
  });

  it('the lab stopping takes the faults off, recorded', async () => {
    const lab = await newLab('fault-stop');
    lab.fabric.addHost('server');
    lab.fabric.faults.add({ kind: 'stall', device: 'server' });
    await lab.stop();
    const changes = lab.timeline.ofKind('net.fault').map((e: LabEvent<'net.fault'>) => e.change);
    expect(changes).toEqual(['added', 'removed']);
  });
});
