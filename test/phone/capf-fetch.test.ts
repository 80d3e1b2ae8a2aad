/**
 * CAPF "Troubleshoot" (FETCH_CERTIFICATE_REQUEST, docs/reference/capf.md §4, §6) against a CAPF server made
 * from the project's own codec: the phone's report says what it sent. A server that schedules a fetch
 * without a certificate type, asking a phone that holds no LSC, gets no certificate, and the report
 * must not say `fetched`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createPkiContext, type Identity, issueCertificate } from '../../certs/issue.ts';
import { type CapfOutcome, runCapf } from '../../devices/phone/capf-client.ts';
import {
  authRequest,
  CapfAuthType,
  CapfCertType,
  type CapfMessage,
  CapfReason,
  capfFramer,
  encodeCapf,
  endSession,
} from '../../devices/protocols/capf.ts';
import type { Lab } from '../../emulator/lab.ts';
import { newLab } from '../net/support.ts';

const NAME = 'SEP0011215ACB77';
let lab: Lab | null = null;
afterEach(async () => {
  await lab?.stop();
  lab = null;
});

async function identity(seed: string, cn: string): Promise<Identity> {
  return issueCertificate(createPkiContext({ seed: `capf-fetch-${seed}` }), {
    name: cn,
    subject: `CN=${cn}`,
  });
}

/**
 * A CAPF server that authenticates by null string, then sends `fetch` as its FETCH_CERTIFICATE_REQUEST
 * and END_SESSION{0}; resolves with the FETCH_CERTIFICATE_RESPONSE it got.
 */
async function capfStub(l: Lab, fetch: (sid: number) => CapfMessage): Promise<{ got: Promise<CapfMessage> }> {
  const server = await identity('server', 'capf-stub');
  l.fabric.addHost('capf');
  l.fabric.addHost('phone');
  let answered: (m: CapfMessage) => void = () => {};
  const got = new Promise<CapfMessage>((r) => {
    answered = r;
  });
  await l.fabric.listenTls(
    'capf',
    3804,
    { identities: [{ certPem: server.certPem, keyPem: server.keyPem }] },
    {
      onConnection: (c) => {
        const sid = 4242;
        const framer = capfFramer();
        c.socket.on('data', (chunk: Buffer) => {
          for (const r of framer.push(chunk)) {
            if (!r.ok) return;
            if (r.value.command === 'AUTH_RESPONSE') c.socket.write(encodeCapf(fetch(sid)));
            if (r.value.command === 'FETCH_CERTIFICATE_RESPONSE') {
              answered(r.value);
              c.socket.write(encodeCapf(endSession(sid, CapfReason.NO_ACTION)));
            }
          }
        });
        c.socket.write(encodeCapf(authRequest(sid, CapfAuthType.NULL_STRING)));
      },
    },
  );
  return { got };
}

function phoneRuns(l: Lab, lsc: Identity | null, mic: Identity): Promise<CapfOutcome> {
  return runCapf({
    fabric: l.fabric,
    device: 'phone',
    deviceName: NAME,
    server: { host: 'capf' },
    tls: {},
    verifyServer: () => ({ accepted: true, reason: 'test stub', alert: null }),
    authMode: 2,
    mic,
    lsc,
    maxRsaKeyBits: 2048,
    signedDataForm: 'raw-sha1',
    ecSupport: true,
    takeKey: () => {
      throw new Error('a fetch generates no key');
    },
    log: () => {},
    timeoutMs: 5000,
  });
}

describe('CAPF fetch report', () => {
  it('a fetch with no certificate type, to a phone without an LSC, sends nothing and reports nothing-to-fetch', async () => {
    lab = await newLab('capf-fetch-untyped');
    const { got } = await capfStub(lab, (sid) => ({
      command: 'FETCH_CERTIFICATE_REQUEST',
      sessionId: sid,
      elements: {},
    }));
    const outcome = await phoneRuns(lab, null, await identity('mic', NAME));
    const answer = await got;
    expect(answer.elements.certificate).toBeUndefined();
    expect(outcome.kind).toBe('nothing-to-fetch');
    expect(outcome.kind === 'nothing-to-fetch' ? outcome.message : '').toContain('no certificate type given');
  });

  it('a fetch of the LSC from a phone that holds one sends it and reports fetched', async () => {
    lab = await newLab('capf-fetch-lsc');
    const { got } = await capfStub(lab, (sid) => ({
      command: 'FETCH_CERTIFICATE_REQUEST',
      sessionId: sid,
      elements: { certificateType: CapfCertType.LSC },
    }));
    const lsc = await identity('lsc', NAME);
    const outcome = await phoneRuns(lab, lsc, await identity('mic', NAME));
    const answer = await got;
    expect(answer.elements.certificate?.der.equals(lsc.certDer)).toBe(true);
    expect(outcome.kind).toBe('fetched');
  });
});
