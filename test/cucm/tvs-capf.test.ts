/**
 * TVS (2445) and CAPF (3804) answer requests built byte by byte from docs/reference/tvs.md §3 / docs/reference/capf.md §3-§6,
 * independently of the codecs the server uses.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciscoIssuer, ciscoSubject, serialBytes } from '../../certs/cisco-dn.ts';
import { type PoolKey, poolKeys } from '../../certs/key-pool/index.ts';
import type { SecureStream } from '../../emulator/net/types.ts';
import { type CucmLab, issueUntrusted, PHONE, startCucmLab } from './support.ts';

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-tvs-capf', {
    phones: [
      {
        name: PHONE,
        model: 'CP-8861',
        protocol: 'SIP',
        security: 'encrypted',
        capf: { operation: 'install', authMode: 'auth-string', authString: '12345' },
      },
      {
        name: 'SEP00AA00BB00CC',
        model: 'CP-8861',
        protocol: 'SIP',
        security: 'authenticated',
        capf: { operation: 'install', authMode: 'null-string', keySize: 2048 },
      },
    ],
  });
  t.lab.fabric.addHost('test-client');
});
afterAll(async () => {
  await t?.stop();
});

function tlv(tag: number, value: Buffer): Buffer {
  const h = Buffer.alloc(3);
  h[0] = tag;
  h.writeUInt16BE(value.length, 1);
  return Buffer.concat([h, value]);
}
const cstr = (s: string) => Buffer.concat([Buffer.from(s), Buffer.from([0])]);

/** Reads whole length-prefixed messages: header size and where the u16 length sits. */
function reader(sock: SecureStream, headerLen: number, lenAt: number) {
  let buf = Buffer.alloc(0);
  const waiting: ((b: Buffer) => void)[] = [];
  const queue: Buffer[] = [];
  sock.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    while (buf.length >= headerLen && buf.length >= headerLen + buf.readUInt16BE(lenAt)) {
      const n = headerLen + buf.readUInt16BE(lenAt);
      const m = buf.subarray(0, n);
      buf = buf.subarray(n);
      const w = waiting.shift();
      if (w) w(m);
      else queue.push(m);
    }
  });
  return () =>
    new Promise<Buffer>((resolve, reject) => {
      const q = queue.shift();
      if (q) return resolve(q);
      const timer = setTimeout(() => reject(new Error('no message within 5 s')), 5000);
      waiting.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
}

function elements(body: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let o = 0; o < body.length; ) {
    const tag = body[o] as number;
    const len = body.readUInt16BE(o + 1);
    out.set(tag, body.subarray(o + 3, o + 3 + len));
    o += 3 + len;
  }
  return out;
}

async function connect(port: number) {
  const r = await t.lab.fabric.connectTls('test-client', { host: 'cucm-pub', port }, {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value.socket;
}

function tvsRequest(command: number, session: number, body: Buffer): Buffer {
  const h = Buffer.from([0x57, 0x01, command, 0x00, 0, 0, 0, 0, 0, 0]);
  h.writeUInt32BE(session, 4);
  h.writeUInt16BE(body.length, 8);
  return Buffer.concat([h, body]);
}

describe('TVS on 2445', () => {
  it('answers a QUERY_CERT request for the CallManager certificate with status 0, the certificate, roles and TTL 86400', async () => {
    const cm = t.pub.certs.own('CallManager').identity.cert;
    const sock = await connect(2445);
    const next = reader(sock, 10, 8);
    const body = Buffer.concat([
      tlv(1, Buffer.concat([Buffer.from([1]), Buffer.from('CP-8861-SEP001122334455')])),
      tlv(3, cstr(ciscoSubject(cm))),
      tlv(4, cstr(ciscoIssuer(cm))),
      tlv(5, Buffer.from(serialBytes(cm))),
    ]);
    sock.write(tvsRequest(3, 1001, body));
    const res = await next();
    sock.destroy();
    expect(res[0]).toBe(0x57);
    expect(res[2]).toBe(4);
    expect(res.readUInt32BE(4)).toBe(1001);
    const e = elements(res.subarray(10));
    expect(e.get(7)?.[0]).toBe(0);
    expect(new X509Certificate(e.get(2) as Buffer).fingerprint256).toBe(cm.fingerprint256);
    expect([...(e.get(8) ?? [])]).toContain(3);
    expect(e.get(9)?.readUInt32BE(0)).toBe(86400);
  });

  it('answers a CERT_VERIFICATION request for an unknown certificate with status 1 and logs the cache misses', async () => {
    const sock = await connect(2445);
    const next = reader(sock, 10, 8);
    const cert = (await issueUntrusted('0000000000AA')).certDer;
    sock.write(
      tvsRequest(
        1,
        7,
        Buffer.concat([
          tlv(1, Buffer.concat([Buffer.from([1]), Buffer.from('CP-8861-SEP001122334455')])),
          tlv(2, cert),
        ]),
      ),
    );
    const res = await next();
    sock.destroy();
    expect(res[2]).toBe(2);
    expect(elements(res.subarray(10)).get(7)?.[0]).toBe(1);
    expect(t.pub.logLines()).toContain(
      'ERROR:CertificateDBCACHE::getCertificateInformation - Cannot find the certificate in the cache',
    );
  });
});

function capfMessage(command: number, session: number, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x55;
  h[1] = command;
  h.writeUInt32BE(session, 2);
  h.writeUInt16BE(body.length, 6);
  return Buffer.concat([h, body]);
}

describe('CAPF on 3804', () => {
  it('a wrong authentication string ends the session with reason 7 and status 10', async () => {
    const sock = await connect(3804);
    const next = reader(sock, 8, 6);
    const auth = await next();
    expect(auth[1]).toBe(1); // AUTH_REQUEST
    const sid = auth.readUInt32BE(2);
    sock.write(
      capfMessage(
        2,
        sid,
        Buffer.concat([
          tlv(1, Buffer.from([1])),
          tlv(7, Buffer.from([3])),
          tlv(13, cstr(PHONE)),
          tlv(11, cstr('99999')),
        ]),
      ),
    );
    const end = await next();
    sock.destroy();
    expect(end[1]).toBe(15);
    expect(elements(end.subarray(8)).get(1)?.[0]).toBe(7);
    const sql = await t.pub.exec(
      `run sql select name,tkcertificatestatus from device where name = '${PHONE}'`,
    );
    expect(sql).toMatch(new RegExp(`^${PHONE} +10$`, 'm'));
  });

  it('a null-string install issues an LSC signed by the CAPF certificate: status 3', async () => {
    const sock = await connect(3804);
    const next = reader(sock, 8, 6);
    const sid = (await next()).readUInt32BE(2);
    sock.write(
      capfMessage(
        2,
        sid,
        Buffer.concat([
          tlv(1, Buffer.from([1])),
          tlv(7, Buffer.from([3])),
          tlv(13, cstr('SEP00AA00BB00CC')),
          tlv(11, cstr('')),
        ]),
      ),
    );
    const keyReq = await next();
    expect(keyReq[1]).toBe(3);
    expect(elements(keyReq.subarray(8)).get(10)?.readUInt16BE(0)).toBe(2048);
    // The phone's new key pair: a 1024-bit key from the committed pool (no key generation at test time).
    const { publicKey } = poolKeys({ kind: 'rsa', bits: 1024 })[0] as PoolKey;
    sock.write(capfMessage(17, sid, Buffer.alloc(0)));
    sock.write(capfMessage(4, sid, tlv(9, publicKey.export({ type: 'spki', format: 'der' }))));
    const store = await next();
    expect(store[1]).toBe(9);
    const certEl = elements(store.subarray(8)).get(4) as Buffer;
    const lsc = new X509Certificate(certEl.subarray(5));
    expect(lsc.subject).toContain('CN=CP-8861-SEP00AA00BB00CC');
    expect(lsc.verify(t.pub.certs.own('CAPF').identity.cert.publicKey)).toBe(true);
    sock.write(capfMessage(10, sid, tlv(1, Buffer.from([1]))));
    const end = await next();
    sock.destroy();
    expect(end[1]).toBe(15);
    expect(elements(end.subarray(8)).get(1)?.[0]).toBe(1);
    expect(t.pub.logLines()).toContain('3:SEP00AA00BB00CC:Certificate upgrade successful');
    expect(
      await t.pub.exec("run sql select name,tkcertificatestatus from device where name like 'SEP00AA%'"),
    ).toMatch(/^SEP00AA00BB00CC +3$/m);
  });
});
