import { describe, expect, it } from 'vitest';
import { hasKeyCertSign } from '../../certs/chain.ts';
import { readCert } from '../../certs/pem.ts';
import { AppServer } from '../../devices/peers/app-server.ts';
import { buildOptions, encodeSip } from '../../devices/protocols/sip.ts';
import type { Lab } from '../../emulator/lab.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { itWithPeers, startPeer } from '../support/peers.ts';
import { emptyLab, pemFiles } from './helpers.ts';

const cucmPki = makeTestPki();
const cucmCert = cucmPki.leaf('cucm-pub');

/**
 * `openssl s_server -Verify 1 -verify_return_error` stands in for CUCM on 5061: it sends real alerts
 * when it refuses a client certificate (docs/reference/toolchain.md §2.1, §3.6). It trusts exactly `trustedPem`, as
 * CUCM's CallManager-trust holds the uploaded certificate.
 */
async function appLab(name: string, decl: Record<string, unknown>, trusted: (app: AppServer) => string) {
  const lab: Lab = await emptyLab(name);
  const cucmAddress = lab.fabric.addHost('cucm-stub');
  const r = lab.build({
    devices: [{ kind: 'app-server', name: 'apas', cucm: 'cucm-stub', listenPort: 0, ...decl }],
  });
  if (!r.ok) throw new Error(r.error.message);
  await lab.start();
  const app = lab.device('apas', AppServer);
  const files = pemFiles({ 'trust.pem': trusted(app) });
  const server = await startPeer(
    'openssl',
    [
      's_server',
      '-accept',
      `${cucmAddress}:5061`,
      '-cert',
      cucmCert.certFile,
      '-key',
      cucmCert.keyFile,
      '-Verify',
      '1',
      '-verify_return_error',
      '-CAfile',
      files['trust.pem'] as string,
      '-cipher',
      'DEFAULT@SECLEVEL=0',
      '-tls1_2',
      '-naccept',
      '1',
    ],
    /ACCEPT/,
  );
  return { lab, app, server };
}

describe('application server SIP/TLS trunk (seed 000) against openssl s_server as CUCM', () => {
  itWithPeers(
    ['openssl'],
    'the trunk comes up and OPTIONS is answered when the server trusts the presented certificate',
    async () => {
      const { lab, app, server } = await appLab(
        'apas-ok',
        { certificate: 'keycertsign' },
        (a) => a.exportedCertificatePem,
      );
      try {
        const pending = app.openTrunk({ timeoutMs: 8000 });
        // s_server prints what it receives; answer the OPTIONS through its stdin, as CUCM would.
        const deadline = Date.now() + 8000;
        await new Promise<void>((resolve, reject) => {
          const tick = () => {
            const out = server.output();
            const callId = /Call-ID: (\S+)/.exec(out)?.[1];
            const via = /Via: (.+)\r?\n/.exec(out)?.[1];
            const cseq = /CSeq: (.+)\r?\n/.exec(out)?.[1];
            if (callId && via && cseq) {
              server.child.stdin?.write(
                `SIP/2.0 200 OK\r\nVia: ${via.trim()}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq.trim()}\r\nServer: Cisco-CUCM14.0\r\nContent-Length: 0\r\n\r\n`,
              );
              return resolve();
            }
            if (Date.now() > deadline) return reject(new Error(`no OPTIONS reached s_server: ${out}`));
            server.child.stdout?.once('data', tick);
          };
          tick();
        });
        const r = await pending;
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value.status).toBe(200);
        expect(server.output()).toContain('OPTIONS sip:');
        expect(server.output()).toContain('User-Agent: ANDTEK APAS');
        expect(lab.timeline.ofKind('app-server.trunk', 'apas')[0]).toMatchObject({
          outcome: 'up',
          status: 200,
          reason: 'OK',
          tlsVersion: 'TLSv1.2',
          alert: null,
        });
      } finally {
        await server.stop();
      }
    },
  );

  itWithPeers(
    ['openssl'],
    'presenting a different certificate than the uploaded one draws unknown_ca and the JSSE message',
    async () => {
      const { lab, app, server } = await appLab(
        'apas-wrong-cert',
        { certificate: 'keycertsign', presents: 'other' },
        (a) => a.exportedCertificatePem,
      );
      try {
        expect(app.presentedCertificatePem).not.toBe(app.exportedCertificatePem);
        const r = await app.openTrunk();
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.alert).toEqual({ code: 48, name: 'unknown_ca' });
        expect(lab.timeline.logLines('apas')).toContain(
          'javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca',
        );
        const [trunk] = lab.timeline.ofKind('app-server.trunk', 'apas');
        expect(trunk).toMatchObject({
          target: 'cucm-stub:5061',
          outcome: 'failed',
          status: null,
          alert: { code: 48, name: 'unknown_ca' },
          message: 'javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca',
        });
        expect(trunk?.presented.serial).toBe(readCert(app.presentedCertificatePem).serialNumber);
      } finally {
        await server.stop();
      }
    },
  );

  itWithPeers(
    ['openssl'],
    "an OpenSSL server refuses seed 000's certificate as a client certificate (EKU serverAuth only): unsupported_certificate",
    async () => {
      const { lab, app, server } = await appLab(
        'apas-no-certsign-openssl',
        { certificate: 'no-keycertsign' },
        (a) => a.exportedCertificatePem,
      );
      try {
        // Trusted as an anchor, yet its critical EKU lacks clientAuth: X509_V_ERR_INVALID_PURPOSE -> alert 43.
        const r = await app.openTrunk({ timeoutMs: 3000 });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.alert).toEqual({ code: 43, name: 'unsupported_certificate' });
        expect(lab.timeline.logLines('apas')).toContain(
          'javax.net.ssl.SSLHandshakeException: Received fatal alert: unsupported_certificate',
        );
      } finally {
        await server.stop();
      }
    },
  );
});

describe('application server certificates (seed 000)', () => {
  it("the default certificate is seed 000's: self-signed, 1024-bit, SHA-1, no keyCertSign", async () => {
    const lab = await emptyLab('apas-cert');
    lab.build({ devices: [{ kind: 'app-server', name: 'apas', cucm: 'nowhere', listenPort: 0 }] });
    await lab.start();
    const app = lab.device('apas', AppServer);
    const cert = readCert(app.exportedCertificatePem);
    expect(hasKeyCertSign(cert)).toBe(false);
    expect(cert.subject).toContain(`CN=${app.address}`);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(1024);
  });

  it('regenerating with keyCertSign replaces both the exported and the presented certificate', async () => {
    const lab = await emptyLab('apas-regen');
    lab.build({
      devices: [{ kind: 'app-server', name: 'apas', cucm: 'nowhere', listenPort: 0, presents: 'other' }],
    });
    await lab.start();
    const app = lab.device('apas', AppServer);
    const before = app.exportedCertificatePem;
    const pem = await app.regenerate({ keyCertSign: true });
    expect(pem).not.toBe(before);
    expect(hasKeyCertSign(readCert(pem))).toBe(true);
    expect(app.presentedCertificatePem).toBe(pem);
  });

  it('an unreachable CUCM is reported on the timeline as the Java application logs it, not thrown', async () => {
    const lab = await emptyLab('apas-unreachable');
    lab.fabric.addHost('cucm-down');
    lab.build({ devices: [{ kind: 'app-server', name: 'apas', cucm: 'cucm-down', listenPort: 0 }] });
    await lab.start();
    const r = await lab.device('apas', AppServer).openTrunk();
    expect(r.ok).toBe(false);
    expect(lab.timeline.ofKind('app-server.trunk', 'apas')[0]).toMatchObject({
      outcome: 'failed',
      code: 'ECONNREFUSED',
      message: 'java.net.ConnectException: Connection refused (Connection refused)',
    });
  });

  it('exporting the certificate records which one went out and that the key store presents another', async () => {
    const lab = await emptyLab('apas-export');
    lab.build({
      devices: [
        {
          kind: 'app-server',
          name: 'apas',
          cucm: 'nowhere',
          listenPort: 0,
          certificate: 'keycertsign',
          presents: 'other',
        },
      ],
    });
    await lab.start();
    const app = lab.device('apas', AppServer);
    const pem = app.exportCertificate();
    app.presentUploaded();
    const events = lab.timeline.ofKind('app-server.certificate', 'apas');
    expect(events.map((e) => [e.action, e.keyCertSign, e.presented])).toEqual([
      ['exported', true, false],
      ['presented', true, true],
    ]);
    expect(events[0]?.certificate.sha256).toBe(readCert(pem).fingerprint256);
  });
  itWithPeers(
    ['openssl'],
    'the application server answers OPTIONS from a trunk peer on its own 5061',
    async () => {
      const lab = await emptyLab('apas-inbound');
      lab.build({
        devices: [{ kind: 'app-server', name: 'apas', cucm: 'nowhere', certificate: 'keycertsign' }],
      });
      await lab.start();
      const app = lab.device('apas', AppServer);
      const options = encodeSip(
        buildOptions({
          localHost: '127.0.0.1',
          localPort: 5061,
          remoteHost: app.address,
          transport: 'TLS',
          userAgent: 'Cisco-CUCM14.0',
        }),
      ).toString();
      const client = await startPeer(
        'openssl',
        [
          's_client',
          '-connect',
          `${app.address}:5061`,
          '-cert',
          cucmCert.certFile,
          '-key',
          cucmCert.keyFile,
          '-ign_eof',
        ],
        /Verify return code/,
      );
      try {
        client.child.stdin?.write(options);
        const answered = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 5000);
          const check = () => {
            if (!client.output().includes('SIP/2.0 200 OK'))
              return void client.child.stdout?.once('data', check);
            clearTimeout(timer);
            resolve(true);
          };
          check();
        });
        expect(answered).toBe(true);
      } finally {
        await client.stop();
      }
      expect(lab.timeline.ofKind('tls.handshake', 'apas')[0]?.peerCert?.subject).toContain('CN=cucm-pub');
    },
  );
});
