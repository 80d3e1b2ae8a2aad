/**
 * Which TVS request the phone sends (docs/reference/tvs.md §3), against uclab's own TVS:
 * the certificate verification request (device name and the whole certificate) where the phone holds
 * the certificate, an HTTPS server's from the handshake; the certificate query (subject, issuer,
 * serial) where it has only the identifiers of a file's signer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import type { CucmNodeDevice } from '../../devices/cucm/node.ts';
import { Phone } from '../../devices/phone/phone.ts';
import { Lab } from '../../emulator/lab.ts';

const MAC = '0011215A1C08';
const NAME = `SEP${MAC}`;
let lab: Lab;
let phone: Phone;

beforeAll(async () => {
  lab = await Lab.create({ name: 'tvs-requests', seed: 'tvs-requests' });
  const built = lab.build({
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        release: '11.5',
        phones: [{ name: NAME, model: 'CP-8861', protocol: 'SIP', security: 'non-secure', line: '1001' }],
      },
      // Another cluster: its Tomcat certificate is in nothing the phone's cluster holds.
      { kind: 'cucm', name: 'cucm-b' },
      {
        kind: 'phone',
        name: NAME,
        mac: MAC,
        model: 'CP-8861',
        firmware: 'sip-88xx-14.2',
        tftp: 'cucm-pub',
        autoBoot: false,
        line: '1001',
        timers: { tftpTimeoutMs: 300, tftpRetries: 1 },
      },
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  phone = lab.device(NAME, Phone);
  await phone.boot();
}, 60_000);
afterAll(async () => {
  await lab?.stop();
});

function since(seq: number) {
  return {
    tvs: lab.timeline.ofKind('phone.tvs', NAME).filter((e) => e.seq > seq),
    tvsLog: lab.timeline
      .ofKind('log', 'cucm-pub')
      .filter((e) => e.seq > seq && e.source === 'tvs')
      .map((e) => e.text),
  };
}

describe('the verification request, where the phone holds the whole certificate', () => {
  it("an HTTPS server of the phone's cluster: TVS vouches for the certificate sent and the service opens", async () => {
    const seq = lab.timeline.events().length;
    const r = await phone.openService('https://cucm-pub:8443/cucm-uds/version');
    expect(r).toMatchObject({ outcome: 'opened', via: 'tvs', httpStatus: 200 });
    const s = since(seq);
    expect(s.tvs.map((e) => `${e.request} ${e.outcome}`)).toEqual(['verification vouched']);
    expect(s.tvsLog).toContain('tvsHandleCertVerificationReq');
    expect(s.tvsLog).not.toContain('tvsHandleQueryCertReq');
  });

  it('an HTTPS server TVS does not hold: TVS logs the seed 003 lines and the phone shows "Host not found"', async () => {
    const seq = lab.timeline.events().length;
    const r = await phone.openService('https://cucm-b:8443/cucm-uds/version');
    expect(r).toMatchObject({ outcome: 'untrusted', screen: 'Host not found', httpStatus: null });
    const s = since(seq);
    expect(s.tvs.map((e) => `${e.request} ${e.outcome}`)).toEqual(['verification unknown']);
    expect(s.tvsLog).toContain('tvsHandleCertVerificationReq');
    expect(s.tvsLog).not.toContain('tvsHandleQueryCertReq');
    expect(s.tvsLog).toContain(
      'ERROR:CertificateDBCACHE::getCertificateInformation - Cannot find the certificate in the cache',
    );
    expect(s.tvsLog.some((t) => t.endsWith(':No associated roles found for the certificate in cache'))).toBe(
      true,
    );
  });
});

describe('the query, where the phone has only identifiers', () => {
  it('an ITL signed by a new CallManager certificate: the phone queries by subject, issuer and serial', async () => {
    const seq = lab.timeline.events().length;
    await (lab.device('cucm-pub') as CucmNodeDevice).exec('set cert regen CallManager');
    await phone.reset();
    const s = since(seq);
    expect(s.tvs.length).toBeGreaterThan(0);
    expect(s.tvs.every((e) => e.request === 'query')).toBe(true);
    expect(s.tvs[0]?.outcome).toBe('vouched');
    expect(s.tvsLog).toContain('tvsHandleQueryCertReq');
    expect(s.tvsLog).not.toContain('tvsHandleCertVerificationReq');
  }, 60_000);
});
