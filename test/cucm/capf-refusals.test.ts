/**
 * CAPF on 3804 refuses a late operation with status 17 and a MIC that does not chain to CAPF-trust
 * with status 11 (seed 003's LSC status table), answering over real TLS to a client that speaks the
 * CAPF codec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authResponse,
  CapfCertType,
  type CapfMessage,
  capfFramer,
  encodeCapf,
  signCapfData,
} from '../../devices/protocols/capf.ts';
import type { SecureStream } from '../../emulator/net/types.ts';
import { type CucmLab, issueMic, MAC, PHONE, startCucmLab } from './support.ts';

const LATE = 'SEP00AA00BB0017';
const MIC_PHONE = PHONE;

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-capf-refusals', {
    phones: [
      {
        name: LATE,
        model: 'CP-8861',
        protocol: 'SIP',
        security: 'non-secure',
        capf: { operation: 'install', authMode: 'null-string', completesBy: '-1h' },
      },
      {
        name: MIC_PHONE,
        model: 'CP-8861',
        protocol: 'SIP',
        security: 'non-secure',
        capf: { operation: 'install', authMode: 'existing-mic' },
      },
    ],
  });
  t.lab.fabric.addHost('capf-client');
});
afterAll(async () => {
  await t?.stop();
});

/** Opens a CAPF session and returns the next-message reader with the AUTH_REQUEST's session id. */
async function session(): Promise<{ sock: SecureStream; sid: number; next: () => Promise<CapfMessage> }> {
  const r = await t.lab.fabric.connectTls('capf-client', { host: 'cucm-pub', port: 3804 }, {});
  if (!r.ok) throw new Error(r.error.message);
  const sock = r.value.socket;
  const framer = capfFramer();
  const queue: CapfMessage[] = [];
  const waiting: ((m: CapfMessage) => void)[] = [];
  sock.on('data', (chunk: Buffer) => {
    for (const m of framer.push(chunk)) {
      if (!m.ok) throw new Error(m.error.message);
      const w = waiting.shift();
      if (w) w(m.value);
      else queue.push(m.value);
    }
  });
  const next = () =>
    new Promise<CapfMessage>((resolve, reject) => {
      const q = queue.shift();
      if (q) return resolve(q);
      const timer = setTimeout(() => reject(new Error('no CAPF message within 5 s')), 5000);
      waiting.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  const auth = await next();
  expect(auth.command).toBe('AUTH_REQUEST');
  return { sock, sid: auth.sessionId, next };
}

async function statusOf(device: string): Promise<string> {
  const out = await t.pub.exec(
    `run sql select name,tkcertificatestatus from device where name = '${device}'`,
  );
  return new RegExp(`^${device} +(\\d+)$`, 'm').exec(out)?.[1] ?? out;
}

describe('CAPF refusals', () => {
  it('an operation past its Operation Completes By time ends the session with status 17', async () => {
    const { sock, sid, next } = await session();
    sock.write(encodeCapf(authResponse(sid, { deviceName: LATE, password: '' })));
    const end = await next();
    sock.destroy();
    expect(end.command).toBe('END_SESSION');
    expect(await statusOf(LATE)).toBe('17');
    expect(t.pub.logLines()).toContain(`3:${LATE}:Operation completes by time has passed`);
  });

  it('a MIC whose manufacturing CA is not in CAPF-trust ends the session with status 11', async () => {
    const mic = await issueMic(t.pub, MAC);
    const deleted = t.pub.deleteTrust('CAPF-trust', 'Cisco Manufacturing CA SHA2');
    expect(deleted.ok).toBe(true);
    const { sock, sid, next } = await session();
    const der = mic.cert.raw;
    sock.write(
      encodeCapf(
        authResponse(sid, {
          deviceName: MIC_PHONE,
          certificate: { certType: CapfCertType.MIC, der },
          signedData: signCapfData(mic.key, MIC_PHONE, der),
        }),
      ),
    );
    const end = await next();
    sock.destroy();
    expect(end.command).toBe('END_SESSION');
    expect(await statusOf(MIC_PHONE)).toBe('11');
  });
});
