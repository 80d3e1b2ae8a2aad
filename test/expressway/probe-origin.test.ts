import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { uclab } from '../support/cli.ts';
import { itWithPeers, startPeer } from '../support/peers.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

describe('uclab probe origin', () => {
  itWithPeers(
    ['openssl'],
    'gives the depth=0 verdict against openssl s_server presenting a self-signed EC certificate',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'uclab-probe-'));
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-384',
          '-nodes',
          '-days',
          '30',
          '-subj',
          '/CN=cucm-EC.lab.example',
          '-addext',
          'subjectAltName=DNS:cucm.lab.example',
          '-keyout',
          join(dir, 'ec.key'),
          '-out',
          join(dir, 'ec.pem'),
        ],
        { stdio: 'ignore' },
      );
      writeFileSync(
        join(dir, 'other.pem'),
        execFileSync('openssl', [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '30',
          '-subj',
          '/CN=Some CA',
          '-keyout',
          join(dir, 'other.key'),
        ]),
      );
      const port = await freePort();
      const server = await startPeer(
        'openssl',
        [
          's_server',
          '-accept',
          `127.0.0.1:${port}`,
          '-cert',
          join(dir, 'ec.pem'),
          '-key',
          join(dir, 'ec.key'),
          '-www',
        ],
        /ACCEPT/,
      );
      try {
        const r = await uclab(
          [
            'probe',
            'origin',
            `127.0.0.1:${port}`,
            '--trust',
            join(dir, 'other.pem'),
            '--ciphers',
            'ecdsa',
            '--address-as-advertised',
            'cucm.lab.example',
            '--json',
          ],
          { timeoutMs: 60_000 },
        );
        expect(r.code, r.stderr).toBe(1);
        const report = JSON.parse(r.stdout);
        expect(report.schemaVersion).toBe(1);
        expect(report.verdict).toBe('fail');
        expect(report.results[0].traffic_server[0]).toBe(
          '[ET_NET 0] WARNING: Core server certificate verification failed for (cucm.lab.example). Action=Terminate Error=self signed certificate server=cucm.lab.example(127.0.0.1) depth=0',
        );
        expect(report.results[0].answer).toBe('HTTP/1.1 502 connect failed');

        const trusted = await uclab(
          [
            'probe',
            'origin',
            `127.0.0.1:${port}`,
            '--trust',
            join(dir, 'ec.pem'),
            '--ciphers',
            'ecdsa',
            '--address-as-advertised',
            'cucm.lab.example',
            '--path',
            '/',
          ],
          { timeoutMs: 60_000 },
        );
        expect(trusted.code, trusted.stdout + trusted.stderr).toBe(0);
        expect(trusted.stdout).toContain('answer: HTTP/1.1 200 ok');
      } finally {
        await server.stop();
      }
    },
    120_000,
  );

  itWithPeers(
    ['openssl'],
    'exits 2 on a usage error',
    async () => {
      const r = await uclab(['probe', 'origin', '127.0.0.1:1', '--version', 'X9.9'], { timeoutMs: 60_000 });
      expect(r.code).toBe(2);
    },
    60_000,
  );
});
