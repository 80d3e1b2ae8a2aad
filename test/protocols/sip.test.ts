import { describe, expect, it } from 'vitest';
import {
  buildForbidden,
  buildInvite,
  buildNotAcceptableHere,
  buildOptions,
  buildRegister,
  buildRegisterOk,
  buildUnauthorized,
  decodeSip,
  encodeSip,
  header,
  headerParam,
  headerValues,
  SipFramer,
  type SipRequest,
} from '../../devices/protocols/sip.ts';

const phone = {
  mac: '00AABBCCDDEE',
  model: 'CP-8851',
  modelEnum: 684,
  firmware: '12.1.1',
  activeLoad: 'sip88xx.12-1-1-12.loads',
  inactiveLoad: 'sip88xx.11-7-1-17.loads',
};
const first = (): SipRequest =>
  buildRegister({
    phone,
    phoneIp: '127.0.0.11',
    phonePort: 51234,
    cucmHost: '127.0.0.5',
    dn: '1001',
    lineContact: 'a1b2c3d4-0000-4000-8000-00aabbccddee',
    transport: 'TLS',
    cseq: 101,
    first: true,
    lastReason: 'reset-restart',
  });

describe('SIP codec and Cisco builders', () => {
  it('the first REGISTER has the Cisco phone shape of docs/reference/sccp-sip.md §2', () => {
    const r = first();
    const text = encodeSip(r).toString();
    expect(text.startsWith('REGISTER sip:127.0.0.5 SIP/2.0\r\n')).toBe(true);
    expect(header(r, 'Via')).toMatch(/^SIP\/2\.0\/TLS 127\.0\.0\.11:51234;branch=z9hG4bK[0-9a-f]{8}$/);
    expect(header(r, 'User-Agent')).toBe('Cisco-CP8851/12.1.1');
    expect(header(r, 'Expires')).toBe('3600');
    expect(header(r, 'Contact')).toContain('+sip.instance="<urn:uuid:00000000-0000-0000-0000-00aabbccddee>"');
    expect(header(r, 'Contact')).toContain('+u.sip!devicename.ccm.cisco.com="SEP00AABBCCDDEE"');
    expect(header(r, 'Contact')).toContain(';transport=tls>');
    expect(header(r, 'Reason')).toContain('cisco-alarm:23 Name=SEP00AABBCCDDEE');
    expect(header(r, 'Content-Type')).toBe('multipart/mixed; boundary=uniqueBoundary');
    expect(headerParam(header(r, 'From')!, 'tag')).toMatch(/^00aabbccddee[0-9a-f]{4}-[0-9a-f]{8}$/);
    expect(r.body.toString()).toContain('<bulkregisterreq>');
  });

  it('a refresh REGISTER has no Reason and an empty body', () => {
    const r = buildRegister({
      ...{ phone, phoneIp: '1.2.3.4', phonePort: 5061, cucmHost: 'cucm', dn: '1', lineContact: 'u' },
      transport: 'TCP',
      cseq: 102,
    });
    expect(header(r, 'Reason')).toBeUndefined();
    expect(encodeSip(r).toString()).toContain('Content-Length: 0\r\n\r\n');
  });

  it('REGISTER round-trips through the codec', () => {
    const r = first();
    expect(decodeSip(encodeSip(r))).toEqual({
      ok: true,
      value: { ...r, headers: [...r.headers, ['Content-Length', String(r.body.length)]] },
    });
  });

  it("CUCM's 200 OK echoes the Contact with x-cisco-newreg and Expires 120", () => {
    const req = first();
    const ok = buildRegisterOk(req, { server: 'Cisco-CUCM14.0' });
    expect(ok.status).toBe(200);
    expect(header(ok, 'Server')).toBe('Cisco-CUCM14.0');
    expect(header(ok, 'Expires')).toBe('120');
    expect(header(ok, 'Contact')).toBe(`${header(req, 'Contact')};x-cisco-newreg`);
    expect(header(ok, 'Call-ID')).toBe(header(req, 'Call-ID'));
    expect(headerParam(header(ok, 'To')!, 'tag')).toBeDefined();
  });

  it('401, 403 and 488 carry their challenge and warnings', () => {
    const req = first();
    expect(header(buildUnauthorized(req, 'ccmsipline'), 'WWW-Authenticate')).toMatch(
      /^Digest realm="ccmsipline"/,
    );
    const f = buildForbidden(req, {
      warning: { agent: 'cucm-pub', text: 'SIP OAuth Registration port Mismatch' },
      retryAfter: 35,
    });
    expect(encodeSip(f).toString()).toContain(
      'Warning: 399 cucm-pub "SIP OAuth Registration port Mismatch"\r\nRetry-After: 35',
    );
    expect(buildNotAcceptableHere(req).status).toBe(488);
  });

  it('OPTIONS and INVITE for a trunk decode back', () => {
    const p = {
      localHost: '127.0.0.20',
      localPort: 40000,
      remoteHost: '127.0.0.5',
      transport: 'TLS' as const,
      userAgent: 'uclab-appserver',
    };
    const o = buildOptions(p);
    expect(o.uri).toBe('sip:127.0.0.5:5061');
    const inv = buildInvite({ ...p, toUser: '1001' });
    const d = decodeSip(encodeSip(inv));
    expect(d.ok && d.value.kind === 'request' && d.value.body.toString()).toContain('m=audio');
  });

  it('multi-valued headers split on top-level commas only', () => {
    const d = decodeSip(
      Buffer.from(
        'SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS a;branch=1, SIP/2.0/TLS b;branch=2\r\nv: SIP/2.0/TCP c\r\nContact: "x, y" <sip:a@b>;q=1\r\nContent-Length: 0\r\n\r\n',
      ),
    );
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(headerValues(d.value, 'Via')).toEqual([
      'SIP/2.0/TLS a;branch=1',
      'SIP/2.0/TLS b;branch=2',
      'SIP/2.0/TCP c',
    ]);
    expect(headerValues(d.value, 'Contact')).toEqual(['"x, y" <sip:a@b>;q=1']);
  });

  it('the stream framer handles split chunks and CRLF keep-alives, and rejects garbage', () => {
    const f = new SipFramer();
    const wire = Buffer.concat([
      Buffer.from('\r\n\r\n'),
      encodeSip(first()),
      encodeSip(buildRegisterOk(first())),
    ]);
    const out = [];
    for (let i = 0; i < wire.length; i += 97) out.push(...f.push(wire.subarray(i, i + 97)));
    expect(out.map((r) => r.ok && r.value.kind)).toEqual(['request', 'response']);
    const bad = f.push(Buffer.from('\x16\x03\x01 garbage\r\n\r\n'));
    expect(bad[0]?.ok).toBe(false);
  });
});
