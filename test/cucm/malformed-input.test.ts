/**
 * Bad input never takes a CUCM node down (brief: "bad input gives a clear typed error and never
 * crashes a server"). Garbage goes to every port the node opens; the node must answer what it can
 * (400/404), drop what it cannot, and keep serving. An exception thrown in a socket handler or an
 * unhandled rejection would kill the whole process (and every lab in it): vitest fails the run on
 * either, and the hooks below name them.
 */
import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAudioSdp, parseSrtpInline } from '../../devices/protocols/sdp.ts';
import { tftpGet } from '../../devices/protocols/tftp/client.ts';
import type { LabEvent } from '../../emulator/events.ts';
import { type CucmLab, issueLsc, startCucmLab } from './support.ts';

let t: CucmLab;
const crashes: string[] = [];
const onCrash = (e: unknown) => crashes.push(String((e as Error)?.stack ?? e));

beforeAll(async () => {
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  t = await startCucmLab('cucm-malformed');
  t.lab.fabric.addHost('fuzzer');
});
afterAll(async () => {
  process.off('uncaughtException', onCrash);
  process.off('unhandledRejection', onCrash);
  await t?.stop();
});

const LIMIT_MS = 5000;

/** Sends `payload` over TCP (or TLS), then ends or resets; resolves with what came back once closed. */
function throwAt(
  port: number,
  payload: Buffer,
  o: { tls?: boolean; reset?: boolean; waitForAnswer?: boolean } = {},
): Promise<string> {
  return new Promise((resolve) => {
    let got = Buffer.alloc(0);
    const sock: net.Socket = o.tls
      ? tls.connect({
          host: t.pub.address,
          port,
          rejectUnauthorized: false,
          minVersion: 'TLSv1',
          ciphers: 'DEFAULT:@SECLEVEL=0',
        })
      : net.connect({ host: t.pub.address, port });
    const timer = setTimeout(() => sock.destroy(), LIMIT_MS);
    sock.on('data', (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (o.waitForAnswer && /\r\n\r\n/.test(got.toString('latin1'))) sock.end();
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got.toString('latin1'));
    });
    sock.once(o.tls ? 'secureConnect' : 'connect', () => {
      sock.write(payload);
      if (o.waitForAnswer) return;
      // Abrupt disconnect mid-request: a TCP reset, or for TLS the socket dropped without close_notify.
      if (o.reset) o.tls ? sock.destroy() : sock.resetAndDestroy();
      else sock.end();
    });
  });
}

function listening(): { port: number; proto: string }[] {
  return (t.lab.timeline.ofKind('net.listen', 'cucm-pub') as LabEvent<'net.listen'>[]).map((e) => ({
    port: e.endpoint.port,
    proto: e.proto,
  }));
}

const HTTP_GARBAGE = [
  'GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /cucm-uds/user/%ZZ/devices HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET http://[::1 HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET  HTTP/1.1\r\n\r\n',
  'GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n',
  'REGISTER sip:x SIP/2.0\r\nContent-Length: 99999\r\n\r\nabc',
  'INVITE sip:%% SIP/2.0\r\nVia: \r\nFrom: <\r\nTo: >\r\nCall-ID:\r\nCSeq: x\r\nContent-Length: -5\r\n\r\n',
].map((s) => Buffer.from(s, 'latin1'));

const BINARY_GARBAGE = [
  Buffer.from([0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 1, 0, 0, 0]), // SCCP length 2 GB
  Buffer.from([8, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x41, 0x41, 0x41, 0x41]), // short RegisterMessage
  Buffer.from([0x55, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x03, 0xff, 0x00, 0x00]), // CAPF header
  Buffer.from([0x01, 0x01, 0x00, 0x00, 0x00, 0x08, 0x01, 0x00, 0x05, 1, 2]), // TVS-like TLV
  Buffer.from([0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0]), // truncated TLS ClientHello
  Buffer.from([1]),
];

describe('a CUCM node under malformed input', () => {
  it('6970 answers a malformed percent-escape with 400 and a path outside the TFTP root with 404', async () => {
    const bad = await throwAt(6970, Buffer.from('GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n'), {
      waitForAnswer: true,
    });
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
    const outside = await throwAt(6970, Buffer.from('GET /../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n'), {
      waitForAnswer: true,
    });
    expect(outside).toMatch(/^HTTP\/1\.1 404 /);
  });

  it('6972 reads a request target as 6970 does: 400 for a bad escape, the file for an absolute-form target', async () => {
    const bad = await throwAt(6972, Buffer.from('GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n'), {
      tls: true,
      waitForAnswer: true,
    });
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
    const absolute = await throwAt(
      6972,
      Buffer.from(`GET http://${t.pub.address}:6972/ITLFile.tlv HTTP/1.1\r\nHost: x\r\n\r\n`),
      { tls: true, waitForAnswer: true },
    );
    expect(absolute).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('8443 answers a malformed user id and an unparsable absolute target with 400', async () => {
    for (const line of ['GET /cucm-uds/user/%ZZ/devices HTTP/1.1', 'GET http://[::1 HTTP/1.1']) {
      const answer = await throwAt(8443, Buffer.from(`${line}\r\nHost: x\r\n\r\n`), {
        tls: true,
        waitForAnswer: true,
      });
      expect(answer, line).toMatch(/^HTTP\/1\.1 400 /);
    }
  });

  it('garbage on every port leaves the node serving TFTP, SIP over TLS and UDS', async () => {
    const ports = listening();
    expect(ports.map((p) => p.port)).toEqual(
      expect.arrayContaining([t.pub.tftpPort, 6970, 6972, 8443, 2000, 2443, 5060, 5061, 2445, 3804]),
    );
    for (const { port, proto } of ports) {
      if (proto === 'udp') {
        const u = dgram.createSocket('udp4');
        await new Promise<void>((r) => u.bind(0, '127.0.0.1', () => r()));
        const rrqs = [
          randomBytes(3),
          Buffer.from([0, 1]),
          Buffer.from('\0\x01ITLFile.tlv\0octet\0blksize\x000\0'),
          Buffer.from('\0\x01ITLFile.tlv\0octet\0blksize\x0099999999999\0tsize\0-1\0'),
          Buffer.from('\0\x01../../etc/passwd\0octet\0'),
          Buffer.from('\0\x01SEP%%.cnf.xml\0octet\0'),
          Buffer.from('\0\x04\0\x01'),
          Buffer.from('\0\x05\0\x01x\0'),
          ...Array.from({ length: 20 }, (_, i) => randomBytes(1 + i)),
        ];
        await Promise.all(
          rrqs.map((p) => new Promise<void>((r) => u.send(p, port, t.pub.address, () => r()))),
        );
        u.close();
        continue;
      }
      const secure = proto === 'tls';
      for (const p of [...HTTP_GARBAGE, ...BINARY_GARBAGE, randomBytes(64), randomBytes(300)]) {
        await throwAt(port, p, { tls: secure });
        await throwAt(port, p, { tls: secure, reset: true });
      }
      // Raw bytes where a TLS port expects a ClientHello, cut off mid-record.
      if (secure) {
        await throwAt(port, Buffer.from([0x16, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3]), { reset: true });
        await throwAt(port, randomBytes(200));
      }
    }

    // TFTP: the ITL still comes down whole.
    const itl = await tftpGet({
      bind: (p) => t.lab.fabric.bindUdp('fuzzer', p),
      server: { address: t.pub.address, port: t.pub.tftpPort },
      filename: 'ITLFile.tlv',
      timeoutMs: 1000,
      retries: 3,
    });
    expect(
      itl.ok && itl.value.data.equals(t.pub.tftpFiles.get('ITLFile.tlv')?.bytes ?? Buffer.alloc(0)),
    ).toBe(true);

    // SIP over TLS: a trusted LSC still gets 200 OK to OPTIONS on 5061.
    const lsc = await issueLsc(t.pub);
    const sip = await t.lab.fabric.connectTls(
      'fuzzer',
      { host: 'cucm-pub', port: 5061 },
      { identity: { certPem: lsc.certPem, keyPem: lsc.keyPem } },
    );
    expect(sip.ok).toBe(true);
    if (!sip.ok) return;
    const answer = await new Promise<string>((resolve) => {
      let got = '';
      sip.value.socket.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.includes('\r\n\r\n')) resolve(got);
      });
      sip.value.socket.write(
        [
          `OPTIONS sip:${t.pub.address}:5061 SIP/2.0`,
          `Via: SIP/2.0/TLS ${t.lab.fabric.addressOf('fuzzer')}:5061;branch=z9hG4bKfuzz`,
          'From: <sip:fuzz@lab>;tag=1',
          `To: <sip:${t.pub.address}>`,
          'Call-ID: fuzz@lab',
          'CSeq: 1 OPTIONS',
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
    });
    sip.value.socket.destroy();
    expect(answer).toMatch(/^SIP\/2\.0 200 OK/);

    // UDS on 8443 still answers.
    const uds = await throwAt(8443, Buffer.from('GET /cucm-uds/version HTTP/1.1\r\nHost: x\r\n\r\n'), {
      tls: true,
      waitForAnswer: true,
    });
    expect(uds).toMatch(/^HTTP\/1\.1 200 /);

    expect(crashes).toEqual([]);
  });
});

describe('call SDP from a phone', () => {
  const body = (ip: string, port = 4000, crypto = '') =>
    `v=0\r\no=x 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n${crypto}`;

  it('an audio SDP with an address octet above 255 or port 0 is not usable media (null)', () => {
    expect(parseAudioSdp(body('999.1.1.1'))).toBeNull();
    expect(parseAudioSdp(body('127.0.0.256'))).toBeNull();
    expect(parseAudioSdp(body('127.0.0.1', 0))).toBeNull();
    expect(parseAudioSdp(body('127.0.0.1'))).toMatchObject({ address: '127.0.0.1', port: 4000 });
  });

  it('an a=crypto inline key that is not 30 bytes of master key and salt is refused', () => {
    const suite = 'AES_CM_128_HMAC_SHA1_32';
    expect(parseSrtpInline({ suite, inline: Buffer.alloc(3).toString('base64') })).toBeNull();
    expect(parseSrtpInline({ suite, inline: Buffer.alloc(31).toString('base64') })).toBeNull();
    expect(
      parseSrtpInline({ suite: 'F8_128_HMAC_SHA1_80', inline: randomBytes(30).toString('base64') }),
    ).toBeNull();
    const key = randomBytes(30);
    const sdp = parseAudioSdp(
      body('127.0.0.1', 4000, `a=crypto:1 ${suite} inline:${key.toString('base64')}\r\n`),
    );
    expect(sdp?.crypto && parseSrtpInline(sdp.crypto)).toEqual(key);
  });
});
