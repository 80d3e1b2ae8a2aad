/**
 * Seed 000 in the order the case happened, against the CUCM model: the certificate mix-up draws the
 * same refusal as an untrusted certificate; once the right certificate is presented, the Java 1.6 stack
 * draws CUCM's RSA trace and decrypt_error, while openssl s_client with the same certificate and key
 * gets through.
 */
import { describe, expect, it } from 'vitest';
import { hasKeyCertSign } from '../../certs/chain.ts';
import { readCert } from '../../certs/pem.ts';
import '../../devices/index.ts';
import { AppServer } from '../../devices/peers/app-server.ts';
import type { Lab } from '../../emulator/lab.ts';
import {
  tacOpensslTest,
  tacTestOutcome,
  trunkLab,
  uploadToCallManagerTrust,
} from '../../scenarios/kits/appserver.ts';
import { itWithPeers } from '../support/peers.ts';
import { startLab } from './helpers.ts';

const RSA_TRACE =
  'HandleSSLError - TLS protocol error(ssl reason code=block type is not 01 [106]),lib=rsa routines [4],fun=RSA_padding_check_PKCS1_type_1 [112], errno=12 for';
const UNTRUSTED_TRACE =
  'HandleSSLError - TLS protocol error(ssl reason code=certificate verify failed [134]),lib=SSL routines [20],fun=ssl3_get_client_certificate [137], errno=18 for';

async function trunk(name: string, app: Record<string, unknown>): Promise<{ lab: Lab; app: AppServer }> {
  const lab = await startLab(name, trunkLab(app).devices);
  const a = lab.device('apas', AppServer);
  const upload = await uploadToCallManagerTrust(lab, a.exportCertificate());
  expect(upload).toBe('uploaded');
  return { lab, app: a };
}

describe('seed 000: the certificate mix-up and the client-stack fault are different symptoms', () => {
  it('presenting another certificate than the uploaded one draws the untrusted-certificate trace, never the RSA padding trace', async () => {
    const { lab, app } = await trunk('apas-mixup', { certificate: 'keycertsign', presents: 'other' });
    const r = await app.openTrunk();
    expect(r.ok).toBe(false);
    const cucm = lab.timeline.logLines('cucm-pub');
    expect(cucm.some((l) => l.includes(UNTRUSTED_TRACE))).toBe(true);
    expect(cucm.some((l) => l.includes('block type is not 01'))).toBe(false);
    expect(lab.timeline.ofKind('app-server.trunk', 'apas')[0]?.alert?.name).toBe('unknown_ca');
  });

  it("the presented certificate of the mix-up is seed 000's: C=Germany, L=Hallbergmoos, no certificate sign", async () => {
    const { lab, app } = await trunk('apas-mixup-cert', { certificate: 'keycertsign', presents: 'other' });
    await app.openTrunk();
    const presented = lab.timeline.ofKind('app-server.trunk', 'apas')[0]?.presented.subject ?? '';
    expect(presented).toMatch(/^C=Germany, L=Hallbergmoos, CN=/);
    expect(hasKeyCertSign(readCert(app.presentedCertificatePem))).toBe(false);
  });

  it("the Java 1.6 stack's CertificateVerify draws seed 000's RSA trace on CUCM and decrypt_error on the wire", async () => {
    const { lab, app } = await trunk('apas-java16', { certificate: 'keycertsign', tlsStack: 'java16-bc' });
    const r = await app.openTrunk();
    expect(r.ok).toBe(false);
    expect(lab.timeline.logLines('cucm-pub').some((l) => l.includes(RSA_TRACE))).toBe(true);
    const [event] = lab.timeline.ofKind('app-server.trunk', 'apas');
    expect(event).toMatchObject({
      outcome: 'failed',
      tlsStack: 'java16-bc',
      alert: { code: 51, name: 'decrypt_error' },
      message: 'javax.net.ssl.SSLHandshakeException: Received fatal alert: decrypt_error',
    });
    // CUCM saw the handshake fail in OpenSSL itself: no certificate verdict was reached.
    expect(lab.timeline.ofKind('tls.failed', 'cucm-pub').some((e) => e.role === 'server')).toBe(true);
  });

  it('replacing the TLS stack brings the trunk up with the same certificate', async () => {
    const { lab, app } = await trunk('apas-java16-fixed', {
      certificate: 'keycertsign',
      tlsStack: 'java16-bc',
    });
    app.replaceTlsStack();
    const r = await app.openTrunk();
    expect(r.ok).toBe(true);
    expect(lab.timeline.ofKind('app-server.trunk', 'apas')[0]?.tlsStack).toBe('standard');
  });

  itWithPeers(
    ['openssl'],
    "TAC's openssl s_client with the exported certificate and key completes a TLS 1.0 handshake with CUCM on 2443",
    async () => {
      const { lab } = await trunk('apas-tac-sclient', { certificate: 'keycertsign', tlsStack: 'java16-bc' });
      await tacOpensslTest(lab);
      const outcome = tacTestOutcome(lab);
      expect(outcome.saw).toContain('TLSv1 handshake');
      expect(outcome.held).toBe(true);
      expect(lab.timeline.logLines('cucm-pub').some((l) => l.includes('HandleSSLError'))).toBe(false);
    },
  );

  itWithPeers(
    ['openssl'],
    'openssl s_client with a certificate CUCM does not trust is refused on 2443',
    async () => {
      const lab = await startLab('apas-tac-untrusted', trunkLab({ certificate: 'keycertsign' }).devices);
      // Nothing uploaded to CallManager-trust: the same test now shows a certificate fault.
      await tacOpensslTest(lab);
      expect(tacTestOutcome(lab).held).toBe(false);
    },
  );
});
