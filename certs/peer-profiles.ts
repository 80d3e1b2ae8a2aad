// Certificate profiles of the lab's enterprise PKI and third-party peers (Expressway, application
// servers), and the `faults` that turn a good profile into the broken one a scenario needs (seeds
// 000, 003, 004). Re-exported by profiles.ts, where the CUCM and Cisco phone profiles are.

import type { DnInput } from './dn.ts';
import type { CertProfile, Duration, SanEntry } from './issue.ts';
import type { KeySpec } from './key-pool/index.ts';
import { CA_KU, dnsSans, merge, type Overrides, RSA1024, RSA2048 } from './profile-kit.ts';

// ---------------------------------------------------------------------------------------------
// Enterprise PKI, Expressway, third-party peers

export interface EnterpriseCaOptions {
  /** e.g. `vngtp-ACTIVE-DIR-CA` (seed 004). */
  cn: string;
  /** Domain components, most significant first as AD writes them in DER (`DC=lab, DC=vngtp`). */
  dc?: string[];
  key?: KeySpec;
  pathLength?: number;
  overrides?: Overrides;
}

function caSubject(o: EnterpriseCaOptions): DnInput {
  return [...(o.dc ?? []).map((d) => ['DC', d] as const), ['CN', o.cn] as const];
}

/** A self-signed enterprise root (AD CS style: `DC=lab, DC=vngtp, CN=vngtp-ACTIVE-DIR-CA`). */
export function enterpriseRootCaProfile(o: EnterpriseCaOptions): CertProfile {
  return merge(
    {
      name: `ca/${o.cn}`,
      subject: caSubject(o),
      key: o.key ?? RSA2048,
      hash: 'SHA-256',
      validity: { notBefore: '-1y', notAfter: '+20y' },
      basicConstraints: {
        ca: true,
        critical: true,
        ...(o.pathLength !== undefined ? { pathLength: o.pathLength } : {}),
      },
      keyUsage: CA_KU,
      extKeyUsage: null,
      san: null,
    },
    o.overrides,
  );
}

/** An intermediate CA (issue it under the root); pathlen 0 by default. */
export function enterpriseIntermediateCaProfile(o: EnterpriseCaOptions): CertProfile {
  return enterpriseRootCaProfile({
    ...o,
    pathLength: o.pathLength ?? 0,
    overrides: { validity: { notBefore: '-1y', notAfter: '+10y' }, ...o.overrides },
  });
}

export interface ServerCertOptions {
  name: string;
  cn: string;
  dns?: string[];
  ips?: string[];
  subjectTail?: DnInput;
  key?: KeySpec;
  overrides?: Overrides;
}

/**
 * Expressway server certificate as Cisco asks for it (seed 003): KU digitalSignature+keyEncipherment
 * critical, EKU serverAuth+clientAuth, SAN DNS names. Issue under an enterprise CA.
 */
export function expresswayServerProfile(o: ServerCertOptions): CertProfile {
  const tail =
    typeof o.subjectTail === 'string'
      ? []
      : [
          ...(o.subjectTail ?? [
            ['O', 'Lab'],
            ['C', 'PL'],
          ]),
        ];
  return merge(
    {
      name: o.name,
      subject: [...(tail as [string, string][]), ['CN', o.cn]],
      key: o.key ?? RSA2048,
      hash: 'SHA-256',
      validity: { notBefore: '-1h', notAfter: '+2y' },
      basicConstraints: { ca: false, critical: true },
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth', 'clientAuth'],
      san: [
        ...dnsSans([o.cn, ...(o.dns ?? [])]),
        ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
      ],
    },
    o.overrides,
  );
}

/** A generic TLS server certificate under a CA (serverAuth+clientAuth, SAN DNS/IP). */
export const serverCertProfile = expresswayServerProfile;

export interface AppServerOptions {
  name: string;
  /** The CN; seed 000 used the server's IP address. */
  cn: string;
  email?: string;
  c?: string;
  l?: string;
  overrides?: Overrides;
}

/**
 * Seed 000's application server certificate, the wrong one: self-signed, RSA 1024, SHA-1, CA:FALSE,
 * KU digitalSignature+keyEncipherment only (no keyCertSign), EKU serverAuth (critical), SAN email.
 */
export function appServerNoCertSignProfile(o: AppServerOptions): CertProfile {
  return merge(
    {
      name: o.name,
      subject: [
        ['C', o.c ?? 'DE'],
        ['L', o.l ?? 'Hallbergmoos'],
        ['CN', o.cn],
      ],
      key: RSA1024,
      hash: 'SHA-1',
      validity: { notBefore: '-1h', notAfter: '+365d' },
      basicConstraints: { ca: false, critical: true },
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth'],
      extKeyUsageCritical: true,
      san: [{ type: 'email', value: o.email ?? 'info@appserver.lab' }],
    },
    o.overrides,
  );
}

/** The fix for seed 000: the same certificate with keyCertSign (CUCM accepts it as a trust anchor). */
export function appServerProfile(o: AppServerOptions): CertProfile {
  return appServerNoCertSignProfile({
    ...o,
    overrides: {
      key: RSA2048,
      hash: 'SHA-256',
      basicConstraints: { ca: true, critical: true },
      keyUsage: ['digitalSignature', 'keyEncipherment', 'keyCertSign'],
      extKeyUsage: ['serverAuth', 'clientAuth'],
      extKeyUsageCritical: false,
      ...o.overrides,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Faults: pure transformations of a profile

export const faults = {
  withoutKeyCertSign: (p: CertProfile): CertProfile => ({
    ...p,
    keyUsage: (p.keyUsage ?? []).filter((u) => u !== 'keyCertSign'),
  }),
  serverAuthOnly: (p: CertProfile): CertProfile => ({ ...p, extKeyUsage: ['serverAuth'] }),
  noEku: (p: CertProfile): CertProfile => ({ ...p, extKeyUsage: null }),
  noSan: (p: CertProfile): CertProfile => ({ ...p, san: null }),
  withSan: (p: CertProfile, ...entries: SanEntry[]): CertProfile => ({
    ...p,
    san: [...(p.san ?? []), ...entries],
  }),
  /** `*.domain` as CN and DNS SAN (Expressway refuses wildcards, seed 003). */
  wildcard: (p: CertProfile, domain: string): CertProfile => ({
    ...p,
    subject: replaceCn(p.subject, `*.${domain}`),
    san: [{ type: 'dns', value: `*.${domain}` }],
  }),
  sha1: (p: CertProfile): CertProfile => ({ ...p, hash: 'SHA-1' }),
  rsa: (p: CertProfile, bits: 1024 | 2048 | 4096): CertProfile => ({ ...p, key: { kind: 'rsa', bits } }),
  /** notAfter `ago` before lab start (default 1 day), notBefore a year before that. */
  expired: (p: CertProfile, ago: Duration = '1d'): CertProfile => ({
    ...p,
    validity: { notBefore: '-400d', notAfter: negate(ago) },
  }),
  /** Expires `days` days after lab start. */
  expiresInDays: (p: CertProfile, days: number): CertProfile => ({
    ...p,
    validity: { notBefore: '-30d', notAfter: `+${days}d` },
  }),
  notYetValid: (p: CertProfile, inFuture: Duration = '1d'): CertProfile => ({
    ...p,
    validity: {
      notBefore: typeof inFuture === 'number' ? inFuture : `+${inFuture.replace(/^[+-]/, '')}`,
      notAfter: '+2y',
    },
  }),
};

function negate(d: Duration): Duration {
  return typeof d === 'number' ? -Math.abs(d) : `-${d.replace(/^[+-]/, '')}`;
}

function replaceCn(subject: DnInput, cn: string): DnInput {
  if (typeof subject === 'string') return subject.replace(/CN=[^,;/]*/, `CN=${cn}`);
  return subject.map((a) => {
    const [type, value] = Array.isArray(a)
      ? [String(a[0]), String(a[1])]
      : [(a as { type: string }).type, (a as { value: string }).value];
    return [type, type === 'CN' ? cn : value] as const;
  });
}
