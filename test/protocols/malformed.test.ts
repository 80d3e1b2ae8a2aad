import { describe, expect, it } from 'vitest';
import {
  authRequest,
  authResponse,
  capfFramer,
  decodeCapf,
  encodeCapf,
  storeCertificateRequest,
} from '../../devices/protocols/capf.ts';
import { decodeSccp, encodeSccp, sccpFramer } from '../../devices/protocols/sccp.ts';
import {
  buildRegister,
  buildRegisterOk,
  decodeSip,
  encodeSip,
  SipFramer,
} from '../../devices/protocols/sip.ts';
import { decodeTftp, encodeTftp } from '../../devices/protocols/tftp/packet.ts';
import { decodeTvs, encodeTvs, tvsFramer } from '../../devices/protocols/tvs.ts';

/** A small deterministic PRNG so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Decoder = (b: Buffer) => { ok: boolean; error?: unknown };

function mutate(sample: Buffer, decode: Decoder): void {
  const rnd = prng(sample.length);
  for (let n = 0; n <= sample.length; n++) {
    const r = decode(sample.subarray(0, n));
    if (!r.ok) expect(r.error).toMatchObject({ code: expect.any(String), offset: expect.any(Number) });
  }
  for (let i = 0; i < 400; i++) {
    const b = Buffer.from(sample);
    const flips = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
    const r = decode(b);
    if (!r.ok) expect(r.error).toMatchObject({ code: expect.any(String), offset: expect.any(Number) });
  }
}

const phone = {
  mac: '001122334455',
  model: 'CP-8851',
  modelEnum: 684,
  firmware: '12.1.1',
  activeLoad: 'a',
  inactiveLoad: 'b',
};
const reg = buildRegister({
  phone,
  phoneIp: '1.2.3.4',
  phonePort: 5061,
  cucmHost: 'c',
  dn: '1',
  lineContact: 'u',
  transport: 'TLS',
  cseq: 1,
  first: true,
});

const samples: [string, Buffer, Decoder][] = [
  [
    'TFTP RRQ with options',
    encodeTftp({
      op: 'RRQ',
      filename: 'SEP001122334455.cnf.xml',
      mode: 'octet',
      options: { blksize: 1400, tsize: 0, timeout: 6 },
    }),
    decodeTftp,
  ],
  ['TFTP OACK', encodeTftp({ op: 'OACK', options: { blksize: 1400, tsize: 4242 } }), decodeTftp],
  ['TFTP ERROR', encodeTftp({ op: 'ERROR', code: 1, message: 'File not found' }), decodeTftp],
  [
    'TVS query',
    encodeTvs({
      type: 'QUERY_CERT_REQ',
      sessionId: 1,
      deviceName: 'CP-8861-SEP001122334455',
      subject: 'CN=a',
      issuer: 'CN=b',
      serial: Buffer.from([1, 2]),
    }),
    decodeTvs,
  ],
  [
    'CAPF AUTH_RESPONSE',
    encodeCapf(
      authResponse(5, {
        deviceName: 'SEP001122334455',
        password: '1234',
        certificate: { certType: 2, der: Buffer.alloc(40, 1) },
        signedData: Buffer.alloc(16, 2),
        sha2SignedData: { digest: 3, signature: Buffer.alloc(8) },
      }),
    ),
    decodeCapf,
  ],
  ['CAPF STORE_CERTIFICATE', encodeCapf(storeCertificateRequest(5, Buffer.alloc(30, 7))), decodeCapf],
  [
    'SCCP Register',
    encodeSccp({
      type: 'Register',
      register: {
        deviceName: 'SEP001122334455',
        stationIpAddr: '1.2.3.4',
        deviceType: 115,
        firmwareLoadName: 'x',
        configVersionStamp: 'y',
      },
    }),
    decodeSccp,
  ],
  [
    'SCCP RegisterAck',
    encodeSccp({
      type: 'RegisterAck',
      ack: {
        keepAliveInterval: 30,
        dateTemplate: 'M/D/YA',
        secondaryKeepAliveInterval: 60,
        protocolVersion: 17,
      },
    }),
    decodeSccp,
  ],
  ['SIP REGISTER', encodeSip(reg), decodeSip],
  ['SIP 200 OK', encodeSip(buildRegisterOk(reg)), decodeSip],
];

describe('malformed input never throws', () => {
  it.each(samples)(
    '%s: every truncation and 400 random corruptions give a value or a typed error',
    (_n, sample, decode) => {
      mutate(sample, decode);
    },
  );

  it('TFTP errors name each malformed class', () => {
    const code = (hex: string | Buffer) => {
      const r = decodeTftp(typeof hex === 'string' ? Buffer.from(hex, 'latin1') : hex);
      return r.ok ? 'ok' : r.error.code;
    };
    expect(code(Buffer.from([0]))).toBe('tftp.truncated');
    expect(code('\0\x01file\0oct')).toBe('tftp.missing-nul');
    expect(code('\0\x09')).toBe('tftp.unknown-opcode');
    expect(code('\0\x01f\0octet\0blksize\x0070000\0')).toBe('tftp.bad-option-value');
    expect(code('\0\x01f\0octet\0timeout\x000\0')).toBe('tftp.bad-option-value');
    expect(code('\0\x01f\0octet\0tsize\0')).toBe('tftp.odd-option-list');
    expect(code('\0\x01f\0binary\0')).toBe('tftp.bad-mode');
    expect(code('\0\x04\0')).toBe('tftp.truncated');
  });

  it('stream framers survive random garbage without throwing', () => {
    const rnd = prng(7);
    for (const make of [tvsFramer, capfFramer, sccpFramer, () => new SipFramer()]) {
      for (let i = 0; i < 50; i++) {
        const f = make();
        const junk = Buffer.from(
          Array.from({ length: 1 + Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)),
        );
        expect(() => f.push(junk)).not.toThrow();
      }
    }
    expect(authRequest(1).command).toBe('AUTH_REQUEST');
  });
});
