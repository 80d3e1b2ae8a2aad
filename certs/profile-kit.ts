// What the certificate profile builders share (profiles.ts, peer-profiles.ts): overrides merged last,
// the lab key sizes and the key usage of a CA.
import type { CertProfile, KeyUsageName, SanEntry } from './issue.ts';
import type { KeySpec } from './key-pool/index.ts';

export type Overrides = Partial<CertProfile>;

export function merge(base: CertProfile, overrides?: Overrides): CertProfile {
  return overrides ? { ...base, ...overrides } : base;
}

export const RSA1024: KeySpec = { kind: 'rsa', bits: 1024 };
export const RSA2048: KeySpec = { kind: 'rsa', bits: 2048 };
export const RSA4096: KeySpec = { kind: 'rsa', bits: 4096 };
export const P384: KeySpec = { kind: 'ec', curve: 'P-384' };

export const CA_KU: KeyUsageName[] = ['digitalSignature', 'keyCertSign', 'cRLSign'];

/** DNS SAN entries, each name once, in order. */
export function dnsSans(names: readonly string[]): SanEntry[] {
  return [...new Set(names)].map((value) => ({ type: 'dns' as const, value }));
}
