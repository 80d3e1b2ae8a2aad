import { afterEach, describe, expect, it } from 'vitest';
import '../../devices/expressway/index.ts';
import './fake-cucm.ts';
import { ExpresswayC } from '../../devices/expressway/expressway-c.ts';
import { Jabber } from '../../devices/expressway/jabber.ts';
import { Lab } from '../../emulator/lab.ts';

const labs: Lab[] = [];
afterEach(async () => {
  await Promise.all(labs.splice(0).map((l) => l.stop()));
});

async function mraLab(name: string, c: Record<string, unknown>, cucm: Record<string, unknown> = {}) {
  const lab = await Lab.create({ name });
  labs.push(lab);
  const built = lab.build({
    devices: [
      {
        kind: 'test-cucm-tomcat',
        name: 'cucm',
        aliases: ['cucm.lab.example'],
        domain: 'lab.example',
        users: [{ id: 'emusk', devices: ['CSFEMUSK'] }],
        ...cucm,
      },
      {
        kind: 'expressway-c',
        name: 'expc',
        aliases: ['expc.lab.example'],
        domain: 'lab.example',
        unifiedCm: [{ publisher: 'cucm.lab.example' }],
        ...c,
      },
      { kind: 'jabber', name: 'jabber', user: 'emusk', domain: 'lab.example', via: 'expc', tls: false },
    ],
  });
  if (!built.ok) throw new Error(built.error.message);
  await lab.start();
  return { lab, expc: lab.device('expc', ExpresswayC), jabber: lab.device('jabber', Jabber) };
}

describe('Expressway-C traffic server origin verification', () => {
  it('X14.2 gets 200 on 8443 (CA-signed RSA) but 502 on 6972 (self-signed EC) with the depth=0 line', async () => {
    const { lab, jabber } = await mraLab('x142-ecdsa', { release: 'X14.2' });
    const r = await jabber.login();
    expect(r.ok).toBe(false);
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
    expect(lab.timeline.logLines('jabber')).toContain('Cannot communicate with the server.');
  });

  it('X14.2 with the RSA cipher prefix gets the RSA certificate on 6972 and signs in', async () => {
    const { jabber } = await mraLab('x142-rsa', {
      release: 'X14.2',
      ciphers:
        'ECDHE-RSA-AES256-GCM-SHA384:EECDH:EDH:HIGH:-AES256+SHA:!MEDIUM:!LOW:!3DES:!MD5:!PSK:!eNULL:!aNULL:!aDH',
    });
    const r = await jabber.login();
    expect(r.ok).toBe(true);
  });

  it('X14.0 does not verify the origin: the same lab signs in', async () => {
    const { jabber } = await mraLab('x140', { release: 'X14.0' }, { rsa: 'self' });
    expect((await jabber.login()).ok).toBe(true);
  });

  it('VerifyOriginServer Off restores the X14.0 behaviour on X14.2', async () => {
    const { expc, jabber } = await mraLab('x142-off', { release: 'X14.2' });
    expect(await expc.exec('xConfiguration EdgeConfigServer VerifyOriginServer: Off')).toContain('OK');
    expect((await jabber.login()).ok).toBe(true);
  });

  it('a node advertised by IP without an IP SAN fails with the SNI line', async () => {
    const { lab, jabber } = await mraLab(
      'ip-san',
      { release: 'X14.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384:HIGH' },
      { advertise: 'ip' },
    );
    expect((await jabber.login()).ok).toBe(false);
    const ip = lab.fabric.addressOf('cucm');
    expect(lab.timeline.logLines('expc')).toContain(
      `[ET_NET 0] WARNING: SNI (${ip}) not in certificate. Action=Terminate server=${ip}(${ip})`,
    );
  });

  it('a request for a host outside the allow list is denied with 403', async () => {
    const { lab, expc } = await mraLab('deny', { release: 'X14.2' });
    const { mraPath } = await import('../../devices/expressway/mra.ts');
    lab.fabric.addHost('client');
    const c = await lab.fabric.connectTcp('client', { host: 'expc', port: 8443 });
    if (!c.ok) throw new Error(c.error.message);
    const { httpGetOver } = await import('../../devices/expressway/https-get.ts');
    const a = await httpGetOver(
      c.value.socket,
      'expc:8443',
      mraPath({ domain: 'lab.example', scheme: 'https', host: 'evil.example', port: 8443 }, '/x'),
    );
    expect(a instanceof Error ? a.message : a.status).toBe(403);
    expect(expc.logLines().some((l) => l.includes('Event="Request Denied"'))).toBe(true);
  });
});
