import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tftpGet } from '../../devices/protocols/tftp/client.ts';
import { startTftpServer, type TftpServer } from '../../devices/protocols/tftp/server.ts';
import { err, ok } from '../../emulator/result.ts';
import { loopbackBlock, peer, stopTftpd, udpBinder } from './helpers.ts';

const host = await loopbackBlock();
const HPA_IP = host(10);
const OURS_IP = host(11);
const CLIENT_IP = host(12);
const HPA_PORT = 20000 + Math.floor(Math.random() * 10000);
const IN_TFTPD = peer('in.tftpd');

const big = randomBytes(100000);
const text = Buffer.from('line one\nline two\r\nbare\rend\n');
let dir: string;
let tftpd: ChildProcess | undefined;
let ours: TftpServer;

beforeAll(async () => {
  expect(IN_TFTPD, 'in.tftpd (tftpd-hpa) is required').toBeDefined();
  dir = mkdtempSync(join(tmpdir(), 'uclab-tftpd-'));
  chmodSync(dir, 0o755); // tftpd-hpa drops to user tftp: files must be world-readable
  writeFileSync(join(dir, 'ITLFile.tlv'), big, { mode: 0o644 });
  writeFileSync(join(dir, 'SEP001122334455.cnf.xml'), text, { mode: 0o644 });
  tftpd = spawn(IN_TFTPD!, ['-L', '--address', `${HPA_IP}:${HPA_PORT}`, '-s', dir], { stdio: 'ignore' });
  ours = await startTftpServer({
    bind: udpBinder(OURS_IP),
    port: 0,
    resolve: async (name) =>
      name === 'ITLFile.tlv'
        ? ok(big)
        : name === 'text.cnf'
          ? ok(text)
          : err({ tftpCode: 1, message: 'File not found' }),
  });
});

afterAll(async () => {
  if (tftpd) await stopTftpd(tftpd);
  await ours?.close();
  rmSync(dir, { recursive: true, force: true });
});

// The client's own RRQ retransmission covers in.tftpd's start-up: no sleep needed.
const base = { bind: udpBinder(CLIENT_IP), timeoutMs: 300, retries: 10 };

describe('tftpGet against tftpd-hpa', () => {
  it('fetches a 100 kB file with default options', async () => {
    const r = await tftpGet({
      ...base,
      server: { address: HPA_IP, port: HPA_PORT },
      filename: 'ITLFile.tlv',
    });
    expect(r.ok && r.value.data.equals(big)).toBe(true);
  });

  it('negotiates blksize and tsize through an OACK', async () => {
    const r = await tftpGet({
      ...base,
      server: { address: HPA_IP, port: HPA_PORT },
      filename: 'ITLFile.tlv',
      blksize: 1400,
      tsize: true,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.data.equals(big)).toBe(true);
    expect(r.value.options).toEqual({ blksize: 1400, tsize: 100000 });
    expect(r.value.source.address).toBe(HPA_IP);
  });

  it('reports a missing file as "Error code 1: File not found"', async () => {
    const r = await tftpGet({
      ...base,
      server: { address: HPA_IP, port: HPA_PORT },
      filename: 'SEPFFFFFFFFFFFF.cnf.xml',
    });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error).toEqual({
        code: 'tftp.remote-error',
        tftpCode: 1,
        message: 'Error code 1: File not found',
      });
  });

  it('decodes netascii back to the original text', async () => {
    const r = await tftpGet({
      ...base,
      server: { address: HPA_IP, port: HPA_PORT },
      filename: 'SEP001122334455.cnf.xml',
      mode: 'netascii',
    });
    expect(r.ok && r.value.data.toString('latin1')).toBe(text.toString('latin1'));
  });
});

describe('tftpGet against our server', () => {
  it('fetches with blksize, tsize and timeout options', async () => {
    const r = await tftpGet({
      ...base,
      server: ours.address,
      filename: 'ITLFile.tlv',
      blksize: 1024,
      tsize: true,
      timeoutOption: 3,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.data.equals(big)).toBe(true);
    expect(r.value.options).toEqual({ blksize: 1024, tsize: 100000, timeout: 3 });
    expect(r.value.blocks).toBe(98);
  });

  it('round-trips netascii text', async () => {
    const r = await tftpGet({ ...base, server: ours.address, filename: 'text.cnf', mode: 'netascii' });
    expect(r.ok && r.value.data.equals(text)).toBe(true);
  });

  it('times out against a server that never answers', async () => {
    const silent = await udpBinder(host(13))(0);
    try {
      const r = await tftpGet({
        bind: udpBinder(CLIENT_IP),
        server: { address: host(13), port: silent.address().port },
        filename: 'x',
        timeoutMs: 50,
        retries: 2,
      });
      expect(r.ok ? undefined : r.error.code).toBe('tftp.timeout');
    } finally {
      silent.close();
    }
  });

  it('stops at the total deadline even while retries remain', async () => {
    const silent = await udpBinder(host(13))(0);
    try {
      const r = await tftpGet({
        bind: udpBinder(CLIENT_IP),
        server: { address: host(13), port: silent.address().port },
        filename: 'x',
        timeoutMs: 50,
        retries: 100,
        deadlineMs: 200,
      });
      expect(r.ok ? undefined : r.error.code).toBe('tftp.deadline');
    } finally {
      silent.close();
    }
  });
});
