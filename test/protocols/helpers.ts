/**
 * Test support for protocol tests: a loopback UDP binder standing in for the fabric, event waiting
 * with a timeout, and peer-program checks.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import type { TftpEvent } from '../../devices/protocols/tftp/server.ts';
import { claimAddressBlock } from '../../emulator/address-block.ts';

/**
 * A loopback /24 of this test file's own, claimed like a lab's (emulator/address-block.ts), so
 * parallel test files never collide.
 */
export async function loopbackBlock(): Promise<(host: number) => string> {
  const block = await claimAddressBlock();
  return (host) => block.host(host);
}

/** Binds UDP sockets on one address, as the fabric will for a device. */
export function udpBinder(address: string): (port: number) => Promise<Socket> {
  return (port) =>
    new Promise((resolve, reject) => {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(port, address, () => {
        s.off('error', reject);
        resolve(s);
      });
    });
}

/** Collects events and lets a test wait for one that matches, with a timeout (no fixed sleeps). */
export class EventLog {
  readonly events: TftpEvent[] = [];
  private waiters: { pred: (e: TftpEvent) => boolean; resolve: (e: TftpEvent) => void }[] = [];

  readonly push = (e: TftpEvent): void => {
    this.events.push(e);
    for (const w of [...this.waiters]) {
      if (w.pred(e)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };

  waitFor(pred: (e: TftpEvent) => boolean, timeoutMs = 5000): Promise<TftpEvent> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no matching event within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        pred,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e);
        },
      });
    });
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], timeoutMs = 20000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, encoding: 'utf8' }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Absolute path of a peer program, or undefined. CI must have them; a developer machine may not. */
export function peer(name: string): string | undefined {
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/local/bin']) {
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** Receives one datagram on a socket, or rejects after a timeout. */
export function receiveOne(
  s: Socket,
  timeoutMs = 3000,
): Promise<{ msg: Buffer; address: string; port: number }> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      s.off('message', on);
      reject(new Error(`no datagram within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (msg: Buffer, r: { address: string; port: number }) => {
      clearTimeout(t);
      s.off('message', on);
      resolve({ msg, address: r.address, port: r.port });
    };
    s.on('message', on);
  });
}

/** Stops an in.tftpd child: it sometimes ignores TERM (docs/reference/tftp.md §4), so TERM, wait, then KILL. */
export async function stopTftpd(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 1000);
  await exited;
  clearTimeout(t);
}
