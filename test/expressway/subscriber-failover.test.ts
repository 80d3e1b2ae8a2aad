/**
 * Seed 004 line 126: discovery's TLS verify mode checks the publisher address only; the subscribers
 * come from the publisher's database. X14.2 verifies every request, so a failover to a subscriber with
 * a bad certificate fails.
 */
import { describe, expect, it } from 'vitest';
import type { CucmNodeDevice } from '../../devices/cucm/node.ts';
import { Jabber } from '../../devices/expressway/jabber.ts';
import { cucmNode, startLab } from './support.ts';

const CA_SIGNED = { tomcat: { signedBy: 'enterprise-ca' }, 'tomcat-ECDSA': { signedBy: 'enterprise-ca' } };

async function cluster(name: string, release: 'X14.0' | 'X14.2', subscriber: Record<string, unknown>) {
  const lab = await startLab(name, [
    cucmNode({ certificates: CA_SIGNED }),
    {
      kind: 'cucm',
      name: 'cucm-sub',
      aliases: ['cucm-sub.lab.example'],
      domain: 'lab.example',
      publisher: 'cucm',
      processNodeName: 'fqdn',
      ...subscriber,
    },
    {
      kind: 'expressway-c',
      name: 'expc',
      aliases: ['expc.lab.example'],
      domain: 'lab.example',
      release,
      upgradedFrom: 'X14.0',
      unifiedCm: [{ publisher: 'cucm.lab.example', tlsVerify: 'On' }],
    },
    { kind: 'jabber', name: 'jabber', user: 'emusk', domain: 'lab.example', via: 'expc', tls: false },
  ]);
  return { lab, jabber: lab.device('jabber', Jabber) };
}

describe('a subscriber behind TLS verify mode On (seed 004)', () => {
  it('discovery with TLS verify mode On succeeds with a subscriber whose certificate is self-signed', async () => {
    const { lab } = await cluster('sub-discovered', 'X14.2', {});
    const [d] = lab.timeline.ofKind('expressway.discovery', 'expc');
    expect(d).toMatchObject({ outcome: 'discovered', tlsVerify: 'On' });
    expect(d?.nodes).toEqual(['cucm.lab.example', 'cucm-sub.lab.example']);
  });

  it('Jabber fails over to the next UDS server of the edge configuration when the first does not answer', async () => {
    const { lab, jabber } = await cluster('sub-failover', 'X14.2', { certificates: CA_SIGNED });
    await (lab.device('cucm') as CucmNodeDevice).stop();
    const r = await jabber.login();
    expect(r.ok).toBe(true);
    const [e] = lab.timeline.ofKind('jabber.sign-in', 'jabber');
    expect(e?.requests.filter((q) => q.step === 'UDS devices').map((q) => q.status)).toEqual([502, 200]);
  });

  it('X14.2 refuses the failover to a subscriber whose certificate is self-signed, at depth=0', async () => {
    const { lab, jabber } = await cluster('sub-failover-refused', 'X14.2', {});
    await (lab.device('cucm') as CucmNodeDevice).stop();
    expect((await jabber.login()).ok).toBe(false);
    const addr = lab.fabric.addressOf('cucm-sub');
    expect(lab.timeline.logLines('expc')).toContain(
      `[ET_NET 0] WARNING: Core server certificate verification failed for (cucm-sub.lab.example). Action=Terminate Error=self signed certificate server=cucm-sub.lab.example(${addr}) depth=0`,
    );
  });

  it('logs a refused origin connection without a Node error code', async () => {
    const { lab, jabber } = await cluster('sub-refused-line', 'X14.2', { certificates: CA_SIGNED });
    await (lab.device('cucm') as CucmNodeDevice).stop();
    await jabber.login();
    expect(lab.timeline.logLines('expc')).toContain(
      "[ET_NET 0] ERROR: connection to 'cucm.lab.example' failed: Connection refused",
    );
    expect(lab.timeline.logLines('expc').some((l) => l.includes('ECONNREFUSED'))).toBe(false);
  });
});
