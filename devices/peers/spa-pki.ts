/**
 * The PKI of the SPA provisioning world (seed 001), one per lab seed: what exists before the lab runs.
 *
 * - "SPA client CA": the manufacturer CA that signs each SPA50x/51x's factory client certificate. The
 *   real phones carry certificates from the Sipura / Linksys / Cisco Small Business client CAs (seed 001:
 *   "the Sipura CA certificates (can't remember, about 5 of them)"). APPROXIMATION: one lab stand-in,
 *   `CN=Linksys/Cisco SPA Client CA (lab stand-in)`, lab key, SHA-1 like the 2000s-era originals.
 * - "provisioning CA": the CA the SPA firmware trusts for the provisioning server (on a real SPA a
 *   built-in well-known CA or the `Custom_CA_Rule` CA). Its own self-signature is SHA-1; a trust anchor's
 *   self-signature is never checked, so only the server certificate's hash decides (spa-756-sha256).
 *
 * Both the phone and the server derive the same certificates from the lab seed (deterministic keys from
 * the pool, seeded serials), the way test/fixtures/tls-pair-device.ts shares its lab CA. This is world
 * state (who signed whom at the factory), not device state: no device reads another's memory.
 */

import {
  createPkiContext,
  type Identity,
  issueCertificate,
  type PkiContext,
  type SignatureHash,
} from '../../certs/issue.ts';
import { labMemo } from '../../emulator/lab-memo.ts';

export interface SpaWorldPki {
  ctx: PkiContext;
  clientCa: Identity;
  provisioningCa: Identity;
  /** The factory client certificate of the SPA with this MAC (12 hex digits). */
  spaClientCert(mac: string, model: string): Promise<Identity>;
  /** A provisioning server certificate for `host` (+ aliases), signed with `hash`. */
  serverCert(host: string, names: string[], hash: SignatureHash): Promise<Identity>;
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    cache.set(key, p);
  }
  return p;
}

/** The SPA world PKI of a lab (by seed and lab start, so both ends derive the same certificates). */
export function spaWorldPki(lab: { seed: string; start: number; scope: object }): Promise<SpaWorldPki> {
  const { seed, start: labStart } = lab;
  return labMemo(lab.scope, `spa-world/${seed}@${labStart}`, async (): Promise<SpaWorldPki> => {
    const ctx = createPkiContext({ seed: `${seed}/spa-world`, labStart: new Date(labStart) });
    const clientCa = await issueCertificate(ctx, {
      name: 'spa/client-ca',
      subject: [
        ['C', 'US'],
        ['O', 'Linksys'],
        ['OU', 'Cisco Small Business'],
        ['CN', 'Linksys/Cisco SPA Client CA (lab stand-in)'],
      ],
      key: { kind: 'rsa', bits: 2048 },
      hash: 'SHA-1',
      validity: { notBefore: '-10y', notAfter: '+15y' },
      basicConstraints: { ca: true, critical: true },
      keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
      extKeyUsage: null,
      san: null,
    });
    const provisioningCa = await issueCertificate(ctx, {
      name: 'spa/provisioning-ca',
      subject: [
        ['C', 'US'],
        ['O', 'Lab Trust Services'],
        ['CN', 'Lab Provisioning Root CA'],
      ],
      key: { kind: 'rsa', bits: 2048 },
      hash: 'SHA-1',
      validity: { notBefore: '-5y', notAfter: '+15y' },
      basicConstraints: { ca: true, critical: true },
      keyUsage: ['digitalSignature', 'keyCertSign', 'cRLSign'],
      extKeyUsage: null,
      san: null,
    });
    const clients = new Map<string, Promise<Identity>>();
    const servers = new Map<string, Promise<Identity>>();
    return {
      ctx,
      clientCa,
      provisioningCa,
      spaClientCert: (mac, model) =>
        memo(clients, `${mac}/${model}`, () =>
          issueCertificate(
            ctx,
            {
              name: `spa/${mac}`,
              // APPROXIMATION (L): the factory certificate names the MAC; exact attributes not in the seeds.
              subject: [
                ['O', 'Cisco Systems, Inc.'],
                ['OU', model],
                ['CN', mac.toLowerCase()],
              ],
              key: { kind: 'rsa', bits: 1024 },
              hash: 'SHA-1',
              validity: { notBefore: '-3y', notAfter: '+20y' },
              basicConstraints: { ca: false, critical: true },
              keyUsage: ['digitalSignature', 'keyEncipherment'],
              extKeyUsage: ['clientAuth'],
              san: null,
            },
            clientCa,
          ),
        ),
      serverCert: (host, names, hash) =>
        memo(servers, `${host}/${hash}`, () =>
          issueCertificate(
            ctx,
            {
              name: `spa/server/${host}/${hash}`,
              subject: [
                ['O', 'Lab Provisioning'],
                ['CN', names[0] ?? host],
              ],
              key: { kind: 'rsa', bits: 2048 },
              hash,
              validity: { notBefore: '-1d', notAfter: '+2y' },
              basicConstraints: { ca: false, critical: true },
              keyUsage: ['digitalSignature', 'keyEncipherment'],
              extKeyUsage: ['serverAuth'],
              san: [...new Set([...names, host])].map((value) => ({ type: 'dns' as const, value })),
            },
            provisioningCa,
          ),
        ),
    };
  });
}
