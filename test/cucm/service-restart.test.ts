/**
 * "Restart the service" after a certificate or trust change: CUCM's TLS ports take the new secure
 * context in place (the port never stops listening), and the admin operation returns only once it is
 * live, so a client connecting right after meets the new certificate or trust.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../emulator/events.ts';
import type { TlsIdentity } from '../../emulator/fabric.ts';
import { type CucmLab, issueMic, issueUntrusted, PHONE, startCucmLab } from './support.ts';

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-restart', {
    phones: [{ name: PHONE, model: 'CP-8861', protocol: 'SIP', security: 'encrypted', line: '1001' }],
  });
  t.lab.fabric.addHost('restart-client');
});
afterAll(async () => {
  await t?.stop();
});

function relistened(since: number, port: number): boolean {
  return t.lab.timeline
    .ofKind('net.listen', 'cucm-pub')
    .some((e) => e.seq > since && e.endpoint.port === port);
}

async function presented(port: number, identity?: TlsIdentity): Promise<string> {
  const r = await t.lab.fabric.connectTls(
    'restart-client',
    { host: 'cucm-pub', port },
    identity ? { identity } : {},
  );
  if (!r.ok) throw new Error(r.error.message);
  r.value.socket.destroy();
  return r.value.handshake.peerChain[0]?.serialNumber ?? '';
}

describe('CUCM service restarts after certificate and trust changes', () => {
  it('a CA uploaded to CallManager-trust is trusted by the very next 5061 handshake, on the same listener', async () => {
    const phoneCert = await issueUntrusted('0000000005A1');
    const ca = phoneCert.chain[0];
    if (!ca) throw new Error('the test certificate has no CA');
    const since = t.lab.timeline.events().length;
    const up = t.pub.uploadTrust('CallManager-trust', ca.certPem);
    expect(up.ok).toBe(true);
    // No wait of any kind: the connection starts as the upload returns.
    const r = await t.lab.fabric.connectTls(
      'restart-client',
      { host: 'cucm-pub', port: 5061 },
      { identity: { certPem: phoneCert.certPem, keyPem: phoneCert.keyPem } },
    );
    if (r.ok) r.value.socket.destroy();
    expect(r.ok ? 'accepted' : r.error.message).toBe('accepted');
    const verdict = t.lab.timeline
      .ofKind('tls.verdict', 'cucm-pub')
      .filter((e) => e.seq > since)
      .at(-1) as LabEvent<'tls.verdict'>;
    expect(verdict.accepted).toBe(true);
    expect(relistened(since, 5061)).toBe(false);
  });

  it('regenerating CallManager, TVS and CAPF: the next handshake on 2443, 2445 and 3804 presents the new certificate, without re-listening', async () => {
    const mic = await issueMic(t.pub);
    const since = t.lab.timeline.events().length;
    for (const [unit, port] of [
      ['CallManager', 2443],
      ['TVS', 2445],
      ['CAPF', 3804],
    ] as const) {
      const r = await t.pub.regenerate(unit, { ignoreGuard: true });
      if (!r.ok) throw new Error(r.error.message);
      // 2443 asks for the phone's certificate (a MIC here); TVS and CAPF do not.
      const id = port === 2443 ? { certPem: mic.certPem, keyPem: mic.keyPem } : undefined;
      expect(await presented(port, id)).toBe(r.value.identity.cert.serialNumber);
      expect(relistened(since, port)).toBe(false);
    }
  });

  it('regenerating tomcat: the next handshake on 8443 presents the new certificate', async () => {
    const r = await t.pub.regenerate('tomcat');
    if (!r.ok) throw new Error(r.error.message);
    expect(await presented(8443)).toBe(r.value.identity.cert.serialNumber);
  });

  it('regenerating tomcat swaps 8443 and 6972 in place: neither port is reopened', async () => {
    const since = t.lab.timeline.events().length;
    const r = await t.pub.regenerate('tomcat');
    if (!r.ok) throw new Error(r.error.message);
    expect(await presented(6972)).toBe(r.value.identity.cert.serialNumber);
    expect(relistened(since, 8443)).toBe(false);
    expect(relistened(since, 6972)).toBe(false);
  });
});
