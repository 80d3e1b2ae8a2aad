import { describe, expect, it } from 'vitest';
import { ExpresswayC } from '../../devices/expressway/expressway-c.ts';
import { httpGetOver } from '../../devices/expressway/https-get.ts';
import { Jabber } from '../../devices/expressway/jabber.ts';
import { mraPath } from '../../devices/expressway/mra.ts';
import { cucmNode, startLab } from './support.ts';

async function mraLab(name: string, c: Record<string, unknown>, cucm: Record<string, unknown> = {}) {
  const lab = await startLab(name, [
    cucmNode(cucm),
    {
      kind: 'expressway-c',
      name: 'expc',
      aliases: ['expc.lab.example'],
      domain: 'lab.example',
      unifiedCm: [{ publisher: 'cucm.lab.example' }],
      ...c,
    },
    { kind: 'jabber', name: 'jabber', user: 'emusk', domain: 'lab.example', via: 'expc', tls: false },
  ]);
  return { lab, expc: lab.device('expc', ExpresswayC), jabber: lab.device('jabber', Jabber) };
}

describe('Expressway-C traffic server origin verification', () => {
  it('X14.2 gets 200 on 8443 (CA-signed RSA) but 502 on 6972 (self-signed EC) with the depth=0 line', async () => {
    const { lab, jabber } = await mraLab('x142-ecdsa', { release: 'X14.2' });
    await jabber.login();
    const ts = lab.timeline.logLines('expc');
    expect(ts.some((l) => /Detail="Receive Response".*Src-port="8443" Msg="HTTP\/1.1 200 "/.test(l))).toBe(
      true,
    );
    const addr = lab.fabric.addressOf('cucm');
    expect(ts).toContain(
      `[ET_NET 0] WARNING: Core server certificate verification failed for (cucm.lab.example). Action=Terminate Error=self signed certificate server=cucm.lab.example(${addr}) depth=0`,
    );
    expect(ts).toContain(
      "[ET_NET 0] ERROR: SSL connection failed for 'cucm.lab.example': error:1416F086:SSL routines:tls_process_server_certificate:certificate verify failed",
    );
    expect(ts.some((l) => l.endsWith('Msg="HTTP/1.1 502 connect failed"'))).toBe(true);
  });

  it('a failed sign-in names what the user sees, the request that failed and its HTTP status', async () => {
    const { lab, jabber } = await mraLab('x142-signin-event', { release: 'X14.2' });
    await jabber.login();
    const [e] = lab.timeline.ofKind('jabber.sign-in', 'jabber');
    expect(e?.outcome).toBe('failed');
    expect(e?.shown).toBe('Cannot communicate with the server.');
    expect(e?.failed).toMatchObject({ step: 'CSFEMUSK.cnf.xml', status: 502, reason: 'connect failed' });
    expect(e?.requests.map((r) => r.status)).toEqual([200, 200, 502]);
  });

  it('each MRA request is on the timeline with its origin verdict and the status sent back', async () => {
    const { lab, jabber } = await mraLab('x142-requests', { release: 'X14.2' });
    await jabber.login();
    const requests = lab.timeline.ofKind('expressway.mra-request', 'expc');
    expect(requests.map((r) => [r.outcome, r.status, r.origin?.kind ?? null])).toEqual([
      ['edge-config', 200, null],
      ['proxied', 200, 'ok'],
      ['origin-failed', 502, 'chain'],
    ]);
    expect(requests[2]?.target).toBe('https://cucm.lab.example:6972/CSFEMUSK.cnf.xml');
    expect(requests[1]?.username).toBe('emusk');
  });

  it('X14.2 with the RSA cipher prefix gets the RSA certificate on 6972 and signs in', async () => {
    const { lab, jabber } = await mraLab('x142-rsa', {
      release: 'X14.2',
      ciphers:
        'ECDHE-RSA-AES256-GCM-SHA384:EECDH:EDH:HIGH:-AES256+SHA:!MEDIUM:!LOW:!3DES:!MD5:!PSK:!eNULL:!aNULL:!aDH',
    });
    await jabber.login();
    const [e] = lab.timeline.ofKind('jabber.sign-in', 'jabber');
    expect(e?.outcome).toBe('signed-in');
    expect(e?.csfDevice).toBe('CSFEMUSK');
    expect(e?.shown).toMatch(
      /^Signed in as emusk: device CSFEMUSK, configuration CSFEMUSK\.cnf\.xml \(\d+ bytes\)$/,
    );
  });

  it('X14.0 does not verify the origin: the same lab signs in', async () => {
    const { lab, jabber } = await mraLab(
      'x140',
      { release: 'X14.0' },
      { certificates: { tomcat: { signedBy: 'self' }, 'tomcat-ECDSA': { signedBy: 'self' } } },
    );
    await jabber.login();
    expect(lab.timeline.ofKind('jabber.sign-in', 'jabber')[0]?.outcome).toBe('signed-in');
    expect(lab.timeline.ofKind('expressway.mra-request', 'expc')[1]?.origin?.kind).toBe('not-verified');
  });

  it('VerifyOriginServer Off restores the X14.0 behaviour on X14.2', async () => {
    const { lab, expc, jabber } = await mraLab('x142-off', { release: 'X14.2' });
    await expc.exec('xConfiguration EdgeConfigServer VerifyOriginServer: Off');
    await jabber.login();
    expect(lab.timeline.ofKind('jabber.sign-in', 'jabber')[0]?.outcome).toBe('signed-in');
  });

  it('a node advertised by IP without an IP SAN fails with the SNI line', async () => {
    const { lab, jabber } = await mraLab(
      'ip-san',
      { release: 'X14.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:HIGH' },
      { processNodeName: 'ip' },
    );
    await jabber.login();
    const ip = lab.fabric.addressOf('cucm');
    expect(lab.timeline.logLines('expc')).toContain(
      `[ET_NET 0] WARNING: SNI (${ip}) not in certificate. Action=Terminate server=${ip}(${ip})`,
    );
    expect(lab.timeline.ofKind('jabber.sign-in', 'jabber')[0]?.failed?.step).toBe('UDS devices');
  });

  it('a request for a host outside the allow list is denied with 403', async () => {
    const { lab } = await mraLab('deny', { release: 'X14.2' });
    lab.fabric.addHost('client');
    const c = await lab.fabric.connectTcp('client', { host: 'expc', port: 8443 });
    if (!c.ok) throw new Error(c.error.message);
    const a = await httpGetOver(
      c.value.socket,
      'expc:8443',
      mraPath({ domain: 'lab.example', scheme: 'https', host: 'evil.example', port: 8443 }, '/x'),
    );
    expect(a instanceof Error ? a.message : a.status).toBe(403);
    expect(lab.timeline.logLines('expc').some((l) => l.includes('Event="Request Denied"'))).toBe(true);
    const [denied] = lab.timeline.ofKind('expressway.mra-request', 'expc');
    expect([denied?.outcome, denied?.status, denied?.target]).toEqual([
      'denied',
      403,
      'https://evil.example:8443/x',
    ]);
  });
});
