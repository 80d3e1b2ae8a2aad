import { describe, expect } from 'vitest';
import { ProvisioningServer } from '../../devices/peers/provisioning-server.ts';
import { spaWorldPki } from '../../devices/peers/spa-pki.ts';
import type { Lab } from '../../emulator/lab.ts';
import { makeTestPki } from '../support/openssl-pki.ts';
import { itWithPeers, run } from '../support/peers.ts';
import { pemFiles, startLab } from './helpers.ts';

const PATH = '/Cisco/spa001122334455.xml';
const AH02261 = 'AH02261: Re-negotiation handshake failed: Not accepted by client!?';

async function provLab(name: string, server: Record<string, unknown> = {}) {
  const lab = await startLab(name, [
    { kind: 'provisioning-server', name: 'prov', serverCertHash: 'SHA-256', ...server },
  ]);
  const prov = lab.device('prov', ProvisioningServer);
  const pki = await spaWorldPki({ seed: lab.seed, start: lab.clock.start, scope: lab.timeline });
  const spa = await pki.spaClientCert('001122334455', 'SPA514G');
  const files = pemFiles({ 'ca.pem': prov.caPem, 'spa.pem': spa.certPem, 'spa.key': spa.keyPem });
  return { lab, prov, files, target: `${prov.address}:${prov.port}` };
}

function httpGet(path: string): string {
  return `GET ${path} HTTP/1.1\r\nHost: prov\r\nConnection: close\r\n\r\n`;
}

/** The SPA's factory client certificate, as written for openssl. */
function spa(files: Record<string, string>): { cert: string; key: string } {
  return { cert: files['spa.pem'] as string, key: files['spa.key'] as string };
}

/** GET the protected profile through openssl s_client with a client certificate, as a SPA would. */
function getProfile(
  target: string,
  version: string,
  client: { cert: string; key: string },
  opts: { ca?: string; extra?: string[] } = {},
) {
  return run(
    'openssl',
    [
      's_client',
      '-connect',
      target,
      version,
      '-cipher',
      'DEFAULT@SECLEVEL=0',
      ...(opts.ca ? ['-CAfile', opts.ca] : []),
      '-cert',
      client.cert,
      '-key',
      client.key,
      ...(opts.extra ?? []),
      '-ign_eof',
    ],
    { input: httpGet(PATH), timeoutMs: 15_000 },
  );
}

function waitLog(lab: Lab, text: string) {
  return lab.timeline.waitFor(
    `prov logs ${text}`,
    (e) => e.kind === 'log' && e.device === 'prov' && e.text.includes(text),
    {
      timeoutMs: 5000,
    },
  );
}

describe('provisioning server against real clients', () => {
  itWithPeers(
    ['openssl'],
    'openssl s_client at TLS 1.0 is asked for its certificate by renegotiation and gets the profile',
    async () => {
      const { lab, files, target } = await provLab('prov-sclient');
      const r = await getProfile(target, '-tls1', spa(files), {
        ca: files['ca.pem'] as string,
        extra: ['-servername', 'prov'],
      });
      expect(r.stdout).toContain('HTTP/1.1 200 OK');
      expect(r.stdout).toContain('<flat-profile>');
      expect(r.stdout).toContain('Protocol  : TLSv1\n');
      const reneg = lab.timeline.ofKind('tls.renegotiation', 'prov');
      expect(reneg.map((e) => e.outcome)).toEqual(['completed']);
      expect(reneg[0]?.detail).toContain('CN=001122334455');
    },
  );

  itWithPeers(
    ['openssl'],
    'openssl s_client -no_renegotiation makes the server log AH02261 and gets no profile',
    async () => {
      const { lab, files, target } = await provLab('prov-sclient-noreneg');
      const r = await getProfile(target, '-tls1', spa(files), {
        ca: files['ca.pem'] as string,
        extra: ['-no_renegotiation'],
      });
      await waitLog(lab, AH02261);
      expect(r.stdout).not.toContain('<flat-profile>');
      expect(`${r.stdout}${r.stderr}`).toMatch(/alert handshake failure|handshake failure/);
    },
  );

  itWithPeers(
    ['openssl'],
    'a client certificate from an unknown CA is refused after the renegotiation with 403',
    async () => {
      const { lab, target } = await provLab('prov-sclient-foreign');
      const foreign = makeTestPki().leaf('not-a-spa');
      const r = await getProfile(target, '-tls1_2', { cert: foreign.certFile, key: foreign.keyFile });
      await waitLog(lab, 'AH02262: Re-negotiation handshake failed: Client verification failed');
      expect(r.stdout).toContain('HTTP/1.1 403 Forbidden');
    },
  );

  itWithPeers(
    ['openssl'],
    'with SSLVerifyClient at server level a TLS 1.3 client is asked at the first handshake and needs no renegotiation',
    async () => {
      const { lab, files, target } = await provLab('prov-sclient-tls13', {
        sslVerifyClient: 'server',
        sslProtocol: ['TLSv1.2', 'TLSv1.3'],
      });
      const r = await getProfile(target, '-tls1_3', spa(files), { ca: files['ca.pem'] as string });
      expect(r.stdout).toContain('HTTP/1.1 200 OK');
      expect(lab.timeline.ofKind('tls.renegotiation')).toHaveLength(0);
    },
  );

  itWithPeers(['openssl'], 'a TLS 1.3 connection cannot be renegotiated: AH10158 and 403', async () => {
    const { lab, files, target } = await provLab('prov-sclient-tls13-dir', {
      sslProtocol: ['TLSv1.2', 'TLSv1.3'],
    });
    const r = await getProfile(target, '-tls1_3', spa(files), { ca: files['ca.pem'] as string });
    await waitLog(lab, 'AH10158: cannot perform post-handshake authentication');
    expect(r.stdout).toContain('HTTP/1.1 403 Forbidden');
  });

  itWithPeers(['curl'], 'curl --cert renegotiates at TLS 1.2 and downloads the profile', async () => {
    const { lab, prov, files } = await provLab('prov-curl');
    // The SPA's 1024-bit SHA-1 factory certificate needs security level 0 before curl will even load it
    // (Debian's openssl.cnf sets level 2); curl's --ciphers applies too late, so use an OpenSSL config.
    const conf = pemFiles({
      'openssl.cnf':
        'openssl_conf = init\n[init]\nssl_conf = ssl_sect\n[ssl_sect]\nsystem_default = sys\n[sys]\nCipherString = DEFAULT:@SECLEVEL=0\n',
    });
    const saved = process.env.OPENSSL_CONF;
    process.env.OPENSSL_CONF = conf['openssl.cnf'];
    const r = await run('curl', [
      '-sS',
      '--max-time',
      '10',
      '--cacert',
      files['ca.pem'] as string,
      '--cert',
      files['spa.pem'] as string,
      '--key',
      files['spa.key'] as string,
      '--resolve',
      `prov:${prov.port}:${prov.address}`,
      `https://prov:${prov.port}${PATH}`,
    ]).finally(() => {
      if (saved === undefined) delete process.env.OPENSSL_CONF;
      else process.env.OPENSSL_CONF = saved;
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('<Station_Name>SPA-001122334455</Station_Name>');
    expect(lab.timeline.ofKind('tls.renegotiation', 'prov').map((e) => e.outcome)).toEqual(['completed']);
    expect(
      lab.timeline
        .logLines('prov')
        .some((l) => / TLSv1\.2 \S+ "GET \/Cisco\/spa001122334455\.xml HTTP\/1\.1" \d+$/.test(l)),
    ).toBe(true);
  });

  itWithPeers(
    ['curl'],
    'curl without a client certificate is refused with 403 after the renegotiation',
    async () => {
      const { lab, prov, files } = await provLab('prov-curl-nocert');
      const r = await run('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--max-time',
        '10',
        '--cacert',
        files['ca.pem'] as string,
        '--resolve',
        `prov:${prov.port}:${prov.address}`,
        `https://prov:${prov.port}${PATH}`,
      ]);
      expect(r.stdout).toBe('403');
      await waitLog(lab, 'AH02263: Re-negotiation handshake failed: Client certificate missing');
    },
  );
  itWithPeers(
    ['openssl'],
    'garbage instead of an HTTP request gets 400 and the server keeps serving',
    async () => {
      const { lab, files, target } = await provLab('prov-garbage', { sslVerifyClient: 'none' });
      const bad = await run(
        'openssl',
        ['s_client', '-connect', target, '-CAfile', files['ca.pem'] as string, '-ign_eof'],
        {
          input: '\u0000\u0001garbage\r\n\r\n',
          timeoutMs: 15_000,
        },
      );
      expect(bad.stdout).toContain('HTTP/1.1 400 Bad Request');
      const good = await run(
        'openssl',
        ['s_client', '-connect', target, '-CAfile', files['ca.pem'] as string, '-ign_eof'],
        {
          input: httpGet(PATH),
          timeoutMs: 15_000,
        },
      );
      expect(good.stdout).toContain('HTTP/1.1 200 OK');
      expect(lab.timeline.ofKind('tls.renegotiation')).toHaveLength(0);
    },
  );
});
