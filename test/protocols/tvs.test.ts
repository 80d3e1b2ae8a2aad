import { describe, expect, it } from 'vitest';
import { decodeTvs, encodeTvs, type TvsMessage, tvsFramer } from '../../devices/protocols/tvs.ts';

// docs/reference/tvs.md §3: the Cisco dump's QUERY_CERT_REQ is 143 = 27 + 69 + 25 + 22 bytes of TLVs.
const query: TvsMessage = {
  type: 'QUERY_CERT_REQ',
  sessionId: 1001,
  deviceName: 'CP-8861-SEPB000B4BA0AEE', // 23 chars + type byte = 0x18
  subject: 'CN=ucm11pub.stormin.local;OU=IST;O=stormin;L=Melbourne;ST=VI;C=AU', // 65 + NUL = 0x42
  issuer: 'CN=CAPF-a7fb32bf;C=AU', // 21 + NUL
  serial: Buffer.alloc(19, 0x5a),
};

describe('TVS codec', () => {
  it('a QUERY_CERT_REQ reproduces the Cisco dump header and 153-byte length', () => {
    const b = encodeTvs(query);
    expect(b.subarray(0, 10).toString('hex')).toBe('57010300000003e9008f');
    expect(b.length).toBe(153); // phone log "bytes written : 153"
    expect(b.subarray(10, 14).toString('hex')).toBe('01001801'); // tag 1, len 0x18, type byte 0x01
    expect(b.subarray(37, 40).toString('hex')).toBe('030042'); // subject tag, len 0x42
  });

  it('a QUERY_CERT_RES with a 1451-byte certificate is 1470 = 0x05be bytes of TLVs', () => {
    const b = encodeTvs({
      type: 'QUERY_CERT_RES',
      sessionId: 1001,
      reserved: 0xf7,
      status: 0,
      certificate: Buffer.alloc(1451, 0x30),
      roles: [0, 3],
      ttl: 86400,
    });
    expect(b.subarray(0, 10).toString('hex')).toBe('570104f7000003e905be'); // Cisco dump: 57 01 04 f7 00 00 03 e9 05 be
    expect(b.subarray(-7).toString('hex')).toBe('09000400015180'); // TTL 86400
  });

  it('round-trips every message type, ignoring the reserved byte', () => {
    const msgs: TvsMessage[] = [
      query,
      {
        type: 'CERT_VERIFICATION_REQ',
        sessionId: 7,
        deviceName: 'CP-8851-SEP001122334455',
        certificate: Buffer.from([0x30, 1, 2]),
      },
      { type: 'CERT_VERIFICATION_RES', sessionId: 7, reserved: 0x99, status: 1, roles: [], ttl: 0 },
      { type: 'QUERY_CERT_RES', sessionId: 8, status: 1, roles: [], ttl: 86400 },
    ];
    for (const m of msgs) {
      const d = decodeTvs(encodeTvs(m));
      expect(d).toEqual({ ok: true, value: { reserved: 0, ...m } });
    }
  });

  it('a CERT_VERIFICATION_REQ is the device name then the whole DER certificate, and decodes back to it', () => {
    const der = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.alloc(256, 0xab)]);
    const m: TvsMessage = {
      type: 'CERT_VERIFICATION_REQ',
      sessionId: 1002,
      deviceName: 'CP-8861-SEPB000B4BA0AEE',
      certificate: der,
    };
    const b = encodeTvs(m);
    // docs/reference/tvs.md §3: command 1; tag 1 (0x18 bytes: type byte + name), tag 2 = the DER.
    // 290 = 0x0122 bytes of TLVs: 3 + 24 for the name, 3 + 260 for the certificate.
    expect(b.subarray(0, 10).toString('hex')).toBe('57010100000003ea0122');
    expect(b.subarray(10, 14).toString('hex')).toBe('01001801');
    expect(b.subarray(37, 40).toString('hex')).toBe('020104');
    expect(b.subarray(40).equals(der)).toBe(true);
    expect(decodeTvs(b)).toEqual({ ok: true, value: { reserved: 0, ...m } });
  });

  it('a device name without the 0x01 type byte is a typed error', () => {
    const b = encodeTvs(query);
    b[13] = 0x02;
    const d = decodeTvs(b);
    expect(d.ok ? undefined : d.error).toMatchObject({ code: 'tvs.bad-element', offset: 13 });
  });

  it('the framer reassembles byte-by-byte chunks and reports garbage without throwing', () => {
    const f = tvsFramer();
    const wire = Buffer.concat([encodeTvs(query), encodeTvs(query)]);
    const got = [];
    for (const byte of wire) got.push(...f.push(Buffer.from([byte])));
    expect(got.length).toBe(2);
    expect(got.every((r) => r.ok)).toBe(true);
    const bad = f.push(Buffer.from('GET / HTTP/1.1\r\n'));
    expect(bad).toEqual([
      { ok: false, error: expect.objectContaining({ code: 'tvs.bad-protocol-id', offset: 306 }) },
    ]);
    expect(f.push(encodeTvs(query))[0]?.ok).toBe(false); // poisoned: the caller closes
  });
});
