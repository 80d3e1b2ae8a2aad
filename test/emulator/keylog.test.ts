import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { Lab } from '../../emulator/lab.ts';
import { startCapture } from '../support/capture.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { itWithPeers, run } from '../support/peers.ts';

const pki = makeTestPki();
const server = pki.leaf('cucm.lab');

const OPTIONS =
  'OPTIONS sip:cucm.lab:5061 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK1\r\nFrom: <sip:appserver@lab>;tag=1\r\n' +
  'To: <sip:cucm.lab>\r\nCall-ID: 1@lab\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n';

describe('TLS key log', () => {
  itWithPeers(
    ['tshark'],
    'tshark decrypts an application message exchanged over the fabric with the lab key log',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'uclab-keylog-'));
      const lab = await Lab.create({ name: 'keylog', artifactsDir: dir });
      try {
        lab.fabric.addHost('cucm', ['cucm.lab']);
        lab.fabric.addHost('appserver');
        const addr = lab.fabric.addressOf('cucm');
        await lab.fabric.listenTls(
          'cucm',
          5061,
          { identities: [server] },
          {
            onConnection: (c) =>
              c.socket.once('data', () =>
                c.socket.end(
                  'SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\nCall-ID: 1@lab\r\nContent-Length: 0\r\n\r\n',
                ),
              ),
          },
        );
        const pcap = join(dir, 'capture.pcapng');
        const capture = await startCapture(addr, pcap);
        const r = await lab.fabric.connectTls(
          'appserver',
          { host: 'cucm.lab', port: 5061 },
          { trust: [pki.ca.certPem] },
        );
        if (!r.ok) throw new Error(r.error.message);
        r.value.socket.write(OPTIONS);
        r.value.socket.resume();
        await new Promise((resolve) => r.value.socket.once('close', resolve));
        // tshark flushes on SIGTERM; wait for it to exit rather than sleeping.
        await capture.stop();
        const keys = readFileSync(join(dir, 'keys.log'), 'utf8');
        expect(keys).toMatch(/^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|CLIENT_RANDOM) /m);
        const out = await run('tshark', [
          '-r',
          pcap,
          '-o',
          `tls.keylog_file:${join(dir, 'keys.log')}`,
          '-Y',
          'sip',
          '-T',
          'fields',
          '-e',
          'sip.Method',
          '-e',
          'sip.Status-Code',
        ]);
        expect(out.stdout).toContain('OPTIONS');
        expect(out.stdout).toContain('200');
      } finally {
        await lab.stop();
      }
    },
  );
});
