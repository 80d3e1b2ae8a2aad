/** The Expressway-E as the MRA edge: Jabber over TLS to the E, relayed to the C's traffic server. */
import { describe, expect, it } from 'vitest';
import { Jabber } from '../../devices/expressway/jabber.ts';
import { cucmNode, startLab } from './support.ts';

function edgeLab(name: string, expc: Record<string, unknown>) {
  return startLab(name, [
    cucmNode(),
    {
      kind: 'expressway-c',
      name: 'expc',
      aliases: ['expc.lab.example'],
      domain: 'lab.example',
      unifiedCm: [{ publisher: 'cucm.lab.example' }],
      ...expc,
    },
    {
      kind: 'expressway-e',
      name: 'expe',
      aliases: ['expe.lab.example'],
      domain: 'lab.example',
      certificate: { signedBy: 'public-ca' },
      mra: { expresswayC: 'expc' },
    },
    { kind: 'jabber', name: 'jabber', user: 'emusk', domain: 'lab.example', via: 'expe.lab.example' },
  ]);
}

describe('MRA through the Expressway-E', () => {
  it('relays every request of a sign-in to the C and every answer back', async () => {
    const lab = await edgeLab('edge-relay', { verifyOriginServer: 'Off' });
    await lab.device('jabber', Jabber).login();
    expect(lab.timeline.ofKind('jabber.sign-in', 'jabber')[0]?.outcome).toBe('signed-in');
    expect(lab.timeline.ofKind('expressway.mra-request', 'expc').map((e) => e.status)).toEqual([
      200, 200, 200,
    ]);
  });

  it("relays the C's 502 to the client unchanged", async () => {
    const lab = await edgeLab('edge-502', {});
    await lab.device('jabber', Jabber).login();
    expect(lab.timeline.ofKind('jabber.sign-in', 'jabber')[0]?.failed).toMatchObject({
      status: 502,
      reason: 'connect failed',
    });
  });

  it('a C that does not answer gets the client a 502 from the E', async () => {
    const lab = await edgeLab('edge-down', { trafficServerPort: 18443 });
    await lab.device('jabber', Jabber).login();
    expect(lab.timeline.ofKind('jabber.sign-in', 'jabber')[0]?.failed).toMatchObject({
      step: 'get_edge_config',
      status: 502,
    });
  });
});
