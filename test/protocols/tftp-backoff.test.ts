/**
 * The server resends an unacknowledged packet with backoff, as tftpd-hpa does (measured: resends 1, 3,
 * 7, 15 and 31 s after the first DATA, i.e. waits of 1, 2, 4, 8, 16 s), and abandons only after one
 * more doubled wait: 63 × the base in all.
 */
import { describe, expect, it } from 'vitest';
import { decodeTftp, encodeTftp } from '../../devices/protocols/tftp/packet.ts';
import { startTftpServer } from '../../devices/protocols/tftp/server.ts';
import { ok } from '../../emulator/result.ts';
import { EventLog, loopbackBlock, udpBinder } from './helpers.ts';

const host = await loopbackBlock();

async function silentClient(base: number, options: { timeout?: number } = {}) {
  const log = new EventLog();
  const srv = await startTftpServer({
    bind: udpBinder(host(1)),
    port: 0,
    retransmitMs: base,
    onEvent: log.push,
    resolve: async () => ok(Buffer.alloc(2000, 1)),
  });
  const s = await udpBinder(host(2))(0);
  const arrivals: number[] = [];
  s.on('message', (m) => {
    if (decodeTftp(m).ok) arrivals.push(performance.now());
  });
  const t0 = performance.now();
  s.send(encodeTftp({ op: 'RRQ', filename: 'x', mode: 'octet', options }), srv.address.port, host(1));
  const abandoned = await log.waitFor((e) => e.type === 'transfer-error', 10_000);
  const end = performance.now();
  s.close();
  await srv.close();
  return { arrivals, t0, end, abandoned };
}

describe('TFTP retransmission backoff', () => {
  it('an unacknowledged DATA is resent 5 times, each wait twice the one before', async () => {
    const base = 40;
    const { arrivals, t0, abandoned } = await silentClient(base);
    expect(arrivals).toHaveLength(6); // the first DATA and 5 resends
    // Timers fire late under load, never early: resend k comes no sooner than base × (2^k − 1) after
    // the RRQ was sent (the first DATA goes after it) (1, 3, 7, 15, 31 × base), which a constant wait (k × base) cannot reach. Each wait
    // is not checked against the one before: a late timer stretches one wait and not the next.
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    const shown = `waits ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`;
    arrivals.slice(1).forEach((t, i) => {
      expect(t - t0, shown).toBeGreaterThanOrEqual(0.95 * base * (2 ** (i + 1) - 1));
    });
    expect(abandoned).toMatchObject({ message: expect.stringMatching(/no ACK after 5 retransmissions/) });
  });

  it('the transfer is abandoned no sooner than 63 × the base wait, as tftpd-hpa gives up', async () => {
    const base = 20;
    const { t0, end } = await silentClient(base);
    expect(end - t0).toBeGreaterThanOrEqual(63 * base);
  });

  it('a negotiated timeout is the first wait (RFC 2349), in seconds', async () => {
    const s = await startTftpServer({
      bind: udpBinder(host(3)),
      port: 0,
      retransmitMs: 10,
      resolve: async () => ok(Buffer.alloc(2000, 1)),
    });
    const c = await udpBinder(host(4))(0);
    const arrivals: number[] = [];
    const two = new Promise<void>((resolve) =>
      c.on('message', () => {
        arrivals.push(performance.now());
        if (arrivals.length === 2) resolve();
      }),
    );
    c.send(
      encodeTftp({ op: 'RRQ', filename: 'x', mode: 'octet', options: { timeout: 1 } }),
      s.address.port,
      host(3),
    );
    await two;
    c.close();
    await s.close();
    // The OACK is resent after the negotiated 1 s, not the server's 10 ms default.
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(950);
  });
});
