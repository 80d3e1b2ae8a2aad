/**
 * The extensions of a certificate that trust decisions turn on, read straight from its DER
 * (RFC 5280 §4.1 and RFC 5280 §4.2), plus its raw issuer and subject names for chain building.
 *
 * Why not @peculiar/x509 here: these run on every handshake of a fleet, on every phone's own MIC or
 * LSC (distinct certificates, so no cache helps), and its full ASN.1 object model cost more than the
 * TLS handshake itself (a 200-phone cell spent a quarter of its boot time there). This reader walks
 * only the extensions it knows; it is checked against @peculiar/x509 on every certificate profile the
 * lab issues and on hostile variants (test/certs/extensions.test.ts).
 *
 * Never throws: malformed DER is a FormatError naming the extension and the byte offset.
 */
import type { X509Certificate } from 'node:crypto';
import { err, type FormatError, ok, type Result } from '../emulator/result.ts';
import { type DerNode, decodeOid, derChildren, readDer } from './cisco-dn.ts';
import { EKU_OIDS, type EkuName, type KeyUsageName, type SanEntry } from './issue.ts';

export interface CertificateExtensions {
  /** RFC 5280 §4.2.1.9; undefined when absent. */
  basicConstraints?: { ca: boolean; pathLength?: number; critical: boolean };
  /** RFC 5280 §4.2.1.3, in bit order; undefined when absent (= any usage). */
  keyUsage?: KeyUsageName[];
  /** RFC 5280 §4.2.1.12: names for the purposes the lab knows, dotted OIDs otherwise. */
  extKeyUsage?: (EkuName | (string & {}))[];
  /** RFC 5280 §4.2.1.6: the dNSName, iPAddress, rfc822Name and URI entries, in order. */
  subjectAltName: SanEntry[];
  /** RFC 5280 §4.2.1.2, lower-case hex. */
  subjectKeyId?: string;
  /** RFC 5280 §4.2.1.1 keyIdentifier, lower-case hex. */
  authorityKeyId?: string;
  /** The issuer and subject Name as encoded, hex: equal names in the lab's certificates are equal bytes. */
  issuerNameHex: string;
  subjectNameHex: string;
}

const OID = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
} as const;

/** RFC 5280 §4.2.1.3: bit 0 (the first octet's high bit) is digitalSignature, bit 8 decipherOnly. */
const KEY_USAGE_BITS: readonly KeyUsageName[] = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
];

const EKU_BY_OID = new Map<string, EkuName>(Object.entries(EKU_OIDS).map(([n, oid]) => [oid, n as EkuName]));

const TAG = { boolean: 0x01, integer: 0x02, bitString: 0x03, octetString: 0x04, oid: 0x06, sequence: 0x30 };

function bad(node: { offset: number }, what: string): FormatError {
  return {
    format: 'der',
    offset: node.offset,
    code: 'der.bad-extension',
    message: `${what} (at byte ${node.offset})`,
  };
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** The single element an extension's OCTET STRING wraps. */
function inner(value: DerNode, name: string): Result<DerNode, FormatError> {
  const r = readDer(value.value, 0);
  if (!r.ok) return err(bad(value, `${name}: ${r.error.message}`));
  if (r.value.raw.length !== value.value.length) return err(bad(value, `${name}: bytes after the value`));
  return r;
}

function children(node: DerNode, name: string): Result<DerNode[], FormatError> {
  const r = derChildren(node);
  return r.ok ? r : err(bad(node, `${name}: ${r.error.message}`));
}

function smallInteger(node: DerNode): number | null {
  if (node.tag !== TAG.integer || node.length === 0 || node.length > 6 || (node.value[0]! & 0x80) !== 0) {
    return null;
  }
  let n = 0;
  for (const b of node.value) n = n * 256 + b;
  return n;
}

/** RFC 5952 §4: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function ipText(bytes: Uint8Array): string {
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) return hex(bytes);
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

function basicConstraintsOf(
  v: DerNode,
  critical: boolean,
): Result<CertificateExtensions['basicConstraints'], FormatError> {
  const seq = inner(v, 'basicConstraints');
  if (!seq.ok) return seq;
  if (seq.value.tag !== TAG.sequence) return err(bad(v, 'basicConstraints is not a SEQUENCE'));
  const parts = children(seq.value, 'basicConstraints');
  if (!parts.ok) return parts;
  let ca = false;
  let pathLength: number | undefined;
  for (const p of parts.value) {
    if (p.tag === TAG.boolean && p.length === 1) ca = p.value[0] !== 0;
    else if (p.tag === TAG.integer) {
      const n = smallInteger(p);
      if (n === null)
        return err(bad(p, 'basicConstraints pathLenConstraint is not a small non-negative INTEGER'));
      pathLength = n;
    } else return err(bad(p, 'basicConstraints holds an unexpected element'));
  }
  return ok({ ca, ...(pathLength !== undefined ? { pathLength } : {}), critical });
}

function keyUsageOf(v: DerNode): Result<KeyUsageName[], FormatError> {
  const bits = inner(v, 'keyUsage');
  if (!bits.ok) return bits;
  const b = bits.value;
  if (b.tag !== TAG.bitString || b.length < 1 || b.value[0]! > 7)
    return err(bad(v, 'keyUsage is not a BIT STRING'));
  // The first octet counts the unused trailing bits; like OpenSSL, a bit set among them is not a usage.
  const body = b.value.subarray(1);
  const used = body.length * 8 - b.value[0]!;
  return ok(KEY_USAGE_BITS.filter((_, i) => i < used && ((body[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0));
}

function extKeyUsageOf(v: DerNode): Result<string[], FormatError> {
  const seq = inner(v, 'extKeyUsage');
  if (!seq.ok) return seq;
  if (seq.value.tag !== TAG.sequence) return err(bad(v, 'extKeyUsage is not a SEQUENCE'));
  const parts = children(seq.value, 'extKeyUsage');
  if (!parts.ok) return parts;
  const out: string[] = [];
  for (const p of parts.value) {
    if (p.tag !== TAG.oid || p.length === 0) return err(bad(p, 'extKeyUsage holds a non-OID'));
    const oid = decodeOid(p.value);
    out.push(EKU_BY_OID.get(oid) ?? oid);
  }
  return ok(out);
}

const ascii = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');

/** GeneralName (RFC 5280 §4.2.1.6), context tags: [1] rfc822Name, [2] dNSName, [6] URI, [7] iPAddress. */
function subjectAltNameOf(v: DerNode): Result<SanEntry[], FormatError> {
  const seq = inner(v, 'subjectAltName');
  if (!seq.ok) return seq;
  if (seq.value.tag !== TAG.sequence) return err(bad(v, 'subjectAltName is not a SEQUENCE'));
  const parts = children(seq.value, 'subjectAltName');
  if (!parts.ok) return parts;
  const out: SanEntry[] = [];
  for (const p of parts.value) {
    if (p.tag === 0x81) out.push({ type: 'email', value: ascii(p.value) });
    else if (p.tag === 0x82) out.push({ type: 'dns', value: ascii(p.value) });
    else if (p.tag === 0x86) out.push({ type: 'uri', value: ascii(p.value) });
    else if (p.tag === 0x87) out.push({ type: 'ip', value: ipText(p.value) });
    else if ((p.tag & 0xc0) !== 0x80) return err(bad(p, 'subjectAltName holds a non-GeneralName'));
    // otherName, x400Address, directoryName, ediPartyName, registeredID: not used by the lab.
  }
  return ok(out);
}

function subjectKeyIdOf(v: DerNode): Result<string, FormatError> {
  const id = inner(v, 'subjectKeyIdentifier');
  if (!id.ok) return id;
  if (id.value.tag !== TAG.octetString) return err(bad(v, 'subjectKeyIdentifier is not an OCTET STRING'));
  return ok(hex(id.value.value));
}

function authorityKeyIdOf(v: DerNode): Result<string | undefined, FormatError> {
  const seq = inner(v, 'authorityKeyIdentifier');
  if (!seq.ok) return seq;
  if (seq.value.tag !== TAG.sequence) return err(bad(v, 'authorityKeyIdentifier is not a SEQUENCE'));
  const parts = children(seq.value, 'authorityKeyIdentifier');
  if (!parts.ok) return parts;
  const keyId = parts.value.find((p) => p.tag === 0x80);
  return ok(keyId ? hex(keyId.value) : undefined);
}

/** Reads the extensions of certificate DER; the first occurrence of a repeated extension counts. */
export function readCertificateExtensions(der: Uint8Array): Result<CertificateExtensions, FormatError> {
  const cert = readDer(der, 0);
  if (!cert.ok) return cert;
  const top = children(cert.value, 'Certificate');
  if (!top.ok) return top;
  const tbs = top.value[0];
  if (cert.value.tag !== TAG.sequence || !tbs || tbs.tag !== TAG.sequence) {
    return err(bad(cert.value, 'not a certificate'));
  }
  const fields = children(tbs, 'tbsCertificate');
  if (!fields.ok) return fields;
  const f = fields.value[0]?.tag === 0xa0 ? fields.value.slice(1) : fields.value;
  const [, , issuer, , subject] = f;
  if (!issuer || !subject) return err(bad(tbs, 'tbsCertificate is missing its names'));
  const out: CertificateExtensions = {
    subjectAltName: [],
    issuerNameHex: hex(issuer.raw),
    subjectNameHex: hex(subject.raw),
  };
  const wrapper = f.find((n) => n.tag === 0xa3);
  if (!wrapper) return ok(out);
  const list = readDer(wrapper.value, 0);
  if (!list.ok || list.value.tag !== TAG.sequence) return err(bad(wrapper, 'extensions are not a SEQUENCE'));
  const exts = children(list.value, 'extensions');
  if (!exts.ok) return exts;
  const seen = new Set<string>();
  for (const e of exts.value) {
    const parts =
      e.tag === TAG.sequence ? children(e, 'Extension') : err(bad(e, 'an Extension is not a SEQUENCE'));
    if (!parts.ok) return parts;
    const [id, second, third] = parts.value;
    const value = third ?? second;
    if (!id || id.tag !== TAG.oid || !value || value.tag !== TAG.octetString) {
      return err(bad(e, 'an Extension lacks its extnID or extnValue'));
    }
    const critical = third !== undefined && second?.tag === TAG.boolean && second.value[0] !== 0;
    const oid = decodeOid(id.value);
    if (seen.has(oid)) continue;
    seen.add(oid);
    const r = readOne(oid, value, critical, out);
    if (!r.ok) return r;
  }
  return ok(out);
}

function readOne(
  oid: string,
  value: DerNode,
  critical: boolean,
  out: CertificateExtensions,
): Result<true, FormatError> {
  const set = <T>(r: Result<T, FormatError>, put: (v: T) => void): Result<true, FormatError> => {
    if (!r.ok) return r;
    put(r.value);
    return ok(true);
  };
  switch (oid) {
    case OID.basicConstraints:
      return set(basicConstraintsOf(value, critical), (v) => {
        out.basicConstraints = v;
      });
    case OID.keyUsage:
      return set(keyUsageOf(value), (v) => {
        out.keyUsage = v;
      });
    case OID.extKeyUsage:
      return set(extKeyUsageOf(value), (v) => {
        out.extKeyUsage = v;
      });
    case OID.subjectAltName:
      return set(subjectAltNameOf(value), (v) => {
        out.subjectAltName = v;
      });
    case OID.subjectKeyIdentifier:
      return set(subjectKeyIdOf(value), (v) => {
        out.subjectKeyId = v;
      });
    case OID.authorityKeyIdentifier:
      return set(authorityKeyIdOf(value), (v) => {
        if (v !== undefined) out.authorityKeyId = v;
      });
    default:
      return ok(true);
  }
}

const byCertificate = new WeakMap<object, Result<CertificateExtensions, FormatError>>();

/**
 * `readCertificateExtensions` of a parsed certificate (node's, or anything with its DER), read once per
 * certificate object: certificates are immutable, and a device asks of its peers' ones many times.
 */
export function extensionsOf(
  cert: X509Certificate | { rawData: ArrayBuffer },
): Result<CertificateExtensions, FormatError> {
  let r = byCertificate.get(cert);
  if (!r) {
    r = readCertificateExtensions('raw' in cert ? cert.raw : new Uint8Array(cert.rawData));
    byCertificate.set(cert, r);
  }
  return r;
}
