/**
 * Certificate authorities the Expressway models meet, besides the lab enterprise CA the CUCM model
 * uses (`enterpriseCaFor`, certs/lab-pki.ts): a stand-in for a public CA (Expressway-E facing the
 * internet, seed 003 "use public certificates on devices facing the public") and an unrelated CA that
 * nobody trusts by default (traversal-unknown-ca). Like the enterprise CA they are the outside world,
 * derived from the lab seed and start only, so every device asking gets the same certificates.
 */
import type { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { createPkiContext, type Identity, issueCertificate, type PkiContext } from '../../certs/issue.ts';
import { enterpriseCaFor, type LabPkiRef } from '../../certs/lab-pki.ts';
import { enterpriseRootCaProfile, expresswayServerProfile, type Overrides } from '../../certs/profiles.ts';
import { labMemo } from '../../emulator/lab-memo.ts';

export type LabCaName = 'enterprise-ca' | 'public-ca' | 'other-ca' | 'expired-ca';
export const LAB_CA_NAMES = ['enterprise-ca', 'public-ca', 'other-ca', 'expired-ca'] as const;

const CA_CN: Record<Exclude<LabCaName, 'enterprise-ca'>, string> = {
  'public-ca': 'uclab Public Server CA',
  'other-ca': 'uclab-OTHER-CA',
  // A CA certificate that ran out a month before the lab started (seed 003 "Certificate Expiry").
  'expired-ca': 'uclab-RETIRED-CA',
};

function otherCa(ref: LabPkiRef, name: Exclude<LabCaName, 'enterprise-ca'>): Promise<Identity> {
  const make = () => {
    const ctx = createPkiContext({ seed: `${ref.seed}/${name}`, labStart: new Date(ref.start) });
    return issueCertificate(
      ctx,
      enterpriseRootCaProfile({
        cn: CA_CN[name],
        ...(name === 'other-ca' ? { dc: ['lab', 'other'] } : {}),
        ...(name === 'expired-ca' ? { overrides: { validity: { notBefore: '-5y', notAfter: '-30d' } } } : {}),
      }),
    );
  };
  return ref.scope ? labMemo(ref.scope, `${name}/${ref.seed}@${ref.start}`, make) : make();
}

export function labCa(ref: LabPkiRef, name: LabCaName): Promise<Identity> {
  return name === 'enterprise-ca' ? enterpriseCaFor(ref) : otherCa(ref, name);
}

/** A device's own PKI context (its server certificate), seeded by its name. */
export function devicePkiContext(ref: LabPkiRef, device: string): PkiContext {
  return createPkiContext({ seed: `${ref.seed}/expressway/${device}`, labStart: new Date(ref.start) });
}

/** How a declaration asks for an Expressway's server certificate. */
export const serverCertDecl = z.object({
  signedBy: z.enum([...LAB_CA_NAMES, 'self']).optional(),
  /** EKUs in the certificate (seed 003: both are required for upload). */
  eku: z.array(z.enum(['serverAuth', 'clientAuth'])).optional(),
  /** Extra DNS SANs. */
  dns: z.array(z.string()).optional(),
  key: z.enum(['rsa2048', 'rsa4096', 'ec256', 'ec384']).optional(),
  /** Wildcard `*.domain` as CN and SAN (refused by Expressway, seed 003). */
  wildcard: z.boolean().optional(),
});
export type ServerCertDecl = z.infer<typeof serverCertDecl>;

/** The server certificate an Expressway presents (issued at start, or uploaded by the admin). */
export interface ServerIdentity {
  cert: X509Certificate;
  certPem: string;
  keyPem: string;
}

/** Issues an Expressway server certificate as the declaration asks. */
export async function issueServerCert(
  ref: LabPkiRef,
  device: string,
  cn: string,
  d: ServerCertDecl = {},
): Promise<Identity> {
  const ctx = devicePkiContext(ref, device);
  const key =
    d.key === 'ec256'
      ? { kind: 'ec' as const, curve: 'P-256' as const }
      : d.key === 'ec384'
        ? { kind: 'ec' as const, curve: 'P-384' as const }
        : d.key === 'rsa4096'
          ? { kind: 'rsa' as const, bits: 4096 as const }
          : { kind: 'rsa' as const, bits: 2048 as const };
  const domain = cn.includes('.') ? cn.slice(cn.indexOf('.') + 1) : cn;
  const overrides: Overrides = { extKeyUsage: d.eku ?? ['serverAuth', 'clientAuth'] };
  if (d.wildcard) {
    overrides.subject = [['CN', `*.${domain}`]];
    overrides.san = [{ type: 'dns', value: `*.${domain}` }];
  }
  const profile = expresswayServerProfile({ name: `${device}/server`, cn, dns: d.dns ?? [], key, overrides });
  const signedBy = d.signedBy ?? 'enterprise-ca';
  if (signedBy === 'self')
    return issueCertificate(ctx, { ...profile, basicConstraints: { ca: true, critical: true } });
  return issueCertificate(ctx, profile, await labCa(ref, signedBy));
}
