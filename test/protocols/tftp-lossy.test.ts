/**
 * Under loss the lab's TFTP server completes at least as many transfers as tftpd-hpa: the same atftp
 * downloads, in the same run, through two lossy relays with the same seed (10 % dropped, 5 % doubled;
 * the relay drops the same packets in front of both servers, see lossy-relay.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { tftpGet } from '../../devices/protocols/tftp/client.ts';
import { startTftpServer, type TftpServer } from '../../devices/protocols/tftp/server.ts';
import { err, ok } from '../../emulator/result.ts';
import { itWithPeers, run } from '../support/peers.ts';
import { loopbackBlock, stopTftpd, udpBinder } from './helpers.ts';
import { LossyRelay } from './lossy-relay.ts';

const host = await loopbackBlock();
const LAB_IP = host(1);
const HPA_IP = host(2);
const RELAY_LAB_IP = host(3);
const RELAY_HPA_IP = host(4);
const HPA_PORT = 20000 + Math.floor(Math.random() * 10000);
const TRANSFERS = 20;
const SIZE = 4096;
const SEED = 'uclab-tftp-loss-1';

const files = new Map<string, Buffer>();
for (let i = 0; i < TRANSFERS; i++) files.set(`f${i}.bin`, randomBytes(SIZE));

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
});

/** atftp fetches every file through the relay; how many arrived byte-exact. */
async function completed(relay: LossyRelay, relayIp: string, out: string, tag: string): Promise<number> {
  const results = await Promise.all(
    [...files].map(async ([name, bytes]) => {
      const dest = join(out, `${tag}-${name}`);
      const r = await run('atftp', ['-g', '-r', name, '-l', dest, relayIp, String(relay.port)], {
        timeoutMs: 150_000,
      });
      try {
        return r.code === 0 && readFileSync(dest).equals(bytes);
      } catch {
        return false;
      }
    }),
  );
  return results.filter(Boolean).length;
}

describe('TFTP under 10 % loss and 5 % duplication', () => {
  itWithPeers(
    ['atftp', 'in.tftpd'],
    'the lab completes at least as many atftp downloads as tftpd-hpa through the same lossy relay',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'uclab-tftp-loss-'));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      chmodSync(dir, 0o755); // tftpd-hpa drops to user tftp: files must be world-readable
      for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes, { mode: 0o644 });
      const out = mkdtempSync(join(tmpdir(), 'uclab-tftp-loss-out-'));
      cleanup.push(() => rmSync(out, { recursive: true, force: true }));

      const tftpd = spawn('in.tftpd', ['-L', '--address', `${HPA_IP}:${HPA_PORT}`, '-s', dir], {
        stdio: 'ignore',
      });
      cleanup.push(() => stopTftpd(tftpd));
      // The lab's own defaults: the same options the CUCM TFTP service starts its server with.
      const lab: TftpServer = await startTftpServer({
        bind: udpBinder(LAB_IP),
        port: 0,
        resolve: async (name) => {
          const f = files.get(name);
          return f ? ok(f) : err({ tftpCode: 1, message: 'File not found' });
        },
      });
      cleanup.push(() => lab.close());
      // in.tftpd is up once it serves a file directly (the client's retransmission covers start-up).
      const probe = await tftpGet({
        bind: udpBinder(host(5)),
        server: { address: HPA_IP, port: HPA_PORT },
        filename: 'f0.bin',
        timeoutMs: 200,
        retries: 25,
      });
      expect(probe.ok, 'in.tftpd serves files').toBe(true);

      // Each download reaches its server from an address of its own, as phones would.
      const relay = async (ip: string, upstream: { address: string; port: number }, first: number) => {
        const r = await LossyRelay.start({
          address: ip,
          upstream,
          sessionAddresses: Array.from({ length: TRANSFERS }, (_, i) => host(first + i)),
          seed: SEED,
          drop: 0.1,
          duplicate: 0.05,
        });
        cleanup.push(() => r.close());
        return r;
      };
      const toLab = await relay(RELAY_LAB_IP, { address: LAB_IP, port: lab.address.port }, 100);
      const toHpa = await relay(RELAY_HPA_IP, { address: HPA_IP, port: HPA_PORT }, 150);

      const [ours, theirs] = await Promise.all([
        completed(toLab, RELAY_LAB_IP, out, 'lab'),
        completed(toHpa, RELAY_HPA_IP, out, 'hpa'),
      ]);
      // The relays did drop and duplicate (else the comparison says nothing).
      expect(toLab.stats.dropped).toBeGreaterThan(10);
      expect(toLab.stats.duplicated).toBeGreaterThan(5);
      expect(ours, `lab ${ours}/${TRANSFERS}, tftpd-hpa ${theirs}/${TRANSFERS}`).toBeGreaterThanOrEqual(
        theirs,
      );
      expect(theirs, 'tftpd-hpa completes downloads through the relay').toBeGreaterThan(TRANSFERS / 2);
    },
    180_000,
  );
});
