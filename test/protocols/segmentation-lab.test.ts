/**
 * A running CUCM answers a valid request followed by garbage in one write as it answers the same
 * bytes in two writes: TVS answers the query, SCCP sends its RegisterReject, CAPF ends the session
 * with the reason for the request (unknown device), not the one for garbage (invalid element).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ciscoIssuer, ciscoSubject, serialBytes } from '../../certs/cisco-dn.ts';
import { capfFramer, decodeCapf, encodeCapf } from '../../devices/protocols/capf.ts';
import type { MessageFramer } from '../../devices/protocols/framer.ts';
import { encodeSccp, sccpFramer } from '../../devices/protocols/sccp.ts';
import { encodeTvs, tvsFramer } from '../../devices/protocols/tvs.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import { type CucmLab, PHONE, startCucmLab } from '../cucm/support.ts';

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('protocols-segmentation', {
    phones: [
      {
        name: PHONE,
        model: 'CP-8861',
        protocol: 'SIP',
        security: 'encrypted',
        capf: { operation: 'install', authMode: 'auth-string', authString: '12345' },
      },
    ],
  });
  t.lab.fabric.addHost('test-client');
});
afterAll(async () => {
  await t?.stop();
});

const GARBAGE = Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n');

/** Every message the server sends until it closes the connection (or 5 s pass). */
function collect<T>(sock: ByteStream, framer: Pick<MessageFramer<T>, 'push'>): Promise<T[]> {
  const got: T[] = [];
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(got), 5000);
    sock.on('data', (chunk) => {
      for (const r of framer.push(chunk)) if (r.ok) got.push(r.value);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    sock.on('error', () => {});
  });
}

async function tls(port: number): Promise<ByteStream> {
  const r = await t.lab.fabric.connectTls('test-client', { host: 'cucm-pub', port }, {});
  if (!r.ok) throw new Error(r.error.message);
  return r.value.socket;
}

/** Writes `parts` as separate writes, each after the previous one has been handed to the transport. */
async function writeAll(sock: ByteStream, parts: Buffer[]): Promise<void> {
  for (const p of parts) await new Promise<void>((resolve) => sock.write(p, () => resolve()));
}

function tvsQuery(): Buffer {
  const cm = t.pub.certs.own('CallManager').identity.cert;
  return encodeTvs({
    type: 'QUERY_CERT_REQ',
    sessionId: 1001,
    deviceName: `CP-8861-${PHONE}`,
    subject: ciscoSubject(cm),
    issuer: ciscoIssuer(cm),
    serial: Buffer.from(serialBytes(cm)),
  });
}

async function tvsAnswers(parts: Buffer[]): Promise<string[]> {
  const sock = await tls(2445);
  const done = collect(sock, tvsFramer());
  await writeAll(sock, parts);
  return (await done).map((m) => `${m.type} ${'status' in m ? m.status : ''}`);
}

async function sccpAnswers(parts: Buffer[]): Promise<string[]> {
  const r = await t.lab.fabric.connectTcp('test-client', { host: 'cucm-pub', port: 2000 });
  if (!r.ok) throw new Error(r.error.message);
  const done = collect(r.value.socket, sccpFramer());
  await writeAll(r.value.socket, parts);
  return (await done).map((f) => f.message.type);
}

function sccpRegisterUnknown(): Buffer {
  return encodeSccp({
    type: 'Register',
    register: {
      deviceName: 'SEP0000000000F1',
      stationIpAddr: '127.0.0.1',
      deviceType: 36670,
      protocolVer: 0,
    },
  });
}

/** CAPF: the server speaks first (AUTH_REQUEST); answer for a device the cluster does not know. */
async function capfAnswers(split: boolean): Promise<string[]> {
  const sock = await tls(3804);
  const framer = capfFramer();
  const first = new Promise<number>((resolve) => {
    const on = (chunk: Buffer) => {
      for (const r of framer.push(chunk))
        if (r.ok && r.value.command === 'AUTH_REQUEST') {
          sock.off('data', on);
          resolve(r.value.sessionId);
        }
    };
    sock.on('data', on);
  });
  const sid = await first;
  const done = collect(sock, capfFramer());
  const auth = encodeCapf({
    command: 'AUTH_RESPONSE',
    sessionId: sid,
    elements: { reason: 1, version: 3, deviceName: 'SEP0000000000F1', password: '' },
  });
  await writeAll(sock, split ? [auth, GARBAGE] : [Buffer.concat([auth, GARBAGE])]);
  return (await done).map((m) => {
    const d = decodeCapf(encodeCapf(m));
    return d.ok ? `${d.value.command} reason ${d.value.elements.reason}` : 'undecodable';
  });
}

describe('a valid request and garbage in one write are answered as in two writes', () => {
  it('TVS answers the QUERY_CERT request that precedes the garbage', async () => {
    const two = await tvsAnswers([tvsQuery(), GARBAGE]);
    expect(two).toEqual(['QUERY_CERT_RES 0']);
    expect(await tvsAnswers([Buffer.concat([tvsQuery(), GARBAGE])])).toEqual(two);
  });

  it('SCCP sends the RegisterReject for the Register that precedes the garbage', async () => {
    const two = await sccpAnswers([sccpRegisterUnknown(), GARBAGE]);
    expect(two).toEqual(['RegisterReject']);
    expect(await sccpAnswers([Buffer.concat([sccpRegisterUnknown(), GARBAGE])])).toEqual(two);
  });

  it('CAPF ends the session with the reason for the AUTH_RESPONSE (9, unknown device), not 7 for the garbage', async () => {
    const two = await capfAnswers(true);
    expect(two).toEqual(['END_SESSION reason 9']);
    expect(await capfAnswers(false)).toEqual(two);
  });
});
