/**
 * CUCM refuses a client certificate with the alert of the FIRST verify error, as a real OpenSSL
 * server does (devices/cucm/openssl-verify.ts). Each case presents the same certificate, with the same
 * trust, to `openssl s_server -Verify 1 -verify_return_error` and to the CUCM model's 5061, and
 * compares the alerts.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import { appServerNoCertSignProfile, appServerProfile } from '../../certs/profiles.ts';
import type { LabEvent } from '../../emulator/events.ts';
import { itWithPeers, run, startPeer } from '../support/peers.ts';
import { type CucmLab, startCucmLab, writeTemp } from './support.ts';

let t: CucmLab;
let opensslCucm: string;

beforeAll(async () => {
  t = await startCucmLab('cucm-first-error');
  opensslCucm = t.lab.fabric.addHost('openssl-cucm');
});
afterAll(async () => {
  await t?.stop();
});

const SECLEVEL0 = 'DEFAULT@SECLEVEL=0';

function clientArgs(id: Identity, tag: string): string[] {
  return [
    '-cert',
    writeTemp(t.dir, `${tag}.crt`, id.certPem),
    '-key',
    writeTemp(t.dir, `${tag}.key`, id.keyPem),
    '-cipher',
    SECLEVEL0,
    '-tls1_2',
    '-ign_eof',
  ];
}

/** The alert real `openssl s_server` sends for this client certificate when it trusts `trustPem`. */
async function opensslAlert(id: Identity, trustPem: string, tag: string): Promise<number | null> {
  const cm = t.pub.certs.own('CallManager').identity;
  const server = await startPeer(
    'openssl',
    [
      's_server',
      '-accept',
      `${opensslCucm}:5061`,
      '-cert',
      writeTemp(t.dir, 'cm.crt', cm.certPem),
      '-key',
      writeTemp(t.dir, 'cm.key', cm.keyPem),
      '-Verify',
      '1',
      '-verify_return_error',
      '-CAfile',
      writeTemp(t.dir, `${tag}-trust.pem`, trustPem),
      '-cipher',
      SECLEVEL0,
      '-naccept',
      '1',
    ],
    /ACCEPT/,
  );
  try {
    const r = await run('openssl', ['s_client', '-connect', `${opensslCucm}:5061`, ...clientArgs(id, tag)], {
      timeoutMs: 15_000,
    });
    const m = /SSL alert number (\d+)/.exec(r.stdout + r.stderr);
    return m ? Number(m[1]) : null;
  } finally {
    await server.stop();
  }
}

/** The alert the CUCM model records when the same certificate connects to its 5061. */
async function cucmVerdict(id: Identity, tag: string): Promise<LabEvent<'tls.verdict'>> {
  const since = t.lab.timeline.events().length;
  await run('openssl', ['s_client', '-connect', `${t.pub.address}:5061`, ...clientArgs(id, tag)], {
    timeoutMs: 15_000,
  });
  return (await t.lab.timeline.waitFor(
    'the CUCM verdict on 5061',
    (e) => e.kind === 'tls.verdict' && e.device === 'cucm-pub' && e.seq > since,
  )) as LabEvent<'tls.verdict'>;
}

describe('CUCM stops at the first verify error, as OpenSSL does', () => {
  itWithPeers(
    ['openssl'],
    "seed 000's untrusted self-signed serverAuth-only certificate draws unknown_ca(48), as from openssl s_server",
    async () => {
      const ctx = createPkiContext({ seed: 'first-error-seed000' });
      const seed000 = await issueCertificate(
        ctx,
        appServerNoCertSignProfile({ name: 'apas-java', cn: 'apas.lab.example' }),
      );
      // s_server trusts an unrelated CA, as CUCM's CallManager-trust does not hold this certificate.
      const unrelated = t.pub.certs.own('CallManager').identity.certPem;
      expect(await opensslAlert(seed000, unrelated, 'seed000')).toBe(48);
      const v = await cucmVerdict(seed000, 'seed000');
      expect(v.accepted).toBe(false);
      expect(v.alert).toEqual({ code: 48, name: 'unknown_ca' });
      expect(t.pub.logLines()).toContain(
        'SdlSSLTCPListener::verify_cb pre-verified=0,cert verification errno=18,depth=0',
      );
    },
  );

  itWithPeers(
    ['openssl'],
    'a trusted certificate that is both expired and serverAuth-only draws unsupported_certificate(43), not certificate_expired, as from openssl s_server',
    async () => {
      const ctx = createPkiContext({ seed: 'first-error-expired' });
      const cert = await issueCertificate(
        ctx,
        appServerProfile({
          name: 'apas-expired',
          cn: 'apas-expired.lab.example',
          overrides: { validity: { notBefore: '-30d', notAfter: '-1d' }, extKeyUsage: ['serverAuth'] },
        }),
      );
      const up = t.pub.uploadTrust('CallManager-trust', cert.certPem);
      expect(up.ok ? 'uploaded' : up.error.message).toBe('uploaded');
      expect(await opensslAlert(cert, cert.certPem, 'expired')).toBe(43);
      const v = await cucmVerdict(cert, 'expired');
      expect(v.alert).toEqual({ code: 43, name: 'unsupported_certificate' });
    },
  );
});
