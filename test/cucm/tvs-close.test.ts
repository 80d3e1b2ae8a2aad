/**
 * TVS closes a session it cannot go on with (a message that does not decode) by ending it, so the answers
 * it already wrote reach the phone: a client that reads only after the server closed still gets every
 * answer whole (docs/reference/tvs.md §2: several requests may share a TLS session).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ciscoIssuer, ciscoSubject, serialBytes } from '../../certs/cisco-dn.ts';
import { encodeTvs, type TvsMessage, tvsFramer } from '../../devices/protocols/tvs.ts';
import { type CucmLab, startCucmLab } from './support.ts';

let t: CucmLab;
beforeAll(async () => {
  t = await startCucmLab('cucm-tvs-close');
  t.lab.fabric.addHost('test-client');
});
afterAll(async () => {
  await t?.stop();
});

// Enough answers (about 1.5 KB each) that they cannot all sit in the socket buffers of an idle reader.
const REQUESTS = 1500;

it('a client that reads after the server closed the session gets every answer written before the close', async () => {
  const cm = t.pub.certs.own('CallManager').identity.cert;
  const query = (sessionId: number): TvsMessage => ({
    type: 'QUERY_CERT_REQ',
    sessionId,
    deviceName: 'CP-8861-SEP001122334455',
    subject: ciscoSubject(cm),
    issuer: ciscoIssuer(cm),
    serial: Buffer.from(serialBytes(cm)),
  });
  const r = await t.lab.fabric.connectTls('test-client', { host: 'cucm-pub', port: 2445 }, {});
  if (!r.ok) throw new Error(r.error.message);
  const sock = r.value.socket;
  sock.pause();
  const since = t.lab.timeline.events().length;
  const requests = Array.from({ length: REQUESTS }, (_, i) => encodeTvs(query(i + 1)));
  sock.write(Buffer.concat([...requests, Buffer.from('GET / HTTP/1.1\r\n\r\n')]));
  await t.lab.timeline.waitFor(
    'TVS to give up on the bad message',
    (e) => e.seq > since && e.kind === 'log' && e.text.startsWith('tvsHandleRequest - invalid TVS message'),
    { timeoutMs: 30_000 },
  );
  const framer = tvsFramer();
  const answers: number[] = [];
  const ended = new Promise<void>((resolve) => sock.once('close', () => resolve()));
  sock.on('data', (chunk: Buffer) => {
    for (const m of framer.push(chunk))
      if (m.ok && m.value.type === 'QUERY_CERT_RES') answers.push(m.value.status);
  });
  sock.resume();
  await ended;
  expect(answers.length).toBe(REQUESTS);
  expect(answers.every((s) => s === 0)).toBe(true);
}, 60_000);
