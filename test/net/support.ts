/** Shared helpers for the fabric tests: labs that stop after each test, raw peers, damaged certificates. */
import * as net from 'node:net';
import { afterEach } from 'vitest';
import { Lab, type LabOptions } from '../../emulator/lab.ts';

const labs: Lab[] = [];

afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

/** A lab of its own address block, stopped after the test. */
export async function newLab(name: string, opts: Omit<LabOptions, 'name'> = {}): Promise<Lab> {
  const lab = await Lab.create({ name, ...opts });
  labs.push(lab);
  return lab;
}

/** A raw TCP peer from `localAddress`, as a scanner or a broken client would open one. */
export function rawConnect(address: string, port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: address, port, localAddress });
    s.once('connect', () => {
      s.off('error', reject);
      s.on('error', () => {});
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Resolves when the socket has closed (whoever closed it); rejects, saying so, after `timeoutMs`. */
export function closed(
  s: { readonly closed?: boolean; once(event: 'close', listener: () => void): unknown },
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.closed) return resolve();
    const timer = setTimeout(() => reject(new Error(`${what}: still open after ${timeoutMs} ms`)), timeoutMs);
    s.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
}

export function pemOf(der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64.replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/**
 * The certificate with month 13 in its notAfter (the second UTCTime of the DER, `YYMMDDhhmmssZ`). The
 * signature no longer matches, which a server with `rejectUnauthorized: false` still takes to the end of
 * the handshake: exactly the input that once ended the lab process.
 */
export function withNotAfterMonth13(pem: string): string {
  const der = derOf(pem);
  let seen = 0;
  for (let i = 0; i < der.length - 15; i++) {
    if (der[i] === 0x17 && der[i + 1] === 0x0d && ++seen === 2) {
      der[i + 4] = 0x31; // '1'
      der[i + 5] = 0x33; // '3'
      return pemOf(der);
    }
  }
  throw new Error('no notAfter UTCTime found in the certificate');
}

/** The P-256 certificate with its public point moved off the curve: `X509Certificate#publicKey` throws. */
export function withKeyOffCurve(pem: string): Buffer {
  const der = derOf(pem);
  // BIT STRING of 66 bytes: no unused bits, 0x04 (uncompressed point), X (32 bytes), Y (32 bytes).
  const at = der.indexOf(Buffer.from([0x03, 0x42, 0x00, 0x04]));
  if (at < 0) throw new Error('no uncompressed P-256 point in the certificate');
  const lastOfY = at + 4 + 63;
  der[lastOfY] = (der[lastOfY] ?? 0) ^ 0x01;
  return der;
}
