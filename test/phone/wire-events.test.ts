/**
 * The wire exchanges on the timeline (devices/protocols/events.ts): a phone booting against the CUCM
 * model leaves a `tftp.transfer` from both ends of each file, an `sccp.message` or `sip.message` from
 * both ends of each message, and an `http.request` for each request CUCM answered; its TLS handshakes
 * carry the certificates' extensions and its verdicts name the rule that decided.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../emulator/events.ts';
import type { Lab } from '../../emulator/lab.ts';
import { type PhoneUnderTest, phoneWithCucm } from './support.ts';

const MAC = '00112233CE01';
const NAME = `SEP${MAC}`;
const SCCP79: PhoneUnderTest = {
  mac: MAC,
  model: 'CP-7975',
  firmware: 'sccp-79xx-9.4',
  protocol: 'SCCP',
  security: 'non-secure',
  line: '1001',
};
const SIP88: PhoneUnderTest = { ...SCCP79, model: 'CP-8861', firmware: 'sip-88xx-14.2', protocol: 'SIP' };
const MIXED = { mixedMode: 'etoken', etokens: 2 };

let lab: Lab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

async function booted(name: string, p: PhoneUnderTest, cucm: Record<string, unknown> = {}) {
  const t = await phoneWithCucm(`wire-events-${name}`, p, cucm);
  lab = t.lab;
  await t.phone.boot();
  return t;
}

describe('wire exchanges on the timeline', () => {
  it('a file served over TFTP is a tftp.transfer from the server and from the phone, with size and blocks', async () => {
    const t = await booted('tftp', SCCP79, MIXED);
    const server = t.lab.timeline
      .ofKind('tftp.transfer', 'cucm-pub')
      .find((e) => e.file === `CTLSEP${MAC}.tlv` && e.outcome === 'complete');
    const client = t.lab.timeline
      .ofKind('tftp.transfer', NAME)
      .find((e) => e.file === `CTLSEP${MAC}.tlv` && e.outcome === 'complete');
    expect(server).toMatchObject({ role: 'server', error: null, peer: { address: t.phone.address } });
    expect(client).toMatchObject({ role: 'client', error: null, peer: { address: t.cucm.address } });
    expect(server?.bytes).toBeGreaterThan(0);
    expect(client?.bytes).toBe(server?.bytes);
    expect(client?.blocks).toBe(Math.floor((server?.bytes ?? 0) / 512) + 1);
  });

  it('a file the cluster does not have is a tftp.transfer error with TFTP code 1 at both ends', async () => {
    const t = await booted('tftp-missing', SCCP79);
    const ends = (device: string) =>
      t.lab.timeline.ofKind('tftp.transfer', device).filter((e) => e.file === `CTLSEP${MAC}.tlv`);
    expect(ends('cucm-pub')[0]).toMatchObject({ outcome: 'error', bytes: null, error: { code: 1 } });
    expect(ends(NAME)[0]).toMatchObject({ outcome: 'error', error: { code: 1 } });
    expect(ends(NAME)[0]?.error?.message).toMatch(/File not found/);
  });

  it('SCCP registration is sccp.message events from both ends on the registration connection', async () => {
    const t = await booted('sccp', SCCP79);
    const registered = t.lab.timeline.ofKind('cucm.registered', 'cucm-pub')[0];
    const connId = registered?.connId;
    expect(connId).toBeTruthy();
    const messages = (device: string) =>
      t.lab.timeline
        .ofKind('sccp.message', device)
        .filter((e) => e.connId === connId)
        .map((e) => `${e.direction} ${e.message}`);
    expect(messages(NAME).slice(0, 2)).toEqual(['sent Register', 'received RegisterAck']);
    expect(messages('cucm-pub').slice(0, 3)).toEqual([
      'received Register',
      'sent RegisterAck',
      'sent CapabilitiesReq',
    ]);
    const register = t.lab.timeline.ofKind('sccp.message', 'cucm-pub').find((e) => e.message === 'Register');
    expect(register?.detail).toContain(NAME);
  });

  it('SIP registration is sip.message events with method, status, Call-ID and CSeq', async () => {
    const t = await booted('sip', SIP88);
    const sent = t.lab.timeline
      .ofKind('sip.message', NAME)
      .find((e) => e.direction === 'sent' && e.message === 'REGISTER');
    expect(sent).toMatchObject({ method: 'REGISTER', status: null, cseq: '101 REGISTER' });
    expect(sent?.callId).toBeTruthy();
    const ok = t.lab.timeline
      .ofKind('sip.message', 'cucm-pub')
      .find((e) => e.direction === 'sent' && e.status === 200 && e.method === 'REGISTER');
    expect(ok).toMatchObject({ message: '200', connId: sent?.connId, callId: sent?.callId });
  });

  it('a file fetched over HTTP 6970 is an http.request CUCM answered, with its connection', async () => {
    const t = await phoneWithCucm('wire-events-6970', SIP88);
    lab = t.lab;
    t.lab.fabric.addHost('browser');
    const c = await t.lab.fabric.connectTcp('browser', { host: 'cucm-pub', port: 6970 }, {});
    if (!c.ok) throw new Error(c.error.message);
    c.value.socket.write(`GET /ITLSEP${MAC}.tlv HTTP/1.1\r\nHost: cucm-pub:6970\r\n\r\n`);
    const e = (await t.lab.timeline.waitFor(
      'the http.request of the ITL over 6970',
      (x) => x.kind === 'http.request' && x.device === 'cucm-pub',
      { timeoutMs: 5000 },
    )) as LabEvent<'http.request'>;
    c.value.socket.destroy();
    expect(e).toMatchObject({
      service: 'tftp-http',
      method: 'GET',
      path: `/ITLSEP${MAC}.tlv`,
      host: 'cucm-pub:6970',
      status: 200,
      connId: c.value.id,
    });
    expect(e.bytes).toBeGreaterThan(0);
  });

  it('a request to Tomcat 8443 is an http.request with method, path, Host and status', async () => {
    const t = await phoneWithCucm('wire-events-tomcat', SIP88);
    lab = t.lab;
    t.lab.fabric.addHost('browser');
    const c = await t.lab.fabric.connectTls('browser', { host: 'cucm-pub', port: 8443 }, {});
    if (!c.ok) throw new Error(c.error.message);
    c.value.socket.write('GET /cucm-uds/version HTTP/1.1\r\nHost: cucm-pub:8443\r\n\r\n');
    const e = (await t.lab.timeline.waitFor(
      'the http.request of GET /cucm-uds/version',
      (x) => x.kind === 'http.request' && x.device === 'cucm-pub',
      { timeoutMs: 5000 },
    )) as LabEvent<'http.request'>;
    c.value.socket.destroy();
    expect(e).toMatchObject({
      service: 'tomcat',
      method: 'GET',
      path: '/cucm-uds/version',
      host: 'cucm-pub:8443',
      status: 200,
      peer: { port: c.value.local.port },
    });
  });

  it("a secure registration's handshake summarises the certificates' extensions and its verdict names the rule", async () => {
    const t = await booted('tls', { ...SCCP79, security: 'encrypted' }, MIXED);
    const hs = t.lab.timeline.ofKind('tls.handshake', NAME).find((e) => e.peerCert?.subject.includes('cucm'));
    expect(hs?.peerCert?.extensions.keyUsage).toEqual(expect.arrayContaining(['digitalSignature']));
    expect(hs?.peerCert?.extensions.extKeyUsage).toEqual(expect.arrayContaining(['serverAuth']));
    // CUCM's self-signed CallManager certificate is its own CA (CA:TRUE), as on the real product.
    expect(hs?.peerCert?.extensions.basicConstraints?.ca).toBe(true);
    expect(hs?.peerCert?.extensions.subjectAltName.length).toBeGreaterThan(0);
    const verdict = t.lab.timeline
      .ofKind('tls.verdict', NAME)
      .find((e) => e.connId === hs?.connId && e.role === 'client');
    expect(verdict).toMatchObject({
      accepted: true,
      rule: { id: 'phone.cucm-ctl-ccm-record', name: 'CallManager certificate is a CCM record of the CTL' },
    });
  });
});
