/**
 * HTTP on 6970, 8443 and 6972 as a careless or hostile peer meets it: request bodies are delimited by
 * Content-Length and never read as requests (no request smuggling), what cannot be delimited is
 * answered and closed, and a peer that stalls before or inside a request is closed on time.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRequestReader } from '../../devices/cucm/tftp-http.ts';
import { type CucmLab, startCucmLab } from './support.ts';

const HEADER_MS = 400;
const REQUEST_MS = 400;
/** How long a test waits for the node to close a stalled connection before it calls that a failure. */
const BOUND_MS = 5000;

let t: CucmLab;
beforeAll(async () => {
  t = await startCucmLab('cucm-http-framing', {
    httpHeaderTimeout: `${HEADER_MS}ms`,
    httpRequestTimeout: `${REQUEST_MS}ms`,
  });
});
afterAll(async () => {
  await t?.stop();
});

function open(port: number, secure: boolean): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = secure
      ? tls.connect({ host: t.pub.address, port, rejectUnauthorized: false })
      : net.connect({ host: t.pub.address, port });
    sock.once(secure ? 'secureConnect' : 'connect', () => resolve(sock));
    sock.once('error', reject);
  });
}

/** Writes `payload`, then collects everything until the node closes the connection. */
function exchange(port: number, payload: string): Promise<string> {
  return open(port, false).then(
    (sock) =>
      new Promise((resolve, reject) => {
        let got = '';
        const timer = setTimeout(() => {
          sock.destroy();
          reject(new Error(`port ${port} did not close within ${BOUND_MS} ms; it sent: ${got}`));
        }, BOUND_MS);
        sock.on('data', (d: Buffer) => {
          got += d.toString('latin1');
        });
        sock.on('close', () => {
          clearTimeout(timer);
          resolve(got);
        });
        sock.write(payload);
      }),
  );
}

function statuses(raw: string): number[] {
  return [...raw.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1]));
}

/** Resolves with how long after `since` the node closed `sock`; rejects if it stays open past BOUND_MS. */
function closedWithin(sock: net.Socket, since: number): Promise<number> {
  return new Promise((resolve, reject) => {
    if (sock.destroyed) return resolve(Date.now() - since);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the connection was still open after ${BOUND_MS} ms`));
    }, BOUND_MS);
    sock.on('error', () => {});
    // Read what the node answers: a socket whose data is never read never reports its close.
    sock.resume();
    sock.once('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - since);
    });
  });
}

describe('6970 request framing', () => {
  it('a POST whose body is a GET of the ITL gets its 405 and nothing else (no request smuggling)', async () => {
    const smuggled = 'GET /ITLFile.tlv HTTP/1.1\r\nHost: x\r\n\r\n';
    const raw = await exchange(
      6970,
      `POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${smuggled.length}\r\n\r\n${smuggled}` +
        'GET /no-such-file.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statuses(raw)).toEqual([405, 404]);
  });

  it('a GET with a body is answered once and the request after its body is read as the next request', async () => {
    const raw = await exchange(
      6970,
      'GET /ITLFile.tlv HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGET /' +
        'GET /no-such-file.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statuses(raw)).toEqual([200, 404]);
  });

  it('a chunked request is answered 501 and the connection closed, its body never parsed', async () => {
    const raw = await exchange(
      6970,
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n' +
        '27\r\nGET /ITLFile.tlv HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n',
    );
    expect(statuses(raw)).toEqual([501]);
  });

  it('Content-Length and Transfer-Encoding together, or two different lengths, are a 400 and a close', async () => {
    const both = await exchange(
      6970,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc',
    );
    expect(statuses(both)).toEqual([400]);
    const two = await exchange(
      6970,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc',
    );
    expect(statuses(two)).toEqual([400]);
  });

  it('a request head over 16 KB sent in one write is refused with 431', async () => {
    const raw = await exchange(
      6970,
      `GET /ITLFile.tlv HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(60_000)}\r\n\r\n`,
    );
    expect(statuses(raw)).toEqual([431]);
  });

  it('the reader finds the same requests whether the bytes come whole or one at a time', () => {
    const bytes = Buffer.from(
      'POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\n\r\n\r\nGET /b HTTP/1.1\r\n\r\nHEAD /c HTTP/1.0\r\n\r\n',
      'latin1',
    );
    const whole = new HttpRequestReader().push(bytes);
    const byByte = new HttpRequestReader();
    const split = [...bytes].flatMap((b) => byByte.push(Buffer.from([b])));
    const targets = (items: typeof whole) =>
      items.map((i) => (i.kind === 'request' ? i.head.target : i.status));
    expect(targets(whole)).toEqual(['/a', '/b', '/c']);
    expect(targets(split)).toEqual(targets(whole));
  });
});

describe('HTTP deadlines', () => {
  for (const [port, secure] of [
    [6970, false],
    [8443, true],
    [6972, true],
  ] as const) {
    it(`${port} closes a connection that sends nothing once the header timeout passes`, async () => {
      const sock = await open(port, secure);
      const after = await closedWithin(sock, Date.now());
      expect(after).toBeGreaterThanOrEqual(HEADER_MS - 50);
    });

    it(`${port} closes a slowloris peer whose head never completes, though it keeps sending`, async () => {
      const sock = await open(port, secure);
      const start = Date.now();
      sock.write('GET /ITLFile.tlv HTTP/1.1\r\n');
      const drip = setInterval(() => {
        if (!sock.destroyed) sock.write('X');
      }, HEADER_MS / 8);
      try {
        await closedWithin(sock, start);
      } finally {
        clearInterval(drip);
      }
    });

    it(`${port} closes a request whose body stops short of its Content-Length`, async () => {
      const sock = await open(port, secure);
      sock.write('POST /ITLFile.tlv HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nonly this');
      const after = await closedWithin(sock, Date.now());
      expect(after).toBeGreaterThanOrEqual(REQUEST_MS - 50);
    });
  }

  it('6970 keeps a keep-alive connection that sends its next request in time', async () => {
    const sock = await open(6970, false);
    let got = '';
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
    });
    const answered = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer ${n}: ${got}`)), BOUND_MS);
        const check = () => {
          if (statuses(got).length >= n) {
            clearTimeout(timer);
            sock.off('data', check);
            resolve();
          }
        };
        sock.on('data', check);
        check();
      });
    sock.write('GET /no-such-file.xml HTTP/1.1\r\nHost: x\r\n\r\n');
    await answered(1);
    sock.write('GET /ITLFile.tlv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await answered(2);
    expect(statuses(got)).toEqual([404, 200]);
    sock.destroy();
  });
});
