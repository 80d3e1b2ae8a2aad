/**
 * The phone's TFTP client resends an unanswered packet with backoff, as the server side does
 * (devices/protocols/tftp/transfer.ts): the first wait is its timeout, or the one the server
 * acknowledged in an OACK (RFC 2349), and each wait doubles the one before. Read on a fake clock from a
 * fake datagram socket that records when each packet leaves: no real waiting.
 */
import { EventEmitter } from 'node:events';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { tftpGet } from '../../devices/protocols/tftp/client.ts';
import { decodeTftp, encodeTftp, type TftpPacket } from '../../devices/protocols/tftp/packet.ts';
import type { Datagram } from '../../emulator/net/types.ts';

const SERVER = { address: '127.0.0.1', port: 69 };

/** A UDP socket that records what is sent (at the fake clock's time) and answers through `reply`. */
class FakeDatagram extends EventEmitter {
  readonly sent: { at: number; packet: TftpPacket }[] = [];
  constructor(private readonly reply: (p: TftpPacket, s: FakeDatagram) => void = () => {}) {
    super();
  }
  send(
    msg: Uint8Array,
    _port: number,
    _address: string,
    cb?: (err: Error | null, bytes: number) => void,
  ): void {
    const p = decodeTftp(Buffer.from(msg));
    if (!p.ok) throw new Error('the client sent a packet that does not decode');
    this.sent.push({ at: Date.now(), packet: p.value });
    this.reply(p.value, this);
    cb?.(null, msg.length);
  }
  deliver(p: TftpPacket): void {
    this.emit('message', encodeTftp(p), { ...SERVER, port: 40000, size: 0 });
  }
  address() {
    return { address: '127.0.0.2', port: 50000 };
  }
  close(cb?: () => void): this {
    this.emit('close');
    cb?.();
    return this;
  }
}

function waits(sent: { at: number }[], from: number): number[] {
  return sent.slice(from + 1).map((s, i) => s.at - (sent[from + i] as { at: number }).at);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('TFTP client retransmission backoff', () => {
  it('a read request nobody answers is resent after 100, 200 and 400 ms, and abandoned 800 ms later', async () => {
    const socket = new FakeDatagram();
    const t0 = Date.now();
    const result = tftpGet({
      bind: async () => socket as unknown as Datagram,
      server: SERVER,
      filename: 'SEP001122334455.cnf.xml',
      timeoutMs: 100,
      retries: 3,
    });
    await vi.advanceTimersByTimeAsync(10_000);
    const r = await result;
    expect(socket.sent.map((s) => s.packet.op)).toEqual(['RRQ', 'RRQ', 'RRQ', 'RRQ']);
    expect(waits(socket.sent, 0)).toEqual([100, 200, 400]);
    expect(r).toMatchObject({ ok: false, error: { code: 'tftp.timeout' } });
    // One more doubled wait after the last resend: 100 + 200 + 400 + 800.
    expect(socket.sent[0]?.at).toBe(t0);
    expect(Date.now()).toBeGreaterThanOrEqual(t0 + 1500);
  });

  it('an ACK the server does not answer is resent with backoff from the timeout its OACK acknowledged', async () => {
    const socket = new FakeDatagram((p, s) => {
      if (p.op === 'RRQ') queueMicrotask(() => s.deliver({ op: 'OACK', options: { timeout: 1 } }));
    });
    const result = tftpGet({
      bind: async () => socket as unknown as Datagram,
      server: SERVER,
      filename: 'ITLFile.tlv',
      timeoutOption: 1,
      timeoutMs: 100,
      retries: 2,
    });
    await vi.advanceTimersByTimeAsync(60_000);
    await result;
    const acks = socket.sent.findIndex((s) => s.packet.op === 'ACK');
    expect(socket.sent.slice(acks).map((s) => s.packet.op)).toEqual(['ACK', 'ACK', 'ACK']);
    expect(waits(socket.sent, acks)).toEqual([1000, 2000]);
  });

  it('each new packet starts again from the first wait', async () => {
    const block = Buffer.alloc(512, 7);
    let answered = false;
    const socket = new FakeDatagram((p, s) => {
      // The first ACK is answered with the next DATA; the one after it is not.
      if (p.op === 'ACK' && p.block === 1 && !answered) {
        answered = true;
        queueMicrotask(() => s.deliver({ op: 'DATA', block: 2, data: block }));
      }
    });
    const result = tftpGet({
      bind: async () => socket as unknown as Datagram,
      server: SERVER,
      filename: 'CTLFile.tlv',
      timeoutMs: 100,
      retries: 2,
    });
    await vi.advanceTimersByTimeAsync(250); // the RRQ resent once, after 100 ms
    socket.deliver({ op: 'DATA', block: 1, data: block });
    await vi.advanceTimersByTimeAsync(10_000);
    await result;
    const ack2 = socket.sent.findIndex((s) => s.packet.op === 'ACK' && s.packet.block === 2);
    expect(waits(socket.sent, ack2)).toEqual([100, 200]);
  });

  it('a retry budget of 25 doubled waits neither overflows the timers nor grows a wait past 255 s', async () => {
    const socket = new FakeDatagram();
    let settled = false;
    const result = tftpGet({
      bind: async () => socket as unknown as Datagram,
      server: SERVER,
      filename: 'ITLFile.tlv',
      timeoutMs: 200,
      retries: 25,
    }).then((r) => {
      settled = true;
      return r;
    });
    await vi.advanceTimersByTimeAsync(2_000_000);
    expect(settled, 'gave up early: a timer past 2^31 ms fires at once').toBe(false);
    expect(Math.max(...waits(socket.sent, 0))).toBe(255_000);
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(await result).toMatchObject({ ok: false });
  });
});
