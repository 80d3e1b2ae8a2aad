// Distinguished names: a typed, ordered list of attributes in DER order (first = first RDN of the
// SEQUENCE, which is also the order OpenSSL's default one-line form and `-subj` use).
// Multi-valued RDNs are flattened (none of the certificates the lab models use them).
import type { X509Certificate } from 'node:crypto';
import {
  certificateFields,
  ciscoDn,
  type DnStyle,
  type NameAttribute,
  parseName,
  readDer,
} from './cisco-dn.ts';
import { x509 } from './x509.ts';

export type DnAttrType =
  | 'CN'
  | 'OU'
  | 'O'
  | 'L'
  | 'ST'
  | 'C'
  | 'serialNumber'
  | 'emailAddress'
  | 'DC'
  | 'street'
  | 'title'
  | 'UID';

export interface DnAttr {
  /** A known short name or a dotted OID for anything else. */
  type: DnAttrType | (string & {});
  value: string;
}

export type Dn = readonly DnAttr[];

/** Input accepted wherever a DN is wanted: a Dn, a [type, value] list, or text (see parseDn). */
export type DnInput = Dn | readonly (readonly [string, string])[] | string;

const OID_BY_TYPE: Record<DnAttrType, string> = {
  CN: '2.5.4.3',
  OU: '2.5.4.11',
  O: '2.5.4.10',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  C: '2.5.4.6',
  serialNumber: '2.5.4.5',
  emailAddress: '1.2.840.113549.1.9.1',
  DC: '0.9.2342.19200300.100.1.25',
  street: '2.5.4.9',
  title: '2.5.4.12',
  UID: '0.9.2342.19200300.100.1.1',
};
const TYPE_BY_OID = new Map<string, DnAttrType>(
  Object.entries(OID_BY_TYPE).map(([type, oid]) => [oid, type as DnAttrType]),
);
const ALIASES: Record<string, DnAttrType> = {
  cn: 'CN',
  ou: 'OU',
  o: 'O',
  l: 'L',
  st: 'ST',
  s: 'ST',
  c: 'C',
  serialnumber: 'serialNumber',
  sn: 'serialNumber',
  '2.5.4.5': 'serialNumber',
  emailaddress: 'emailAddress',
  email: 'emailAddress',
  e: 'emailAddress',
  dc: 'DC',
  street: 'street',
  title: 'title',
  uid: 'UID',
};

export function normalizeType(type: string): DnAttrType | (string & {}) {
  const t = type.trim();
  return ALIASES[t.toLowerCase()] ?? TYPE_BY_OID.get(t) ?? t;
}

export function oidOf(type: string): string {
  const t = normalizeType(type);
  return OID_BY_TYPE[t as DnAttrType] ?? t;
}

/** Split on `sep` outside quotes and not after a backslash. */
function splitUnescaped(text: string, seps: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + (text[i + 1] ?? '');
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
      current += ch;
    } else if (!quoted && seps.includes(ch)) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

function unescapeValue(raw: string): string {
  let v = raw.trim();
  if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) return v.slice(1, -1);
  v = v.replace(/\\([0-9a-fA-F]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return v.replace(/\\(.)/g, '$1');
}

/**
 * Parse DN text, taking the written order as DER order. Accepts `CN=x, OU=y` (comma),
 * CUCM's `CN=x;OU=y` and OpenSSL's `/C=US/CN=x`. For true RFC 4514 text (last RDN first) use
 * parseRfc4514.
 */
export function parseDn(text: string): Dn {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const parts = trimmed.startsWith('/')
    ? splitUnescaped(trimmed.slice(1), '/')
    : splitUnescaped(trimmed, trimmed.includes(';') ? ';' : ',');
  return parts
    .filter((p) => p.trim() !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`not a DN attribute: "${part.trim()}" in "${text}"`);
      return { type: normalizeType(part.slice(0, eq)), value: unescapeValue(part.slice(eq + 1)) };
    });
}

/** Parse RFC 4514 text, where the first attribute written is the LAST RDN in DER order. */
export function parseRfc4514(text: string): Dn {
  return [...parseDn(text)].reverse();
}

export function toDn(input: DnInput): Dn {
  if (typeof input === 'string') return parseDn(input);
  return input.map((a) =>
    Array.isArray(a)
      ? { type: normalizeType(String(a[0])), value: String(a[1]) }
      : { type: normalizeType((a as DnAttr).type), value: (a as DnAttr).value },
  );
}

function escape4514(value: string): string {
  let v = value.replace(/([\\,+"<>;=])/g, '\\$1');
  if (v.startsWith(' ') || v.startsWith('#')) v = `\\${v}`;
  if (v.endsWith(' ') && v.length > 1) v = `${v.slice(0, -1)}\\ `;
  return v;
}

/** RFC 4514 string (`CN=x,OU=y,...`: last RDN first), as `openssl -nameopt RFC2253` prints. */
export function formatRfc4514(dn: Dn): string {
  return [...dn]
    .reverse()
    .map((a) => `${a.type}=${escape4514(a.value)}`)
    .join(',');
}

/** One-line DER-order form with `, ` separators, as OpenSSL's default `Subject:` line shows it. */
export function formatOneLine(dn: Dn): string {
  return dn.map((a) => `${a.type}=${a.value}`).join(', ');
}

export type CiscoDnStyle = DnStyle;

/**
 * CUCM's `;` DN form as in CTL/ITL records: CN first, no spaces, values unescaped
 * (`CN=cucm-1051-a-pub;OU=TAC;O=Cisco;L=Krakow;ST=Malopolska;C=PL`, docs/reference/trust-files.md §1.1).
 * Style 'etoken' is how the CTL shows hardware eToken certificates and their issuer: lower-case
 * types, values quoted when they hold a comma or a leading/trailing space
 * (`cn="SAST-ADN4e31f914 ";ou=IPCBU;o="Cisco Systems, Inc."` is 55 chars + NUL = the 56 seed 002
 * prints; `cn=Cisco Manufacturing CA;o=Cisco Systems` = 41 + NUL = 42).
 */
export function formatCiscoDn(dn: Dn, style: CiscoDnStyle = 'cucm'): string {
  // The order rule (CN, OU, O, L, ST, C, then the rest in RFC 4514 order; seeds 003/004) lives in
  // certs/cisco-dn.ts.
  // One renderer for the whole project: the trust-file codecs use it on raw DER names too.
  return ciscoDn(
    dn.map((a) => ({ oid: '', type: a.type, value: a.value })),
    style,
  );
}

/**
 * Attributes as read by certs/cisco-dn.ts, typed by OID: the short names this module knows, the
 * dotted OID otherwise (so surname, 2.5.4.4, stays itself rather than turning into serialNumber).
 */
function fromAttributes(attrs: readonly NameAttribute[]): Dn {
  return attrs.map((a) => ({ type: normalizeType(a.oid), value: a.value }));
}

/** Read a DER-encoded Name into a Dn; throws on DER that is not a Name. */
export function dnFromDer(der: ArrayBuffer | Uint8Array): Dn {
  const bytes = der instanceof Uint8Array ? der : new Uint8Array(der);
  const node = readDer(bytes, 0);
  const attrs = node.ok ? parseName(node.value) : node;
  if (!attrs.ok) throw new Error(`not a distinguished name: ${attrs.error.message}`);
  return fromAttributes(attrs.value);
}

/** Build the DER-order x509.Name for a Dn (UTF8String/PrintableString chosen by the library). */
export function toX509Name(input: DnInput): x509.Name {
  const dn = toDn(input);
  return new x509.Name(dn.map((a) => ({ [oidOf(a.type)]: [a.value] })));
}

/**
 * A certificate's names, read from its DER once per certificate object (certificates are immutable,
 * and a CUCM asks for the CN of every certificate it stores and serves). Read with the DER reader of
 * certs/cisco-dn.ts rather than @peculiar/x509's ASN.1 model, which cost a catalogue run more CPU than
 * any other part of certificate handling.
 */
const namesOf = new WeakMap<object, { subject: Dn; issuer: Dn }>();

function names(cert: X509Certificate | x509.X509Certificate): { subject: Dn; issuer: Dn } {
  let n = namesOf.get(cert);
  if (!n) {
    const der = cert instanceof x509.X509Certificate ? new Uint8Array(cert.rawData) : cert.raw;
    const f = certificateFields(der);
    // OpenSSL or @peculiar/x509 has already parsed this certificate: failing here is a bug in the reader.
    if (!f.ok) throw new Error(`dn: cannot read the names of a parsed certificate: ${f.error.message}`);
    n = { subject: fromAttributes(f.value.subject), issuer: fromAttributes(f.value.issuer) };
    namesOf.set(cert, n);
  }
  return n;
}

export function subjectDn(cert: X509Certificate | x509.X509Certificate): Dn {
  return names(cert).subject;
}

export function issuerDn(cert: X509Certificate | x509.X509Certificate): Dn {
  return names(cert).issuer;
}

function cnOf(dn: Dn): string | undefined {
  return dn.find((a) => a.type === 'CN')?.value;
}

/**
 * Which style CUCM's CTL uses for a certificate. Only hardware SAST eToken certificates (issued by
 * Cisco Manufacturing CA, CN `SAST-...`) show the 'etoken' style in seed 002; every CUCM-made
 * certificate shows 'cucm'. Approximation (L): the rule that picks the style is inferred from
 * those two examples.
 */
export function ciscoDnStyleFor(cert: X509Certificate | x509.X509Certificate): CiscoDnStyle {
  const subjectCn = cnOf(subjectDn(cert)) ?? '';
  const issuerCn = cnOf(issuerDn(cert)) ?? '';
  return /^SAST-/i.test(subjectCn.trim()) && /^Cisco Manufacturing CA/i.test(issuerCn) ? 'etoken' : 'cucm';
}

/** The subject as CUCM prints it in CTL/ITL SUBJECTNAME / SIGNERNAME (style chosen per cert). */
export function ciscoSubject(cert: X509Certificate | x509.X509Certificate, style?: CiscoDnStyle): string {
  return formatCiscoDn(subjectDn(cert), style ?? ciscoDnStyleFor(cert));
}

/** The issuer as CUCM prints it in CTL/ITL ISSUERNAME / CANAME (style chosen per cert). */
export function ciscoIssuer(cert: X509Certificate | x509.X509Certificate, style?: CiscoDnStyle): string {
  return formatCiscoDn(issuerDn(cert), style ?? ciscoDnStyleFor(cert));
}

export function commonName(input: DnInput): string | undefined {
  return cnOf(toDn(input));
}

/** The first CN of a certificate's subject, read from the DER (undefined when the subject has none). */
export function certCommonName(cert: X509Certificate | x509.X509Certificate): string | undefined {
  return cnOf(subjectDn(cert));
}
