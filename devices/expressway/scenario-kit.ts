/** Shared lab pieces and checks for the Expressway scenarios (scenarios/x14-2-*.ts and friends). */

import type { Lab } from '../../emulator/lab.ts';
import { act, type ExpectStep, expectThat, type Step } from '../../emulator/scenario.ts';
import { ExpresswayC } from './expressway-c.ts';
import { Jabber } from './jabber.ts';

export const DOMAIN = 'lab.example';
export const CUCM = 'cucm-pub';
export const CUCM_FQDN = `${CUCM}.${DOMAIN}`;

export interface MraLabOptions {
  release?: 'X14.0' | 'X14.2';
  upgradedFrom?: 'X14.0';
  ciphers?: string;
  processNodeName?: 'fqdn' | 'hostname' | 'ip';
  certificates?: Record<string, unknown>;
  expcTrust?: ('enterprise-ca' | 'public-ca' | 'other-ca')[];
}

/** CUCM publisher, Expressway-C (discovers it), Expressway-E (MRA edge), and Jabber for emusk. */
export function mraLab(o: MraLabOptions) {
  return {
    devices: [
      {
        kind: 'cucm',
        name: CUCM,
        aliases: [CUCM_FQDN],
        domain: DOMAIN,
        release: '14',
        processNodeName: o.processNodeName ?? 'fqdn',
        certificates: o.certificates ?? {},
        phones: [],
        users: [{ id: 'emusk', devices: ['CSFEMUSK'] }],
      },
      {
        kind: 'expressway-c',
        name: 'expc',
        aliases: [`expc.${DOMAIN}`],
        domain: DOMAIN,
        release: o.release ?? 'X14.2',
        ...(o.upgradedFrom ? { upgradedFrom: o.upgradedFrom } : {}),
        ...(o.ciphers ? { ciphers: o.ciphers } : {}),
        trust: o.expcTrust ?? ['enterprise-ca'],
        unifiedCm: [{ publisher: CUCM_FQDN, tlsVerify: 'Off' }],
      },
      {
        kind: 'expressway-e',
        name: 'expe',
        aliases: [`expe.${DOMAIN}`],
        domain: DOMAIN,
        certificate: { signedBy: 'public-ca' },
        mra: { expresswayC: 'expc' },
      },
      { kind: 'jabber', name: 'jabber-emusk', user: 'emusk', domain: DOMAIN, via: `expe.${DOMAIN}` },
    ],
  };
}

export function jabberSignsIn(): Step {
  return act(
    'emusk signs in to Jabber from outside (MRA)',
    'Jabber asks Expressway for the edge configuration, then its devices from UDS on 8443 and its configuration file over 6972, each request proxied by the Expressway-C traffic server.',
    async (lab) => {
      await lab.device('jabber-emusk', Jabber).login();
    },
  );
}

export function expectSignIn(ok: boolean, explain: string): ExpectStep {
  return expectThat(
    ok ? 'Jabber signs in' : 'Jabber sign-in fails: "Cannot communicate with the server."',
    explain,
    async (lab) => {
      const j = lab.device('jabber-emusk', Jabber);
      const lines = lab.timeline.logLines('jabber-emusk');
      const last = lines[lines.length - 1] ?? '(nothing logged)';
      const held = ok
        ? j.state === 'signed-in'
        : j.state === 'failed' && lines.includes('Cannot communicate with the server.');
      return { held, saw: last };
    },
  );
}

/** An exact traffic_server line in which `{ip}` stands for the CUCM node's address. */
export function expectTrafficLine(template: string, explain: string, node = CUCM): ExpectStep {
  return expectThat(`expc traffic_server logs "${template}"`, explain, async (lab) => {
    const ip = lab.fabric.addressOf(node);
    const want = template.replaceAll('{ip}', ip);
    const lines = lab.timeline.logLines('expc');
    const hit = lines.find((l) => l.includes(want));
    return { held: hit !== undefined, saw: hit ?? `no such line; last: ${lines.slice(-2).join(' | ')}` };
  });
}

export function expectNoTrafficLine(fragment: string, explain: string): ExpectStep {
  return expectThat(`expc traffic_server never logs "${fragment}"`, explain, async (lab) => {
    const hit = lab.timeline.logLines('expc').find((l) => l.includes(fragment));
    return { held: hit === undefined, saw: hit ?? 'no such line' };
  });
}

export function expc(lab: Lab): ExpresswayC {
  return lab.device('expc', ExpresswayC);
}
