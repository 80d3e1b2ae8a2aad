/**
 * The client side of a TLS 1.0 handshake with client authentication, as the application server's Java
 * 1.6 stack makes it in seed 000 (JSSE `SSLSocketFactory`, line 52; BouncyCastle 1.44 as provider [8],
 * line 181; TLS 1.0 only, as TAC's `-tls1` test matches, line 218). It is written out byte by byte
 * because an OpenSSL-based client cannot send what that stack sent.
 *
 * What the lab models (M), and what it does not know: CUCM's trace (seed 000 line 79) names
 * `RSA_padding_check_PKCS1_type_1` and `block type is not 01`. That check belongs to the RSA public-key
 * operation on a signature: PKCS#1 v1.5 block type 1 (RFC 8017 §8.2); a pre-master secret is block
 * type 2 (RFC 8017 §7.2). The only client signature in a TLS 1.0 handshake is CertificateVerify
 * (RFC 2246 §7.4.8). A signature that does not decrypt to a type 1 block with the certificate's
 * public key was made with another key. So this stand-in signs CertificateVerify with a key that is not the presented
 * certificate's. Why the real stack did so the seed never found: TAC proved the certificate and key
 * good (line 221), suspected the Java TLS library (line 224), and the case was still open at the last
 * mail (line 12).
 *
 * The handshake stops at the server's answer to the client's flight: a good signature would have the
 * server wait for Finished, which this stand-in never sends (it has no record encryption).
 */
import {
  constants,
  createHash,
  type KeyObject,
  privateEncrypt,
  publicEncrypt,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import type { TlsAlert } from '../../emulator/events.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import { alert } from '../../emulator/tls-alerts.ts';

/** TLS 1.0 on the wire (RFC 2246 §6.2.1). */
const TLS10 = [3, 1] as const;
const CONTENT = { alert: 21, handshake: 22 } as const;
const HS = {
  clientHello: 1,
  serverHello: 2,
  certificate: 11,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
} as const;

/**
 * The RSA key-exchange suites of Java 6's default list (TLS_RSA_WITH_AES_128_CBC_SHA first, as JSSE
 * orders them) and the renegotiation SCSV Java 6u22 and later send (RFC 5746 §3.3).
 */
const JAVA6_RSA_SUITES = [0x002f, 0x0035, 0x000a, 0x0005, 0x0004, 0x00ff];

/** Alerts an OpenSSL server sends during a handshake, by code (RFC 5246 §7.2). */
const ALERT_NAMES = [
  'unexpected_message',
  'bad_record_mac',
  'handshake_failure',
  'bad_certificate',
  'unsupported_certificate',
  'certificate_revoked',
  'certificate_expired',
  'certificate_unknown',
  'illegal_parameter',
  'unknown_ca',
  'access_denied',
  'decode_error',
  'decrypt_error',
  'protocol_version',
  'insufficient_security',
  'internal_error',
];

function alertOf(code: number): TlsAlert {
  const name = ALERT_NAMES.find((n) => alert(n).code === code);
  return name ? alert(name) : { code, name: `alert(${code})` };
}

export interface Tls10ClientAuth {
  /** DER of the certificate the stack presents. */
  certificate: Buffer;
  /** The key CertificateVerify is signed with (the fault: not the certificate's). */
  signingKey: KeyObject;
  timeoutMs: number;
}

export interface Tls10Answer {
  /** How the server answered the client's flight. */
  outcome: 'alert' | 'closed' | 'timeout' | 'protocol-error';
  /** The server's fatal alert, when one came. */
  alert: TlsAlert | null;
  /** The cipher suite the server chose (hex, e.g. `0x002f`), null before ServerHello. */
  suite: string | null;
  /** The server's certificate, null before its Certificate message. */
  serverCertificate: X509Certificate | null;
  /** A sentence for a person. */
  detail: string;
}

function u16(n: number): Buffer {
  return Buffer.from([(n >> 8) & 0xff, n & 0xff]);
}

function u24(n: number): Buffer {
  return Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

function record(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, ...TLS10]), u16(body.length), body]);
}

function handshake(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), u24(body.length), body]);
}

function clientHello(): Buffer {
  const suites = Buffer.concat(JAVA6_RSA_SUITES.map(u16));
  return handshake(
    HS.clientHello,
    Buffer.concat([
      Buffer.from(TLS10),
      randomBytes(32),
      Buffer.from([0]), // no session to resume
      u16(suites.length),
      suites,
      Buffer.from([1, 0]), // compression: null only
    ]),
  );
}

/** The first certificate of a Certificate message body, or null when it is malformed. */
function firstCertificate(body: Buffer): X509Certificate | null {
  if (body.length < 6) return null;
  const len = body.readUIntBE(3, 3);
  if (6 + len > body.length || len === 0) return null;
  try {
    return new X509Certificate(body.subarray(6, 6 + len));
  } catch {
    return null;
  }
}

/**
 * Runs the client side up to CertificateVerify over `stream` and reports how the server answered.
 * Never throws on what the server sends: a malformed message is a `protocol-error` answer.
 */
export function tls10ClientAuthHandshake(stream: ByteStream, o: Tls10ClientAuth): Promise<Tls10Answer> {
  const transcript: Buffer[] = [];
  let suite: string | null = null;
  let serverCertificate: X509Certificate | null = null;
  let certificateRequested = false;
  let records = Buffer.alloc(0);
  let messages = Buffer.alloc(0);
  let sent = false;

  return new Promise<Tls10Answer>((resolve) => {
    let settled = false;
    const settle = (a: Omit<Tls10Answer, 'suite' | 'serverCertificate'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.destroy();
      resolve({ ...a, suite, serverCertificate });
    };
    const timer = setTimeout(
      () =>
        settle({
          outcome: 'timeout',
          alert: null,
          detail: `no answer from the server within ${o.timeoutMs} ms${sent ? ' after CertificateVerify' : ''}`,
        }),
      o.timeoutMs,
    );

    const sendFlight = () => {
      if (!serverCertificate) {
        settle({ outcome: 'protocol-error', alert: null, detail: 'the server sent no certificate' });
        return;
      }
      const flight: Buffer[] = [];
      if (certificateRequested) {
        const list = Buffer.concat([u24(o.certificate.length), o.certificate]);
        flight.push(handshake(HS.certificate, Buffer.concat([u24(list.length), list])));
      }
      // TLS 1.0 RSA key exchange: the client version and 46 random bytes, PKCS#1 v1.5 (RFC 2246 §7.4.7.1).
      const preMaster = Buffer.concat([Buffer.from(TLS10), randomBytes(46)]);
      const encrypted = publicEncrypt(
        { key: serverCertificate.publicKey, padding: constants.RSA_PKCS1_PADDING },
        preMaster,
      );
      flight.push(handshake(HS.clientKeyExchange, Buffer.concat([u16(encrypted.length), encrypted])));
      if (certificateRequested) {
        // MD5 and SHA-1 of every handshake message so far, signed without a DigestInfo (RFC 2246 §7.4.8).
        const all = Buffer.concat([...transcript, ...flight]);
        const digest = Buffer.concat([
          createHash('md5').update(all).digest(),
          createHash('sha1').update(all).digest(),
        ]);
        const signature = privateEncrypt({ key: o.signingKey, padding: constants.RSA_PKCS1_PADDING }, digest);
        flight.push(handshake(HS.certificateVerify, Buffer.concat([u16(signature.length), signature])));
      }
      transcript.push(...flight);
      sent = true;
      stream.write(record(CONTENT.handshake, Buffer.concat(flight)));
    };

    const onHandshakeMessage = (type: number, msg: Buffer) => {
      const body = msg.subarray(4);
      transcript.push(msg);
      if (type === HS.serverHello) {
        if (body.length < 38)
          return settle({ outcome: 'protocol-error', alert: null, detail: 'short ServerHello' });
        const sid = body[34] ?? 0;
        const at = 35 + sid;
        if (body.length < at + 2)
          return settle({ outcome: 'protocol-error', alert: null, detail: 'short ServerHello' });
        suite = `0x${body.readUInt16BE(at).toString(16).padStart(4, '0')}`;
      } else if (type === HS.certificate) {
        serverCertificate = firstCertificate(body);
        if (!serverCertificate)
          return settle({ outcome: 'protocol-error', alert: null, detail: 'unreadable server Certificate' });
      } else if (type === HS.certificateRequest) {
        certificateRequested = true;
      } else if (type === HS.serverHelloDone && !sent) {
        sendFlight();
      }
    };

    const onRecord = (type: number, fragment: Buffer) => {
      if (type === CONTENT.alert) {
        const code = fragment[1];
        if (fragment.length < 2 || code === undefined)
          return settle({ outcome: 'protocol-error', alert: null, detail: 'short alert record' });
        const a = alertOf(code);
        return settle({ outcome: 'alert', alert: a, detail: `the server sent a fatal ${a.name} alert` });
      }
      if (type !== CONTENT.handshake) return;
      messages = Buffer.concat([messages, fragment]);
      while (messages.length >= 4) {
        const len = messages.readUIntBE(1, 3);
        if (messages.length < 4 + len) break;
        const msg = Buffer.from(messages.subarray(0, 4 + len));
        messages = messages.subarray(4 + len);
        onHandshakeMessage(msg[0] ?? 0, msg);
        if (settled) return;
      }
    };

    stream.on('data', (d: Buffer) => {
      records = Buffer.concat([records, d]);
      while (records.length >= 5 && !settled) {
        const len = records.readUInt16BE(3);
        if (len > 16_384 + 2048)
          return settle({ outcome: 'protocol-error', alert: null, detail: `record of ${len} bytes` });
        if (records.length < 5 + len) break;
        const type = records[0] ?? 0;
        const fragment = Buffer.from(records.subarray(5, 5 + len));
        records = records.subarray(5 + len);
        onRecord(type, fragment);
      }
    });
    stream.on('error', () => {});
    stream.on('close', () =>
      settle({ outcome: 'closed', alert: null, detail: 'the server closed the connection without an alert' }),
    );
    const hello = clientHello();
    transcript.push(hello);
    stream.write(record(CONTENT.handshake, hello));
  });
}
