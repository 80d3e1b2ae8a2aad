import { afterAll, beforeAll, describe, expect } from 'vitest';
import type { Identity } from '../../certs/issue.ts';
import type { LabEvent } from '../../emulator/events.ts';
import { itWithPeers, run, startPeer } from '../support/peers.ts';
import {
  type CucmLab,
  issueLsc,
  issueMic,
  issueUntrusted,
  PHONE,
  startCucmLab,
  waitOutput,
  writeTemp,
} from './support.ts';

let t: CucmLab;

beforeAll(async () => {
  t = await startCucmLab('cucm-tls', {
    phones: [{ name: PHONE, model: 'CP-8861', protocol: 'SIP', security: 'encrypted', line: '1001' }],
  });
});
afterAll(async () => {
  await t?.stop();
});

function files(id: Identity, tag: string): string[] {
  const cert = writeTemp(t.dir, `${tag}.crt`, [id.certPem, ...id.chain.map((c) => c.certPem)].join(''));
  const key = writeTemp(t.dir, `${tag}.key`, id.keyPem);
  const ca = writeTemp(t.dir, `${tag}-ca.crt`, t.pub.certs.own('CallManager').identity.certPem);
  return ['-cert', cert, '-key', key, '-CAfile', ca];
}

function optionsRequest(from: string): string {
  return [
    `OPTIONS sip:${t.pub.address}:5061 SIP/2.0`,
    `Via: SIP/2.0/TLS ${from}:5061;branch=z9hG4bK1234`,
    `From: <sip:test@${from}>;tag=1`,
    `To: <sip:${t.pub.address}>`,
    'Call-ID: 1@test',
    'CSeq: 1 OPTIONS',
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function registerRequest(from: string): string {
  return [
    `REGISTER sip:${t.pub.address} SIP/2.0`,
    `Via: SIP/2.0/TLS ${from}:51234;branch=z9hG4bKreg1`,
    `From: <sip:1001@${t.pub.address}>;tag=reg1`,
    `To: <sip:1001@${t.pub.address}>`,
    'Call-ID: 00112233-44550001-reg@127.0.0.1',
    'CSeq: 101 REGISTER',
    `Contact: <sip:1001@${from}:51234;transport=tls>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-001122334455>";+u.sip!devicename.ccm.cisco.com="${PHONE}"`,
    'Max-Forwards: 70',
    'Expires: 3600',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

describe('mutual TLS on 2443 and 5061 with openssl s_client', () => {
  itWithPeers(
    ['openssl'],
    's_client with the phone LSC completes the 5061 handshake and gets 200 OK to OPTIONS',
    async () => {
      const lsc = await issueLsc(t.pub);
      const peer = await startPeer(
        'openssl',
        ['s_client', '-connect', `${t.pub.address}:5061`, ...files(lsc, 'lsc')],
        /Verify return code/,
      );
      peer.child.stdin?.write(optionsRequest('127.0.0.1'));
      await waitOutput(peer, /SIP\/2\.0 200 OK/);
      await peer.stop();
      expect(peer.output()).toMatch(/Verify return code: 0 \(ok\)/);
      const verdict = t.lab.timeline
        .ofKind('tls.verdict', 'cucm-pub')
        .find((e) => e.accepted && /CP-8861-SEP/.test(e.reason));
      expect(verdict).toBeDefined();
    },
  );

  itWithPeers(
    ['openssl'],
    "a reset's NOTIFY goes to the REGISTER's Contact and quotes its Call-ID",
    async () => {
      const lsc = await issueLsc(t.pub);
      const peer = await startPeer(
        'openssl',
        ['s_client', '-connect', `${t.pub.address}:5061`, '-ign_eof', ...files(lsc, 'lsc-reset')],
        /Verify return code/,
      );
      peer.child.stdin?.write(registerRequest('127.0.0.1'));
      await waitOutput(peer, /SIP\/2\.0 200 OK/);
      expect(t.pub.resetPhones([PHONE])).toBeGreaterThan(0);
      await waitOutput(peer, /ConfigVersionStamp=/);
      await peer.stop();
      expect(peer.output()).toMatch(/NOTIFY sip:1001@127\.0\.0\.1:51234;transport=tls SIP\/2\.0/);
      expect(peer.output()).toMatch(/Event: service-control/);
      expect(peer.output()).toMatch(
        /action=restart\r?\nRegisterCallId=\{00112233-44550001-reg@127\.0\.0\.1\}/,
      );
    },
  );

  itWithPeers(
    ['openssl'],
    's_client with a MIC from the Cisco Manufacturing CA completes the 2443 handshake',
    async () => {
      const mic = await issueMic(t.pub);
      const since = t.lab.timeline.events().length;
      const peer = await startPeer(
        'openssl',
        ['s_client', '-connect', `${t.pub.address}:2443`, '-brief', ...files(mic, 'mic')],
        /CONNECTION ESTABLISHED/,
      );
      const v = (await t.lab.timeline.waitFor(
        'the CUCM verdict on 2443',
        (e) => e.kind === 'tls.verdict' && e.device === 'cucm-pub' && e.seq > since,
      )) as LabEvent<'tls.verdict'>;
      await peer.stop();
      expect(v.accepted).toBe(true);
    },
  );

  itWithPeers(
    ['openssl'],
    's_client without a certificate is refused on 5061: no answer, handshake_failure recorded',
    async () => {
      const since = t.lab.timeline.events().length;
      const ca = writeTemp(t.dir, 'cm.crt', t.pub.certs.own('CallManager').identity.certPem);
      const r = await run(
        'sh',
        [
          '-c',
          `printf '${optionsRequest('127.0.0.1').replace(/\r\n/g, '\\r\\n')}' | openssl s_client -connect ${t.pub.address}:5061 -ign_eof -CAfile ${ca}`,
        ],
        { timeoutMs: 15_000 },
      );
      expect(r.stdout).not.toMatch(/SIP\/2\.0 200/);
      const v = (await t.lab.timeline.waitFor(
        'the refusal',
        (e) => e.kind === 'tls.verdict' && e.device === 'cucm-pub' && e.seq > since,
      )) as LabEvent<'tls.verdict'>;
      expect(v.accepted).toBe(false);
      expect(v.alert?.name).toBe('handshake_failure');
      expect(
        t.pub
          .logLines()
          .some((l) =>
            l.includes(
              'HandleSSLError - TLS protocol error(ssl reason code=peer did not return a certificate [199])',
            ),
          ),
      ).toBe(true);
    },
  );

  itWithPeers(
    ['openssl'],
    's_client with an untrusted certificate is refused on 2443 with unknown_ca',
    async () => {
      const rogue = await issueUntrusted();
      const since = t.lab.timeline.events().length;
      const r = await run(
        'sh',
        [
          '-c',
          `printf 'x' | openssl s_client -connect ${t.pub.address}:2443 -ign_eof ${files(rogue, 'rogue').join(' ')}`,
        ],
        { timeoutMs: 15_000 },
      );
      expect(r.code).not.toBeNull();
      const v = (await t.lab.timeline.waitFor(
        'the refusal',
        (e) => e.kind === 'tls.verdict' && e.device === 'cucm-pub' && e.seq > since,
      )) as LabEvent<'tls.verdict'>;
      expect(v.accepted).toBe(false);
      expect(v.alert?.name).toBe('unknown_ca');
      expect(
        t.pub
          .logLines()
          .some((l) =>
            l.startsWith(
              'HandleSSLError - TLS protocol error(ssl reason code=certificate verify failed [134])',
            ),
          ),
      ).toBe(true);
    },
  );
});
