import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tftpGet } from '../../devices/protocols/tftp/client.ts';
import { decodeTftp, encodeTftp } from '../../devices/protocols/tftp/packet.ts';
import { startTftpServer, type TftpServer } from '../../devices/protocols/tftp/server.ts';
import { err, ok } from '../../emulator/result.ts';
import { EventLog, loopbackBlock, peer, receiveOne, run, udpBinder } from './helpers.ts';

const host = await loopbackBlock();
const SERVER_IP = host(1);
const CLIENT_IP = host(2);
const CURL = peer('curl');
const ATFTP = peer('atftp');
const TFTP_HPA = peer('tftp');

const files = new Map<string, Buffer>();
for (const size of [0, 511, 512, 100000]) files.set(`file-${size}.bin`, randomBytes(size));
files.set('SEP001122334455.cnf.xml', Buffer.from('<device>\n<a>x\r</a>\n</device>\n'));
files.set('wrap.bin', randomBytes(8 * 65540)); // 65541 blocks at blksize 8: the block number wraps

const resolved: string[] = [];
const log = new EventLog();
let server: TftpServer;
let port: number;
let out: string;

beforeAll(async () => {
  // Peers are installed on CI and dev machines here; fail loudly rather than skip.
  expect(CURL, 'curl is required').toBeDefined();
  expect(ATFTP, 'atftp is required').toBeDefined();
  expect(TFTP_HPA, 'tftp (tftp-hpa) is required').toBeDefined();
  out = mkdtempSync(join(tmpdir(), 'uclab-tftp-'));
  server = await startTftpServer({
    bind: udpBinder(SERVER_IP),
    port: 0,
    retransmitMs: 500,
    maxRetries: 4,
    onEvent: log.push,
    resolve: async (name) => {
      resolved.push(name);
      const f = files.get(name);
      return f ? ok(f) : err({ tftpCode: 1, message: 'File not found' });
    },
  });
  port = server.address.port;
});

afterAll(async () => {
  await server?.close();
  rmSync(out, { recursive: true, force: true });
});

const sizes = [0, 511, 512, 100000];

describe('TFTP server serves byte-identical files to real clients', () => {
  it.each(sizes)('curl with default options gets the %i-byte file intact', async (size) => {
    const dest = join(out, `curl-${size}`);
    const r = await run(CURL!, [
      '-s',
      '--max-time',
      '10',
      '-o',
      dest,
      `tftp://${SERVER_IP}:${port}/file-${size}.bin`,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(dest).equals(files.get(`file-${size}.bin`)!)).toBe(true);
  });

  it.each(sizes)('curl with --tftp-blksize 1400 gets the %i-byte file intact', async (size) => {
    const dest = join(out, `curl1400-${size}`);
    const r = await run(CURL!, [
      '-s',
      '--max-time',
      '10',
      '--tftp-blksize',
      '1400',
      '-o',
      dest,
      `tftp://${SERVER_IP}:${port}/file-${size}.bin`,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(dest).equals(files.get(`file-${size}.bin`)!)).toBe(true);
  });

  it.each(sizes)('atftp with blksize 1024 and tsize gets the %i-byte file intact', async (size) => {
    const dest = join(out, `atftp-${size}`);
    const r = await run(ATFTP!, [
      '--option',
      'blksize 1024',
      '--option',
      'tsize 0',
      '-g',
      '-r',
      `file-${size}.bin`,
      '-l',
      dest,
      SERVER_IP,
      String(port),
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(dest).equals(files.get(`file-${size}.bin`)!)).toBe(true);
  });

  it.each(sizes)('tftp-hpa in binary mode gets the %i-byte file intact', async (size) => {
    const dest = join(out, `hpa-${size}`);
    const r = await run(TFTP_HPA!, [
      '-m',
      'binary',
      SERVER_IP,
      String(port),
      '-c',
      'get',
      `file-${size}.bin`,
      dest,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(dest).equals(files.get(`file-${size}.bin`)!)).toBe(true);
  });
});

describe('TFTP server behaviour', () => {
  it('tftp-hpa in its default netascii mode round-trips LF and bare CR', async () => {
    const dest = join(out, 'hpa-netascii');
    const r = await run(TFTP_HPA!, [SERVER_IP, String(port), '-c', 'get', 'SEP001122334455.cnf.xml', dest]);
    expect(r.code).toBe(0);
    expect(readFileSync(dest).equals(files.get('SEP001122334455.cnf.xml')!)).toBe(true);
  });

  it('a missing file makes curl exit 68 and atftp exit 255', async () => {
    const c = await run(CURL!, [
      '-s',
      '--max-time',
      '10',
      '-o',
      join(out, 'x'),
      `tftp://${SERVER_IP}:${port}/nope.cnf`,
    ]);
    expect(c.code).toBe(68);
    const a = await run(ATFTP!, ['-g', '-r', 'nope.cnf', '-l', join(out, 'y'), SERVER_IP, String(port)]);
    expect(a.code).toBe(255);
  });

  it('a missing file leaves tftp-hpa with an empty output and "File not found"', async () => {
    const dest = join(out, 'hpa-missing');
    const r = await run(TFTP_HPA!, ['-m', 'binary', SERVER_IP, String(port), '-c', 'get', 'nope.cnf', dest]);
    expect(`${r.stdout}${r.stderr}`).toContain('Error code 1: File not found');
    expect(statSync(dest, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
  });

  it('a path climbing out of the root gets Access violation and never reaches the resolver', async () => {
    const before = resolved.length;
    const a = await run(ATFTP!, [
      '-g',
      '-r',
      '../../etc/passwd',
      '-l',
      join(out, 'pw'),
      SERVER_IP,
      String(port),
    ]);
    expect(a.code).toBe(255);
    const r = await tftpGet({
      bind: udpBinder(CLIENT_IP),
      server: { address: SERVER_IP, port },
      filename: '..\\..\\etc\\passwd',
      timeoutMs: 1000,
      retries: 2,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'tftp.remote-error', tftpCode: 2 });
    const abs = await tftpGet({
      bind: udpBinder(CLIENT_IP),
      server: { address: SERVER_IP, port },
      filename: '/etc/passwd',
      timeoutMs: 1000,
      retries: 2,
    });
    expect(abs.ok ? undefined : abs.error.tftpCode).toBe(2);
    expect(resolved.length).toBe(before);
    await log.waitFor(
      (e) => e.type === 'transfer-error' && e.code === 2 && e.filename === '../../etc/passwd',
    );
  });

  it('replies come from the server address, not a wildcard', async () => {
    const r = await tftpGet({
      bind: udpBinder(CLIENT_IP),
      server: { address: SERVER_IP, port },
      filename: 'file-511.bin',
      blksize: 1400,
      tsize: true,
      timeoutMs: 1000,
      retries: 2,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.source.address).toBe(SERVER_IP);
    expect(r.value.source.port).not.toBe(port); // a fresh transfer ID, RFC 1350 §4
    expect(r.value.options).toEqual({ blksize: 1400, tsize: 511 });
  });

  it('a corrupt datagram gets ERROR 0 and the server keeps serving', async () => {
    const s = await udpBinder(CLIENT_IP)(0);
    try {
      s.send(Buffer.from([0x00, 0x09, 0xff, 0x13]), port, SERVER_IP);
      const reply = await receiveOne(s);
      const p = decodeTftp(reply.msg);
      expect(p.ok && p.value.op === 'ERROR' && p.value.code).toBe(0);
      await log.waitFor((e) => e.type === 'malformed' && e.reason.includes('unknown opcode 9'));
    } finally {
      s.close();
    }
    const dest = join(out, 'after-corrupt');
    const r = await run(CURL!, [
      '-s',
      '--max-time',
      '10',
      '-o',
      dest,
      `tftp://${SERVER_IP}:${port}/file-512.bin`,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(dest).equals(files.get('file-512.bin')!)).toBe(true);
  });

  it('a write request is refused with error 4', async () => {
    const s = await udpBinder(CLIENT_IP)(0);
    try {
      s.send(encodeTftp({ op: 'WRQ', filename: 'evil.cnf', mode: 'octet', options: {} }), port, SERVER_IP);
      const p = decodeTftp((await receiveOne(s)).msg);
      expect(p.ok && p.value.op === 'ERROR' && p.value.code).toBe(4);
    } finally {
      s.close();
    }
  });

  it('an out-of-range blksize is rejected with error 8', async () => {
    const s = await udpBinder(CLIENT_IP)(0);
    try {
      const rrq = Buffer.concat([
        Buffer.from([0, 1]),
        Buffer.from('file-0.bin\0octet\0blksize\x004\0', 'latin1'),
      ]);
      s.send(rrq, port, SERVER_IP);
      const p = decodeTftp((await receiveOne(s)).msg);
      expect(p.ok && p.value.op === 'ERROR' && p.value.code).toBe(8);
    } finally {
      s.close();
    }
  });

  it('block numbers wrap after 65535 (curl at blksize 8)', async () => {
    const dest = join(out, 'wrap');
    const r = await run(
      CURL!,
      ['-s', '--max-time', '60', '--tftp-blksize', '8', '-o', dest, `tftp://${SERVER_IP}:${port}/wrap.bin`],
      65000,
    );
    expect(r.code).toBe(0);
    expect(readFileSync(dest).equals(files.get('wrap.bin')!)).toBe(true);
    const done = await log.waitFor((e) => e.type === 'transfer-complete' && e.filename === 'wrap.bin');
    expect(done.type === 'transfer-complete' && done.blocks).toBe(65541);
  }, 70000);
});

/** A hand-driven client: lets a test misbehave (duplicate ACKs, silence). */
async function rawClient(): Promise<{ s: Socket; next: () => Promise<{ msg: Buffer; port: number }> }> {
  const s = await udpBinder(CLIENT_IP)(0);
  const queue: { msg: Buffer; port: number }[] = [];
  const waiting: ((m: { msg: Buffer; port: number }) => void)[] = [];
  s.on('message', (msg, r) => {
    const w = waiting.shift();
    if (w) w({ msg, port: r.port });
    else queue.push({ msg, port: r.port });
  });
  const next = () =>
    new Promise<{ msg: Buffer; port: number }>((resolve, reject) => {
      const q = queue.shift();
      if (q) return resolve(q);
      const t = setTimeout(() => reject(new Error('no datagram within 3000 ms')), 3000);
      waiting.push((m) => {
        clearTimeout(t);
        resolve(m);
      });
    });
  return { s, next };
}

describe('TFTP server transfer state machine', () => {
  it("a duplicate ACK does not trigger a second DATA (no sorcerer's apprentice)", async () => {
    const { s, next } = await rawClient();
    try {
      s.send(
        encodeTftp({ op: 'RRQ', filename: 'file-100000.bin', mode: 'octet', options: {} }),
        port,
        SERVER_IP,
      );
      const d1 = await next();
      expect(decodeTftp(d1.msg)).toMatchObject({ ok: true, value: { op: 'DATA', block: 1 } });
      s.send(encodeTftp({ op: 'ACK', block: 1 }), d1.port, SERVER_IP);
      s.send(encodeTftp({ op: 'ACK', block: 1 }), d1.port, SERVER_IP);
      expect(decodeTftp((await next()).msg)).toMatchObject({ ok: true, value: { op: 'DATA', block: 2 } });
      s.send(encodeTftp({ op: 'ACK', block: 2 }), d1.port, SERVER_IP);
      expect(decodeTftp((await next()).msg)).toMatchObject({ ok: true, value: { op: 'DATA', block: 3 } });
      s.send(encodeTftp({ op: 'ERROR', code: 0, message: 'test done' }), d1.port, SERVER_IP);
      await log.waitFor((e) => e.type === 'transfer-error' && e.message === 'test done');
    } finally {
      s.close();
    }
  });

  it('a silent client gets retransmissions, then the transfer is abandoned', async () => {
    const quiet = new EventLog();
    const srv = await startTftpServer({
      bind: udpBinder(SERVER_IP),
      port: 0,
      retransmitMs: 50,
      maxRetries: 2,
      onEvent: quiet.push,
      resolve: async () => ok(Buffer.alloc(2000)),
    });
    const { s, next } = await rawClient();
    try {
      s.send(
        encodeTftp({ op: 'RRQ', filename: 'x', mode: 'octet', options: {} }),
        srv.address.port,
        SERVER_IP,
      );
      for (let i = 0; i < 3; i++) {
        expect(decodeTftp((await next()).msg)).toMatchObject({ ok: true, value: { op: 'DATA', block: 1 } });
      }
      const e = await quiet.waitFor((ev) => ev.type === 'transfer-error');
      expect(e.type === 'transfer-error' && e.message).toMatch(/Timeout/);
      expect(srv.activeTransfers).toBe(0);
    } finally {
      s.close();
      await srv.close();
    }
  });

  it('close() releases the listening socket and abandons transfers', async () => {
    const srv = await startTftpServer({
      bind: udpBinder(SERVER_IP),
      port: 0,
      retransmitMs: 60000,
      resolve: async () => ok(Buffer.alloc(5000)),
    });
    const p = srv.address.port;
    const { s, next } = await rawClient();
    s.send(encodeTftp({ op: 'RRQ', filename: 'x', mode: 'octet', options: {} }), p, SERVER_IP);
    await next();
    expect(srv.activeTransfers).toBe(1);
    await srv.close();
    s.close();
    expect(srv.activeTransfers).toBe(0);
    // The port is free again: binding it succeeds.
    const again = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.bind(p, SERVER_IP, () => resolve());
    });
    again.close();
  });
});
