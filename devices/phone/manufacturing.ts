/**
 * The stand-in Cisco manufacturing hierarchy and phone MICs, shared per lab seed.
 *
 * A phone's MIC is issued "at manufacture" by Cisco Manufacturing CA [SHA2]; CUCM's CallManager-trust
 * and CAPF-trust hold the same CA certificates. Both ends must therefore see byte-identical CA
 * certificates. Issuance is deterministic for a seed (seeded serials, pool keys by label), but validity
 * is anchored at the PKI context's `labStart`, so two independent contexts created a few milliseconds
 * apart could differ in notBefore/notAfter. Hence ONE hierarchy per (seed, lab start), memoised in
 * certs/lab-pki.ts (`ciscoManufacturingFor({seed, start})`): the CUCM model and the phone model both
 * call it, so CallManager-trust holds exactly the CAs that issued the MICs.
 *
 * The memo lives as long as the lab and holds only CA identities and MICs (a few KB each); MICs are
 * memoised per (model, MAC) so a phone that is re-created keeps its MIC, as a real one does.
 */
import { createPkiContext, type Identity, issueCertificate, type PkiContext } from '../../certs/issue.ts';
import { ciscoManufacturingFor as cucmManufacturingFor, type LabPkiRef } from '../../certs/lab-pki.ts';
import { type CiscoManufacturing, micProfile } from '../../certs/profiles.ts';
import { x509 } from '../../certs/x509.ts';
import { labMemo } from '../../emulator/lab-memo.ts';
import { canonical } from '../../emulator/net/cert-cache.ts';

interface SeedPki {
  ctx: PkiContext;
  hierarchy: Promise<CiscoManufacturing>;
  mics: Map<string, Promise<Identity>>;
}

/** The phones' PKI of one lab, memoised on the lab (emulator/lab-memo.ts). */
function seedPki(ref: PhoneLabRef): SeedPki {
  return labMemo(ref.scope, `phone-pki/${ref.seed}@${ref.start}`, () => ({
    ctx: createPkiContext({ seed: `${ref.seed}/phones`, labStart: new Date(ref.start) }),
    hierarchy: cucmManufacturingFor(ref),
    mics: new Map(),
  }));
}

/** A lab as the phones' PKI knows it: seed, start, and the object the memo lives on (its Timeline). */
export type PhoneLabRef = LabPkiRef & { scope: object };

/** The manufacturing hierarchy of a lab (Cisco Root CA 2048, M2, Manufacturing CA [SHA2], CAP-RTP-00x). */
export function ciscoManufacturingFor(ref: PhoneLabRef): Promise<CiscoManufacturing> {
  return seedPki(ref).hierarchy;
}

/** The PKI context phones of this lab draw their keys from (MIC and CAPF-generated LSC keys). */
export function phonePkiContext(ref: PhoneLabRef): PkiContext {
  return seedPki(ref).ctx;
}

/**
 * The MIC of a phone: issued by Cisco Manufacturing CA (SHA-1 era phones: 79xx) or Cisco Manufacturing
 * CA SHA2 (newer phones), chain included.
 */
export function micFor(
  ref: PhoneLabRef,
  opts: { model: string; mac: string; sha1Era: boolean },
): Promise<Identity> {
  const s = seedPki(ref);
  const key = `${opts.model}|${opts.mac.toUpperCase()}`;
  let p = s.mics.get(key);
  if (!p) {
    p = (async () => {
      const h = await s.hierarchy;
      const issuer = opts.sha1Era ? h.manufacturingCa : h.manufacturingCaSha2;
      return kept(
        await issueCertificate(
          s.ctx,
          micProfile(s.ctx, { model: opts.model, mac: opts.mac, sha1: opts.sha1Era }),
          issuer,
        ),
      );
    })();
    s.mics.set(key, p);
  }
  return p;
}

/**
 * A MIC as a phone keeps it for its life: without the certificate generator's own object tree
 * (`x509`: some 7 KB of ASN.1 objects and buffers per phone, measured), which nothing of a phone
 * reads; `x509` is parsed again from the DER if anything asks. Its `cert` is the parse of those bytes
 * that the handshakes share (emulator/net/cert-cache.ts): the one CUCM's end of the phone's
 * connections reads as the peer certificate, rather than a second copy (8 KB of OpenSSL memory each).
 */
export function kept(id: Identity): Identity {
  // Copied by descriptor, not by spread: reading `x509` (a getter, certs/issue.ts) would build the
  // very object tree this leaves behind.
  const { x509: _generated, cert: _own, ...fields } = Object.getOwnPropertyDescriptors(id);
  const rest = Object.defineProperties({}, fields) as Identity;
  let parsed: x509.X509Certificate | undefined;
  Object.defineProperties(rest, {
    cert: { enumerable: true, writable: true, value: canonical(id.cert) },
    x509: {
      enumerable: true,
      get: () => {
        parsed ??= new x509.X509Certificate(new Uint8Array(rest.certDer));
        return parsed;
      },
    },
  });
  return rest;
}
