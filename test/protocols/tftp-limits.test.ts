/**
 * The TFTP server caps concurrent transfers per peer and in all: a peer over its cap and a full queue
 * get a TFTP ERROR (from the listening port: a refusal must not cost a socket) and a `transfer-error`
 * event with the cap that refused. Beyond the running cap requests wait without a socket, and a flood
 * of requests that are never acknowledged cannot keep a phone's request out.
 */
import type { Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { tftpGet } from '../../devices/protocols/tftp/client.ts';
import { decodeTftp, encodeTftp, type TftpPacket } from '../../devices/protocols/tftp/packet.ts';
import {
  startTftpServer,
  type TftpServer,
  type TftpServerOptions,
} from '../../devices/protocols/tftp/server.ts';
import { ok } from '../../emulator/result.ts';
import { EventLog, loopbackBlock, udpBinder } from './helpers.ts';

const host = await loopbackBlock();
const SERVER_IP = host(1);
const FILE = Buffer.alloc(3000, 7); // 6 blocks at 512

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function server(o: Partial<TftpServerOptions> = {}): Promise<{ srv: TftpServer; log: EventLog }> {
  const log = new EventLog();
  const srv = await startTftpServer({
    bind: udpBinder(SERVER_IP),
    port: 0,
    retransmitMs: 60_000, // nothing resends during a test unless it says so
    onEvent: log.push,
    resolve: async () => ok(FILE),
    ...o,
  });
  open.push(srv);
  return { srv, log };
}

interface Reply {
  packet: TftpPacket;
  port: number;
}

/** A client socket on `address` that queues every reply it gets. */
async function client(address: string) {
  const s: Socket = await udpBinder(address)(0);
  open.push({ close: () => new Promise<void>((r) => s.close(() => r())) });
  const queue: Reply[] = [];
  const waiters: ((r: Reply) => void)[] = [];
  s.on('message', (msg, r) => {
    const d = decodeTftp(msg);
    if (!d.ok) return;
    const reply = { packet: d.value, port: r.port };
    const w = waiters.shift();
    if (w) w(reply);
    else queue.push(reply);
  });
  return {
    rrq(port: number, filename: string, options: { timeout?: number } = {}) {
      s.send(encodeTftp({ op: 'RRQ', filename, mode: 'octet', options }), port, SERVER_IP);
    },
    ack(port: number, block: number) {
      s.send(encodeTftp({ op: 'ACK', block }), port, SERVER_IP);
    },
    next(timeoutMs = 3000): Promise<Reply> {
      const q = queue.shift();
      if (q) return Promise.resolve(q);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((r) => {
          clearTimeout(t);
          resolve(r);
        });
      });
    },
    pending: () => queue.length,
  };
}

describe('TFTP transfer caps', () => {
  it('a peer over its cap gets ERROR 0 from the listening port and the refusal is reported', async () => {
    const { srv, log } = await server({ maxTransfersPerPeer: 3 });
    const c = await client(host(10));
    for (const f of ['a', 'b', 'c', 'd']) c.rrq(srv.address.port, f);
    const replies = [await c.next(), await c.next(), await c.next(), await c.next()];
    const refused = replies.filter((r) => r.packet.op === 'ERROR');
    expect(replies.filter((r) => r.packet.op === 'DATA')).toHaveLength(3);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({
      port: srv.address.port,
      packet: { op: 'ERROR', code: 0, message: expect.stringMatching(/^Server busy: 3 transfers to /) },
    });
    await expect(
      log.waitFor((e) => e.type === 'transfer-error' && e.limit === 'peer-limit'),
    ).resolves.toMatchObject({
      filename: 'd',
      peer: { address: host(10) },
      sent: true,
    });
    // Another peer is still served.
    const other = await client(host(11));
    other.rrq(srv.address.port, 'a');
    expect((await other.next()).packet).toMatchObject({ op: 'DATA', block: 1 });
    expect(srv.activeTransfers).toBe(4);
  });

  it('beyond the running cap a request waits without a socket and starts when a transfer ends', async () => {
    const { srv } = await server({ maxTransfers: 2 });
    const [a, b, c] = [await client(host(20)), await client(host(21)), await client(host(22))];
    a.rrq(srv.address.port, 'x');
    b.rrq(srv.address.port, 'x');
    const first = await a.next();
    await b.next();
    c.rrq(srv.address.port, 'x');
    await expect.poll(() => srv.queuedRequests).toBe(1);
    expect(srv.activeTransfers).toBe(2);
    expect(c.pending()).toBe(0);
    // a acknowledges every block: its transfer ends and c's starts.
    let r = first;
    for (;;) {
      const block = r.packet.op === 'DATA' ? r.packet.block : -1;
      a.ack(r.port, block);
      if (r.packet.op === 'DATA' && r.packet.data.length < 512) break;
      r = await a.next();
    }
    expect((await c.next()).packet).toMatchObject({ op: 'DATA', block: 1 });
    expect(srv.queuedRequests).toBe(0);
  });

  it('a full queue refuses with ERROR 0 and reports the server limit', async () => {
    const { srv, log } = await server({ maxTransfers: 1, maxQueued: 1 });
    const [a, b, c] = [await client(host(30)), await client(host(31)), await client(host(32))];
    a.rrq(srv.address.port, 'x');
    await a.next();
    b.rrq(srv.address.port, 'x');
    c.rrq(srv.address.port, 'x');
    expect((await c.next()).packet).toMatchObject({
      op: 'ERROR',
      code: 0,
      message: expect.stringMatching(/^Server busy/),
    });
    await expect(
      log.waitFor((e) => e.type === 'transfer-error' && e.limit === 'server-limit'),
    ).resolves.toMatchObject({
      peer: { address: host(32) },
    });
    expect(b.pending()).toBe(0);
  });

  it('a duplicated read request does not start a second transfer', async () => {
    const { srv } = await server();
    const a = await client(host(40));
    a.rrq(srv.address.port, 'x');
    a.rrq(srv.address.port, 'x');
    await a.next();
    await expect.poll(() => srv.activeTransfers).toBe(1);
    expect(a.pending()).toBe(0);
  });

  it('a transfer never acknowledged is abandoned, with an ERROR, for a request that waits', async () => {
    const { srv, log } = await server({ maxTransfers: 2, staleMs: 0 });
    const [a, b, c] = [await client(host(50)), await client(host(51)), await client(host(52))];
    a.rrq(srv.address.port, 'x');
    await a.next();
    b.rrq(srv.address.port, 'x');
    const bFirst = await b.next();
    b.ack(bFirst.port, 1); // b is alive: only a may be abandoned
    c.rrq(srv.address.port, 'x');
    expect((await c.next()).packet).toMatchObject({ op: 'DATA', block: 1 });
    expect((await a.next()).packet).toMatchObject({
      op: 'ERROR',
      message: expect.stringMatching(/abandoned/),
    });
    expect(log.events.some((e) => e.type === 'transfer-error' && e.peer.address === host(51))).toBe(false);
  });
});

describe('a flood of unacknowledged read requests', () => {
  it('300 RRQs asking timeout 255 from 60 peers hold at most the cap, and a phone is still served', async () => {
    const { srv, log } = await server({ retransmitMs: 1000, staleMs: 500 });
    const floods = await Promise.all(Array.from({ length: 60 }, (_, i) => client(host(100 + i))));
    for (const f of floods)
      for (let k = 0; k < 5; k++) f.rrq(srv.address.port, `flood-${k}`, { timeout: 255 });
    let most = 0;
    const sample = setInterval(() => {
      most = Math.max(most, srv.activeTransfers);
    }, 5);
    await expect.poll(() => srv.activeTransfers, { timeout: 5000 }).toBe(256);
    const t0 = Date.now();
    const r = await tftpGet({
      bind: udpBinder(host(200)),
      server: srv.address,
      filename: 'SEP001122334455.cnf.xml',
      timeoutMs: 500,
      retries: 10,
    });
    expect(r.ok && r.value.data.equals(FILE)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
    clearInterval(sample);
    expect(Math.max(most, srv.activeTransfers)).toBeLessThanOrEqual(256);
    expect(log.events.some((e) => e.type === 'transfer-error' && e.limit === 'server-limit')).toBe(true);
  }, 20_000);

  it('450 RRQs asking timeout 255 from one peer hold 8 transfers; the rest are refused at once', async () => {
    const { srv, log } = await server();
    const flood = await client(host(60));
    // In bursts of 50 (a kernel receive buffer holds a few hundred datagrams), each answered.
    const replies: Reply[] = [];
    for (let k = 0; k < 450; k += 50) {
      for (let j = k; j < k + 50; j++) flood.rrq(srv.address.port, `flood-${j}`, { timeout: 255 });
      for (let j = 0; j < 50; j++) replies.push(await flood.next());
    }
    expect(replies.filter((r) => r.packet.op === 'OACK')).toHaveLength(8);
    expect(replies.filter((r) => r.packet.op === 'ERROR' && r.port === srv.address.port)).toHaveLength(442);
    expect(log.events.filter((e) => e.type === 'transfer-error' && e.limit === 'peer-limit')).toHaveLength(
      442,
    );
    expect(srv.activeTransfers).toBe(8);
    const r = await tftpGet({
      bind: udpBinder(host(201)),
      server: srv.address,
      filename: 'SEP001122334455.cnf.xml',
      timeoutMs: 500,
      retries: 2,
    });
    expect(r.ok).toBe(true);
  });
});
