// Certificate profiles with the shapes the real products use (seeds 000, 002, 003, 004;
// docs/reference/trust-files.md §1.6, docs/reference/capf.md §6): CUCM's own certificates, the Cisco manufacturing stand-ins, phone MICs
// and LSCs, SAST eTokens here; enterprise CAs, Expressway, application servers and the `faults`
// (a good profile turned into the broken one a scenario needs) in peer-profiles.ts, re-exported here.
// Each builder returns a plain CertProfile; `overrides` is merged last. Issue with
// issueCertificate(ctx, profile, issuer?).

import type { CsrRequest, CsrSigningProfile } from './csr.ts';
import type { DnInput } from './dn.ts';
import {
  type CertProfile,
  type EkuName,
  type Identity,
  issueCertificate,
  type KeyUsageName,
  type PkiContext,
  type SanEntry,
} from './issue.ts';
import type { KeySpec } from './key-pool/index.ts';
import { CA_KU, dnsSans, merge, type Overrides, P384, RSA1024, RSA2048, RSA4096 } from './profile-kit.ts';

export * from './peer-profiles.ts';
export type { Overrides } from './profile-kit.ts';

// ---------------------------------------------------------------------------------------------
// CUCM own certificates

export interface CucmNode {
  /** Host name, e.g. `cucm-1051-a-pub`. */
  host: string;
  /** DNS domain, e.g. `steven.lab`; without it the CN is the bare host name (seed: TAC-118893). */
  domain?: string;
  ou?: string;
  o?: string;
  l?: string;
  st?: string;
  c?: string;
  /** Extra DNS names (multi-server SAN, aliases). */
  altNames?: string[];
  /** IP addresses to put in SAN (CUCM's self-signed certs have none by default; seed 004). */
  ipSans?: string[];
}

/** The CUCM certificate units of `show cert list own` (product.md). */
/** Every certificate unit of a CUCM node, in `show cert list own` order (e.g. for a `z.enum`). */
export const CUCM_UNITS = [
  'tomcat',
  'tomcat-ECDSA',
  'CallManager',
  'CallManager-ECDSA',
  'CAPF',
  'TVS',
  'ipsec',
  'ITLRecovery',
] as const;

export type CucmUnit = (typeof CUCM_UNITS)[number];

export function cucmFqdn(node: CucmNode): string {
  return node.domain ? `${node.host}.${node.domain}` : node.host;
}

/** `<host>-EC.<domain>` (seed 004: `cucm-EC.steven.lab`). */
export function cucmEcName(node: CucmNode): string {
  return node.domain ? `${node.host}-EC.${node.domain}` : `${node.host}-EC`;
}

/**
 * CUCM encodes its subjects L, ST, CN, OU, O, C (seed 004 Wireshark rdnSequence; seed 003
 * `issuerName=L=BGL,ST=KA,CN=labsrver1.vasank.com,OU=TAC,O=Cisco,C=IN`); the `;` form reorders
 * them CN first (dn.ts). Defaults are the docs/reference/trust-files.md §1.1 example.
 */
export function cucmSubject(node: CucmNode, cn: string): DnInput {
  return [
    ['L', node.l ?? 'Krakow'],
    ['ST', node.st ?? 'Malopolska'],
    ['CN', cn],
    ['OU', node.ou ?? 'TAC'],
    ['O', node.o ?? 'Cisco'],
    ['C', node.c ?? 'PL'],
  ];
}

/**
 * KU of CUCM's self-signed certificates: digitalSignature, keyEncipherment, dataEncipherment,
 * keyCertSign (seed 003, "CA Requirements": the same set CUCM asks a CA for).
 */
export const CUCM_SELF_SIGNED_KU: readonly KeyUsageName[] = [
  'digitalSignature',
  'keyEncipherment',
  'dataEncipherment',
  'keyCertSign',
];
/** EC keys cannot encipher: the ECDSA units use keyAgreement instead (approximation, M). */
export const CUCM_EC_KU: readonly KeyUsageName[] = ['digitalSignature', 'keyAgreement', 'keyCertSign'];
export const CUCM_EKU: readonly EkuName[] = ['serverAuth', 'clientAuth', 'ipsecEndSystem'];

function nodeSans(node: CucmNode, first: string): SanEntry[] {
  return [
    ...dnsSans([first, cucmFqdn(node), ...(node.altNames ?? [])]),
    ...(node.ipSans ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
}

/** Profile name of a node's unit in the lab: `<host>/<unit>`. */
export function cucmIdentityName(node: CucmNode, unit: CucmUnit): string {
  return `${node.host}/${unit}`;
}

/** `CAPF-<8 hex>` (seed 002 `CAPF-9c4cba7d`, seed 004 `CAPF-616421bc`): seeded per node and generation. */
export function capfCommonName(ctx: PkiContext, node: CucmNode, generation = 1): string {
  return `CAPF-${ctx.random.fork(`capf-cn:${node.host}#${generation}`).hex(4)}`;
}

export interface CucmUnitOptions {
  /** For CAPF: which generation's CN (a regeneration gets a new CN, as on CUCM). */
  generation?: number;
  overrides?: Overrides;
}

/**
 * A CUCM unit's self-signed certificate. Validity 5 years (seed 003 "Certificates Validity of 5
 * Years"), ITLRecovery 20 years (docs/reference/trust-files.md §1.6). RSA 2048 (UCM 10+, seed 003); ECDSA units
 * EC P-384 with SHA-384 (seed 004 `ecdsa-with-SHA384`).
 */
export function cucmSelfSigned(
  ctx: PkiContext,
  node: CucmNode,
  unit: CucmUnit,
  options: CucmUnitOptions = {},
): CertProfile {
  const fqdn = cucmFqdn(node);
  const name = cucmIdentityName(node, unit);
  const base = {
    name,
    key: RSA2048,
    hash: 'SHA-256' as const,
    validity: { notBefore: '-1h', notAfter: '+5y' },
    basicConstraints: { ca: true, critical: true },
    keyUsage: CUCM_SELF_SIGNED_KU,
    extKeyUsage: CUCM_EKU,
  };
  let profile: CertProfile;
  switch (unit) {
    case 'tomcat':
    case 'CallManager':
    case 'TVS':
    case 'ipsec':
      profile = { ...base, subject: cucmSubject(node, fqdn), san: nodeSans(node, fqdn) };
      break;
    case 'tomcat-ECDSA':
    case 'CallManager-ECDSA': {
      const cn = cucmEcName(node);
      profile = {
        ...base,
        key: P384,
        hash: 'SHA-384',
        keyUsage: CUCM_EC_KU,
        subject: cucmSubject(node, cn),
        san: nodeSans(node, cn),
      };
      break;
    }
    case 'CAPF':
      // CA:TRUE pathlen 0, KU digitalSignature+keyCertSign(+cRLSign), or phones refuse it (docs/reference/capf.md §6).
      profile = {
        ...base,
        subject: cucmSubject(node, capfCommonName(ctx, node, options.generation ?? 1)),
        basicConstraints: { ca: true, pathLength: 0, critical: true },
        keyUsage: CA_KU,
        san: null,
      };
      break;
    case 'ITLRecovery':
      // seed 003: `CN=ITLRECOVERY_labserver1.vasank.com`.
      profile = {
        ...base,
        subject: cucmSubject(node, `ITLRECOVERY_${fqdn}`),
        validity: { notBefore: '-1h', notAfter: '+20y' },
        san: null,
      };
      break;
  }
  return merge(profile, options.overrides);
}

/** Issue every own certificate of a node (self-signed), keyed by unit. */
export async function issueCucmNode(
  ctx: PkiContext,
  node: CucmNode,
  units: readonly CucmUnit[] = CUCM_UNITS,
): Promise<Partial<Record<CucmUnit, Identity>>> {
  const out: Partial<Record<CucmUnit, Identity>> = {};
  for (const unit of units) out[unit] = await issueCertificate(ctx, cucmSelfSigned(ctx, node, unit));
  return out;
}

/** CUCM "Generate CSR" for a unit: same subject, SANs and key type as its self-signed certificate. */
export function cucmCsrRequest(
  ctx: PkiContext,
  node: CucmNode,
  unit: CucmUnit,
  extra: Partial<CsrRequest> = {},
): CsrRequest {
  const p = cucmSelfSigned(ctx, node, unit);
  return {
    name: p.name,
    subject: p.subject,
    ...(p.key ? { key: p.key } : {}),
    ...(p.hash ? { hash: p.hash } : {}),
    ...(p.san ? { san: p.san } : {}),
    keyUsage: ['digitalSignature', 'keyEncipherment'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    ...extra,
  };
}

/**
 * What an enterprise CA puts in a CUCM certificate it signs (seed 003 "CA Requirements for Signing
 * CSR": EKU server+client; KU digitalSignature, keyEncipherment, dataEncipherment, keyCertSign, critical).
 */
export function cucmCaSigningProfile(
  node: CucmNode,
  unit: CucmUnit,
  overrides?: Partial<CsrSigningProfile>,
): CsrSigningProfile {
  return {
    name: `${cucmIdentityName(node, unit)}@ca`,
    hash: unit.endsWith('ECDSA') ? 'SHA-384' : 'SHA-256',
    validity: { notBefore: '-1h', notAfter: '+2y' },
    basicConstraints: { ca: false, critical: true },
    keyUsage: unit.endsWith('ECDSA')
      ? ['digitalSignature', 'keyAgreement', 'keyCertSign']
      : ['digitalSignature', 'keyEncipherment', 'dataEncipherment', 'keyCertSign'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Stand-ins for the Cisco manufacturing hierarchy: the real names (seed 004 trust list), lab keys.
// Subject attributes other than the CN are approximations (L).

export type CiscoCaName =
  | 'Cisco Root CA 2048'
  | 'Cisco Root CA M2'
  | 'Cisco Manufacturing CA'
  | 'Cisco Manufacturing CA SHA2'
  | 'CAP-RTP-001'
  | 'CAP-RTP-002';

/**
 * The Cisco CAs as rows: subject above the CN (the CN is the name), key, hash and path length.
 * Manufacturing CA: seed 002 eToken CANAME `cn=Cisco Manufacturing CA;o=Cisco Systems` (42 bytes
 * with NUL). CAP-RTP-00x: self-signed MIC issuers of older phones (seed 004 trust list: Self-signed, RSA).
 */
const CISCO_CAS: Readonly<
  Record<
    CiscoCaName,
    {
      readonly above: readonly (readonly [string, string])[];
      readonly key: KeySpec;
      readonly hash: CertProfile['hash'];
      readonly pathLength?: number;
    }
  >
> = {
  'Cisco Root CA 2048': { above: [['O', 'Cisco Systems']], key: RSA2048, hash: 'SHA-1' },
  'Cisco Root CA M2': { above: [['O', 'Cisco']], key: RSA4096, hash: 'SHA-256' },
  'Cisco Manufacturing CA': { above: [['O', 'Cisco Systems']], key: RSA2048, hash: 'SHA-1', pathLength: 0 },
  'Cisco Manufacturing CA SHA2': { above: [['O', 'Cisco']], key: RSA2048, hash: 'SHA-256', pathLength: 0 },
  'CAP-RTP-001': {
    above: [
      ['C', 'US'],
      ['O', 'Cisco Systems'],
    ],
    key: RSA2048,
    hash: 'SHA-1',
  },
  'CAP-RTP-002': {
    above: [
      ['C', 'US'],
      ['O', 'Cisco Systems'],
    ],
    key: RSA2048,
    hash: 'SHA-1',
  },
};

export function ciscoCaProfile(name: CiscoCaName, overrides?: Overrides): CertProfile {
  const { above, key, hash, pathLength } = CISCO_CAS[name];
  const p: CertProfile = {
    name: `cisco/${name}`,
    subject: [...above, ['CN', name]],
    key,
    hash,
    validity: { notBefore: '-10y', notAfter: '+15y' },
    basicConstraints: { ca: true, critical: true, ...(pathLength !== undefined ? { pathLength } : {}) },
    keyUsage: CA_KU,
    extKeyUsage: null,
    san: null,
  };
  return merge(p, overrides);
}

export interface CiscoManufacturing {
  rootCa2048: Identity;
  rootCaM2: Identity;
  manufacturingCa: Identity;
  manufacturingCaSha2: Identity;
  capRtp001: Identity;
  capRtp002: Identity;
}

/** The whole stand-in hierarchy: Manufacturing CA under Root CA 2048 (SHA-1 era), SHA2 under M2, CAP-RTP self-signed. */
export async function issueCiscoManufacturing(ctx: PkiContext): Promise<CiscoManufacturing> {
  const rootCa2048 = await issueCertificate(ctx, ciscoCaProfile('Cisco Root CA 2048'));
  const rootCaM2 = await issueCertificate(ctx, ciscoCaProfile('Cisco Root CA M2'));
  const manufacturingCa = await issueCertificate(ctx, ciscoCaProfile('Cisco Manufacturing CA'), rootCa2048);
  const manufacturingCaSha2 = await issueCertificate(
    ctx,
    ciscoCaProfile('Cisco Manufacturing CA SHA2'),
    rootCaM2,
  );
  const capRtp001 = await issueCertificate(ctx, ciscoCaProfile('CAP-RTP-001'));
  const capRtp002 = await issueCertificate(ctx, ciscoCaProfile('CAP-RTP-002'));
  return { rootCa2048, rootCaM2, manufacturingCa, manufacturingCaSha2, capRtp001, capRtp002 };
}

/** `SEP` + 12 upper-case hex digits. */
export function sepName(mac: string): string {
  return `SEP${mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase()}`;
}

/** `<model>-SEP<MAC>`, e.g. `CP-8861-SEPB000B4BA0AEE` (the LSC/MIC CN and the TVS device name, docs/reference/tvs.md §3). */
export function deviceCertName(model: string, mac: string): string {
  return `${model}-${sepName(mac)}`;
}

/** A seeded manufacturing serial like `FCH18198CNQ`. */
export function phoneSerial(ctx: PkiContext, mac: string): string {
  const r = ctx.random.fork(`phone-sn:${sepName(mac)}`);
  const alnum = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  let tail = '';
  for (let i = 0; i < 3; i++) tail += r.pick([...alnum]);
  return `FCH${1600 + r.int(1000)}${r.int(10)}${tail}`;
}

export interface PhoneCertOptions {
  model: string;
  mac: string;
  /** Manufacturing serial; default seeded (phoneSerial). */
  serialNumber?: string;
  overrides?: Overrides;
}

/**
 * A phone's MIC, issued at "manufacture" by CAP-RTP-00x or Cisco Manufacturing CA [SHA2].
 * Subject attributes besides the CN are an approximation (L).
 */
export function micProfile(ctx: PkiContext, options: PhoneCertOptions & { sha1?: boolean }): CertProfile {
  const cn = deviceCertName(options.model, options.mac);
  const sn = options.serialNumber ?? phoneSerial(ctx, options.mac);
  return merge(
    {
      name: `${sepName(options.mac)}/MIC`,
      subject: [
        ['serialNumber', `PID:${options.model} SN:${sn}`],
        ['O', 'Cisco Systems Inc.'],
        ['C', 'US'],
        ['CN', cn],
      ],
      key: RSA2048,
      hash: options.sha1 ? 'SHA-1' : 'SHA-256',
      validity: { notBefore: '-1y', notAfter: '+10y' },
      basicConstraints: { ca: false, critical: true },
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth', 'clientAuth'],
      san: null,
    },
    options.overrides,
  );
}

export interface LscOptions extends PhoneCertOptions {
  /** Subject tail as the cluster configures it (TAC-213407 shows C=AU, O=stormin, OU=IST). */
  c?: string;
  o?: string;
  ou?: string;
  key?: KeySpec;
}

/**
 * An LSC as CUCM's CAPF issues it (docs/reference/capf.md §6): subject
 * `serialNumber=PID:<model> SN:<sn>, C, O, OU, CN=<model>-SEP<MAC>` in that DER order, KU
 * digitalSignature+keyEncipherment, EKU serverAuth+clientAuth+IPsec end system, SHA-256, up to 5
 * years. Issue it with the CAPF identity as issuer.
 */
export function lscProfile(ctx: PkiContext, options: LscOptions): CertProfile {
  const sn = options.serialNumber ?? phoneSerial(ctx, options.mac);
  return merge(
    {
      name: `${sepName(options.mac)}/LSC`,
      subject: [
        ['serialNumber', `PID:${options.model} SN:${sn}`],
        ['C', options.c ?? 'PL'],
        ['O', options.o ?? 'Cisco'],
        ['OU', options.ou ?? 'TAC'],
        ['CN', deviceCertName(options.model, options.mac)],
      ],
      key: options.key ?? RSA2048,
      hash: 'SHA-256',
      validity: { notBefore: '-1h', notAfter: '+5y', anchor: 'now' },
      basicConstraints: { ca: false, critical: true },
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extKeyUsage: ['serverAuth', 'clientAuth', 'ipsecEndSystem'],
      san: null,
    },
    options.overrides,
  );
}

// ---------------------------------------------------------------------------------------------
// SAST hardware eTokens (seed 002)

/** `SAST-ADN<8 hex>` (seed 002 `SAST-ADN4e31f914`), seeded per token index. */
export function sastTokenName(ctx: PkiContext, index: number): string {
  return `SAST-ADN${ctx.random.fork(`sast:${index}`).hex(4)}`;
}

/**
 * A hardware eToken certificate. Seed 002 prints `cn="SAST-ADN4e31f914 ";ou=IPCBU;o="Cisco Systems, Inc."`
 * (56 bytes with the NUL), so the CN carries a trailing space and O a comma; issued by Cisco
 * Manufacturing CA with a 10-byte serial and a 1024-bit key (PUBLICKEY 140).
 */
export function sastTokenProfile(ctx: PkiContext, index: number, overrides?: Overrides): CertProfile {
  const cn = `${sastTokenName(ctx, index)} `;
  return merge(
    {
      name: `etoken/${cn.trim()}`,
      subject: [
        ['O', 'Cisco Systems, Inc.'],
        ['OU', 'IPCBU'],
        ['CN', cn],
      ],
      key: RSA1024,
      hash: 'SHA-1',
      serialBytes: 10,
      validity: { notBefore: '-2y', notAfter: '+10y' },
      basicConstraints: null,
      keyUsage: ['digitalSignature', 'nonRepudiation'],
      extKeyUsage: null,
      san: null,
    },
    overrides,
  );
}
