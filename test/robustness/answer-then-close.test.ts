/**
 * A server that answers a request and then closes the connection (because garbage followed the request
 * in the same write) ends it, it does not destroy it: the answer is still on its way, and behind a
 * latency fault (or a full socket buffer) a destroy drops it. Each case holds a valid request and
 * garbage in one write through 80 ms of latency on the server, and the client must get the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../devices/index.ts';
import { encodeSccp, sccpFramer } from '../../devices/protocols/sccp.ts';
import { encodeSip, SipFramer, type SipRequest } from '../../devices/protocols/sip.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import { type CucmLab, startCucmLab } from '../cucm/support.ts';

const GARBAGE = Buffer.from('\x00\x01garbage that is neither SCCP nor SIP\r\n\r\n');

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('robust-answer-close', {}, [{ kind: 'app-server', name: 'apas', cucm: 'cucm-pub' }]);
  t.lab.fabric.addHost('test-client');
  for (const device of ['cucm-pub', 'apas']) {
    const f = t.lab.fabric.faults.add({ kind: 'latency', device, ms: 80 });
    if (!f.ok) throw new Error(f.error.message);
  }
});
afterAll(async () => {
  await t?.stop();
});

/** Every message the server sends until it closes the connection (or 5 s pass). */
function collect<T>(sock: ByteStream, push: (chunk: Buffer) => T[]): Promise<T[]> {
  const got: T[] = [];
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(got), 5000);
    sock.on('data', (chunk: Buffer) => got.push(...push(chunk)));
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    sock.on('error', () => {});
  });
}

function options(host: string): Buffer {
  const m: SipRequest = {
    kind: 'request',
    method: 'OPTIONS',
    uri: `sip:${host}`,
    headers: [
      ['Via', 'SIP/2.0/TCP 127.0.0.9:5060;branch=z9hG4bK1'],
      ['From', '<sip:probe@127.0.0.9>;tag=1'],
      ['To', `<sip:${host}>`],
      ['Call-ID', 'answer-close@127.0.0.9'],
      ['CSeq', '101 OPTIONS'],
      ['Content-Length', '0'],
    ],
    body: Buffer.alloc(0),
  };
  return encodeSip(m);
}

function sipStatuses(sock: ByteStream): Promise<string[]> {
  const framer = new SipFramer();
  return collect(sock, (chunk) =>
    framer
      .push(chunk)
      .flatMap((r) => (r.ok && r.value.kind === 'response' ? [`${r.value.status} ${r.value.reason}`] : [])),
  );
}

describe('an answer written before the connection closes reaches the client', () => {
  it('CUCM SCCP (2000): the RegisterReject for a Register followed by garbage', async () => {
    const r = await t.lab.fabric.connectTcp('test-client', { host: 'cucm-pub', port: 2000 });
    if (!r.ok) throw new Error(r.error.message);
    const framer = sccpFramer();
    const got = collect(r.value.socket, (chunk) =>
      framer.push(chunk).flatMap((f) => (f.ok ? [f.value.message.type] : [])),
    );
    const register = encodeSccp({
      type: 'Register',
      register: {
        deviceName: 'SEP0000000000F1',
        stationIpAddr: '127.0.0.1',
        deviceType: 36670,
        protocolVer: 0,
      },
    });
    r.value.socket.write(Buffer.concat([register, GARBAGE]));
    expect(await got).toEqual(['RegisterReject']);
  });

  it('CUCM SIP (5060): the 200 OK for an OPTIONS followed by garbage', async () => {
    const r = await t.lab.fabric.connectTcp('test-client', { host: 'cucm-pub', port: 5060 });
    if (!r.ok) throw new Error(r.error.message);
    const got = sipStatuses(r.value.socket);
    r.value.socket.write(Buffer.concat([options('cucm-pub'), GARBAGE]));
    expect(await got).toEqual(['200 OK']);
  });

  it('the application server (5061): the 200 OK for an OPTIONS followed by garbage', async () => {
    const r = await t.lab.fabric.connectTls('test-client', { host: 'apas', port: 5061 }, {});
    if (!r.ok) throw new Error(r.error.message);
    const got = sipStatuses(r.value.socket);
    r.value.socket.write(Buffer.concat([options('apas'), GARBAGE]));
    expect(await got).toEqual(['200 OK']);
  });
});
