/**
 * The stand-in Cisco manufacturing hierarchy and phone MICs, shared per lab seed.
 *
 * A phone's MIC is issued "at manufacture" by Cisco Manufacturing CA [SHA2]; CUCM's CallManager-trust
 * and CAPF-trust hold the same CA certificates. Both ends must therefore see byte-identical CA
 * certificates. Issuance is deterministic for a seed (seeded serials, pool keys by label), but validity
 * is anchored at the PKI context's `labStart`, so two independent contexts created a few milliseconds
 * apart could differ in notBefore/notAfter. Hence ONE hierarchy per (seed, lab start), memoised in
 * devices/cucm/pki.ts (`ciscoManufacturingFor({seed, start})`): the CUCM model and the phone model both
 * call it, so CallManager-trust holds exactly the CAs that issued the MICs.
 *
 * The memo is per process and holds only CA identities and MICs (a few KB each); MICs are memoised
 * per (seed, model, MAC) so a phone that is re-created keeps its MIC, as a real one does.
 */
import { createPkiContext, type Identity, issueCertificate, type PkiContext } from '../../certs/issue.ts';
import { type CiscoManufacturing, micProfile } from '../../certs/profiles.ts';
import { ciscoManufacturingFor as cucmManufacturingFor } from '../cucm/pki.ts';

interface SeedPki {
  ctx: PkiContext;
  hierarchy: Promise<CiscoManufacturing>;
  mics: Map<string, Promise<Identity>>;
}

const bySeed = new Map<string, SeedPki>();

function seedPki(seed: string, start: number): SeedPki {
  const key = `${seed}@${start}`;
  let s = bySeed.get(key);
  if (!s) {
    const ctx = createPkiContext({ seed: `${seed}/phones`, labStart: new Date(start) });
    s = { ctx, hierarchy: cucmManufacturingFor({ seed, start }), mics: new Map() };
    bySeed.set(key, s);
  }
  return s;
}

/** The manufacturing hierarchy of a lab (Cisco Root CA 2048, M2, Manufacturing CA [SHA2], CAP-RTP-00x). */
export function ciscoManufacturingFor(seed: string, start: number): Promise<CiscoManufacturing> {
  return seedPki(seed, start).hierarchy;
}

/** The PKI context phones of this lab draw their keys from (MIC and CAPF-generated LSC keys). */
export function phonePkiContext(seed: string, start: number): PkiContext {
  return seedPki(seed, start).ctx;
}

/**
 * The MIC of a phone: issued by Cisco Manufacturing CA (SHA-1 era phones: 79xx) or Cisco Manufacturing
 * CA SHA2 (newer phones), chain included.
 */
export function micFor(
  seed: string,
  start: number,
  opts: { model: string; mac: string; sha1Era: boolean },
): Promise<Identity> {
  const s = seedPki(seed, start);
  const key = `${opts.model}|${opts.mac.toUpperCase()}`;
  let p = s.mics.get(key);
  if (!p) {
    p = (async () => {
      const h = await s.hierarchy;
      const issuer = opts.sha1Era ? h.manufacturingCa : h.manufacturingCaSha2;
      return issueCertificate(
        s.ctx,
        micProfile(s.ctx, { model: opts.model, mac: opts.mac, sha1: opts.sha1Era }),
        issuer,
      );
    })();
    s.mics.set(key, p);
  }
  return p;
}
