/**
 * `uclab inspect <file>`: recognises a CTL/ITL (.tlv), a `.sgn`, a `.enc.sgn`, a PEM or DER
 * certificate, or a PKCS#7 bundle, and prints it the way CUCM would (`show ctl` / `show itl` for trust
 * lists, the same table style for signed configs, an `openssl x509 -text`-like summary with Cisco DNs
 * for certificates). Returns text; the CLI wiring lives elsewhere. Never throws on bad input.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { err, type FormatError, ok, type Result, type UclabError } from '../emulator/result.ts';
import {
  certificateFields,
  ciscoDn,
  colonHex,
  decodeOid,
  derChildren,
  readDer,
  spacedHex,
} from './cisco-dn.ts';
import { parseTrustList } from './ctl.ts';
import { parseEncSgn } from './enc-sgn.ts';
import { parseSgn } from './sgn.ts';
import { cucmDate, renderTrustList, row, signatureRows } from './show-ctl.ts';
import {
  HEADER_TAG_NAMES,
  parseSignedHeader,
  publicKeyOf,
  readU16,
  readU32,
  type SignedHeader,
  type TlvElement,
  verifySignedFile,
} from './tlv.ts';

export type InspectedKind = 'CTL' | 'ITL' | 'sgn' | 'enc.sgn' | 'certificate' | 'pkcs7';

export interface InspectOptions {
  /** Certificates to check a `.sgn`/`.enc.sgn` signature with (e.g. the CallManager cert). */
  readonly trusted?: readonly X509Certificate[];
  readonly timeZone?: string;
}

/**
 * What the bytes are, without fully parsing them. A signed Cisco file names itself in its header
 * (FILENAME, tag 14: `ITLFile.tlv`, `CTLFile.tlv`, `SEP<MAC>.cnf.xml.sgn`; docs/reference/trust-files.md §1.2, §1.6),
 * and that decides, whatever the file on disk is called (`x-ITLFile.tlv`, `ITLSEP<MAC>.tlv`, a
 * download's `file.bin`). Only a header that does not parse falls back on the name, then the version.
 */
export function detectKind(bytes: Uint8Array, filename?: string): InspectedKind | undefined {
  const name = filename?.toLowerCase() ?? '';
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1').trimStart();
  if (head.startsWith('-----BEGIN')) {
    return /-----BEGIN (PKCS7|CMS)/.test(Buffer.from(bytes).toString('latin1')) ? 'pkcs7' : 'certificate';
  }
  if (bytes.length >= 10 && bytes[0] === 1 && bytes[1] === 0 && bytes[2] === 2 && bytes[5] === 2) {
    // Version 2 is the .enc.sgn envelope (docs/reference/trust-files.md §3); its header is read by parseEncSgn.
    if (bytes[3] === 2) return 'enc.sgn';
    const header = parseSignedHeader(bytes, { what: 'signed file', versionMajors: [1] });
    if (header.ok) {
      const inside = header.value.filename;
      if (/\.tlv$/i.test(inside)) return /^ITL/i.test(inside) ? 'ITL' : 'CTL';
      return /\.enc\.sgn$/i.test(inside) ? 'enc.sgn' : 'sgn';
    }
    if (name.endsWith('.enc.sgn')) return 'enc.sgn';
    if (name.endsWith('.sgn')) return 'sgn';
    if (name.endsWith('.tlv')) return /^itl/.test(name.split('/').pop() ?? '') ? 'ITL' : 'CTL';
    // CTL/ITL carry version 1.2; .sgn carries 1.0.
    return bytes[4] === 2 ? 'CTL' : 'sgn';
  }
  if (bytes[0] === 0x30) {
    const top = readDer(bytes, 0);
    if (top.ok) {
      const kids = derChildren(top.value);
      if (kids.ok && kids.value[0]?.tag === 0x06) return 'pkcs7';
      return 'certificate';
    }
  }
  return undefined;
}

function inspectError(code: string, message: string, offset = 0): FormatError {
  return { format: 'inspect', offset, code: `inspect.${code}`, message };
}

/**
 * Prints any supported file; unknown or garbage input is a typed error. Never throws: an exception
 * from a library on input nobody foresaw is still returned as an error naming the file, so that
 * `uclab inspect` reports it and goes on with the next file.
 */
export function inspectFile(
  bytes: Uint8Array,
  filename?: string,
  opts: InspectOptions = {},
): Result<string, UclabError> {
  try {
    return inspectBytes(bytes, filename, opts);
  } catch (e) {
    return err(
      inspectError(
        'unreadable',
        `${filename ?? 'input'}: cannot be read: ${(e as Error)?.message ?? String(e)}`,
      ),
    );
  }
}

function inspectBytes(
  bytes: Uint8Array,
  filename: string | undefined,
  opts: InspectOptions,
): Result<string, UclabError> {
  if (bytes.length === 0) return err(inspectError('empty', 'the file is empty'));
  const kind = detectKind(bytes, filename);
  switch (kind) {
    case 'CTL':
    case 'ITL': {
      const tl = parseTrustList(bytes, { kind });
      if (!tl.ok) return tl;
      return ok(
        renderTrustList(tl.value, { explain: true, ...(opts.timeZone ? { timeZone: opts.timeZone } : {}) }),
      );
    }
    case 'sgn':
      return inspectSgn(bytes, opts);
    case 'enc.sgn':
      return inspectEncSgn(bytes, opts);
    case 'certificate':
      return inspectCertificates(bytes);
    case 'pkcs7':
      return inspectPkcs7(bytes);
    default:
      return err(
        inspectError(
          'unknown-format',
          `${filename ?? 'input'}: not a CTL/ITL, .sgn, .enc.sgn, certificate or PKCS#7 file (first bytes ${spacedHex(bytes.subarray(0, 8))})`,
        ),
      );
  }
}

// ---------------------------------------------------------------------------------------------
// Signed files
// ---------------------------------------------------------------------------------------------

const HASHES: Readonly<Record<number, string>> = { 1: 'SHA-1', 2: 'SHA-256', 3: 'SHA-512' };

function headerTable(h: SignedHeader, timeZone?: string): string[] {
  const out = [row('BYTEPOS', 'TAG', 'LENGTH', 'VALUE'), row('-------', '---', '------', '-----')];
  const str = (e: TlvElement) =>
    Buffer.from(e.value.subarray(0, Math.max(0, e.value.indexOf(0)) || e.value.length)).toString('utf8');
  const walk = (els: readonly TlvElement[]) => {
    for (const e of els) {
      if (e.tag === 1 || e.tag === 2 || e.tag === 13) continue;
      const name = HEADER_TAG_NAMES[e.tag] ?? String(e.tag);
      if (e.children) {
        out.push(row(e.tag, name, 2, e.length));
        walk(e.children);
        continue;
      }
      switch (e.tag) {
        case 4:
        case 6:
        case 14:
          out.push(row(e.tag, name, e.length, str(e)));
          break;
        case 5:
          out.push(row(e.tag, name, e.length, colonHex(e.value)));
          break;
        case 8:
        case 26:
          out.push(row(e.tag, name, e.length, HASHES[e.value[0]!] ?? String(e.value[0])));
          break;
        case 11:
          out.push(row(e.tag, name, e.length, `${h.signatureModulusBits} bits`));
          break;
        case 12:
          out.push(row(e.tag, name, e.length), ...signatureRows(e.value));
          break;
        case 15:
          out.push(row(e.tag, name, e.length, cucmDate(new Date(readU32(e.value) * 1000), timeZone)));
          break;
        case 19:
        case 27:
          out.push(row(e.tag, name, e.length, spacedHex(e.value)));
          break;
        case 20:
        case 23:
          out.push(row(e.tag, name, e.length, readU16(e.value)));
          break;
        case 10:
        case 18:
        case 22:
        case 24:
          out.push(row(e.tag, name, e.length, e.value[0]!));
          break;
        default:
          out.push(row(e.tag, name, e.length));
      }
    }
  };
  walk(h.elements);
  return out;
}

function signatureVerdict(bytes: Uint8Array, h: SignedHeader, trusted?: readonly X509Certificate[]): string {
  if (!trusted || trusted.length === 0) return 'Signature not checked (no signer certificate given).';
  const good = trusted.find((c) => verifySignedFile({ bytes, header: h }, c));
  return good
    ? `File sign verify SUCCESS (signer ${ciscoDn(fieldsOrEmpty(good))}).`
    : 'File sign verify FAILED.';
}

function fieldsOrEmpty(c: X509Certificate) {
  const f = certificateFields(new Uint8Array(c.raw));
  return f.ok ? f.value.subject : [];
}

function inspectSgn(bytes: Uint8Array, opts: InspectOptions): Result<string, UclabError> {
  const r = parseSgn(bytes);
  if (!r.ok) return r;
  const f = r.value;
  const lines = [
    `Length of signed file: ${bytes.length}`,
    '\tParse Signed File',
    '\t----------------',
    `Version:\t${f.version.major}.${f.version.minor}`,
    `HeaderLength:\t${f.headerLength} (BYTES)`,
    ...headerTable(f.header, opts.timeZone),
    signatureVerdict(bytes, f.header, opts.trusted),
    `Payload (${f.payload.length} bytes):`,
    new TextDecoder().decode(f.payload).replace(/\n$/, ''),
    '',
  ];
  return ok(lines.join('\n'));
}

function inspectEncSgn(bytes: Uint8Array, opts: InspectOptions): Result<string, UclabError> {
  const r = parseEncSgn(bytes);
  if (!r.ok) return r;
  const f = r.value;
  const e = f.encryption;
  const lines = [
    `Length of encrypted file: ${bytes.length}`,
    '\tParse Encrypted File',
    '\t----------------',
    `Version:\t${f.version.major}.${f.version.minor}`,
    `HeaderLength:\t${f.headerLength} (BYTES)`,
    ...headerTable(f.header, opts.timeZone),
    signatureVerdict(bytes, f.header, opts.trusted),
    `Encrypted payload: ${f.ciphertext.length} bytes, AES-128-CBC, ${e.paddingCount} bytes of padding`,
    `Config key: ${e.encryptedKey.length} bytes, RSA PKCS#1 v1.5 to a ${e.keySizeBits}-bit device key (LSC or MIC)`,
    `Plaintext hash (${HASHES[e.plaintextHashAlgorithm === 'sha1' ? 1 : e.plaintextHashAlgorithm === 'sha256' ? 2 : 3]}): ${spacedHex(e.plaintextHash)}`,
    '',
  ];
  return ok(lines.join('\n'));
}

// ---------------------------------------------------------------------------------------------
// Certificates
// ---------------------------------------------------------------------------------------------

const SIG_ALGS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
};

function signatureAlgorithmOf(der: Uint8Array): string {
  const top = readDer(der, 0);
  if (!top.ok) return 'unknown';
  const kids = derChildren(top.value);
  if (!kids.ok || !kids.value[1]) return 'unknown';
  const alg = derChildren(kids.value[1]);
  if (!alg.ok || !alg.value[0]) return 'unknown';
  const oid = decodeOid(alg.value[0].value);
  return SIG_ALGS[oid] ?? oid;
}

const colonFp = (der: Uint8Array, alg: string) => colonHex(createHash(alg).update(der).digest());

/** An `openssl x509 -text`-like summary with the CUCM DN form; `where` names it in errors. */
export function describeCertificate(der: Uint8Array, where = 'certificate'): Result<string, UclabError> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(der);
  } catch (e) {
    return err(inspectError('bad-certificate', `not a valid X.509 certificate: ${(e as Error).message}`));
  }
  const f = certificateFields(der);
  if (!f.ok) return f;
  const k = publicKeyOf(cert, where);
  if (!k.ok) return k;
  const key = k.value;
  const d = key.asymmetricKeyDetails;
  const keyText =
    key.asymmetricKeyType === 'rsa'
      ? `RSA (${d?.modulusLength} bit), exponent ${d?.publicExponent}`
      : key.asymmetricKeyType === 'ec'
        ? `EC (${d?.namedCurve})`
        : String(key.asymmetricKeyType);
  const lines = [
    'Certificate:',
    `    Serial Number: ${colonHex(f.value.serial)}`,
    `    Signature Algorithm: ${signatureAlgorithmOf(der)}`,
    `    Issuer: ${ciscoDn(f.value.issuer)}`,
    `    Validity`,
    `        Not Before: ${cert.validFrom}`,
    `        Not After : ${cert.validTo}`,
    `    Subject: ${ciscoDn(f.value.subject)}`,
    `    Public Key: ${keyText}`,
    `    CA: ${cert.ca ? 'TRUE' : 'FALSE'}${cert.issuer === cert.subject ? ' (self-signed)' : ''}`,
  ];
  if (cert.subjectAltName) lines.push(`    Subject Alternative Name: ${cert.subjectAltName}`);
  if (cert.keyUsage?.length) lines.push(`    Extended Key Usage: ${cert.keyUsage.join(', ')}`);
  lines.push(
    `    SHA1 Fingerprint: ${colonFp(der, 'sha1')}`,
    `    SHA256 Fingerprint: ${colonFp(der, 'sha256')}`,
    `    MD5 (certHash): ${createHash('md5').update(der).digest('hex')}`,
    `    Length: ${der.length} bytes`,
  );
  return ok(lines.join('\n'));
}

function pemBlocks(text: string, labels: RegExp): Uint8Array[] {
  const out: Uint8Array[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (labels.test(m[1]!)) out.push(new Uint8Array(Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64')));
  }
  return out;
}

function inspectCertificates(bytes: Uint8Array): Result<string, UclabError> {
  const text = Buffer.from(bytes).toString('latin1');
  const ders = text.trimStart().startsWith('-----BEGIN')
    ? pemBlocks(text, /^(X509 |TRUSTED )?CERTIFICATE$/)
    : [bytes];
  if (ders.length === 0)
    return err(inspectError('no-certificate', 'the PEM file holds no CERTIFICATE block'));
  const parts: string[] = [];
  for (const [i, der] of ders.entries()) {
    const d = describeCertificate(der, ders.length > 1 ? `certificate ${i + 1}` : 'certificate');
    if (!d.ok) return d;
    parts.push(d.value);
  }
  return ok(`${parts.join('\n\n')}\n`);
}

/** The certificates of a PKCS#7 SignedData (DER). */
export function pkcs7Certificates(der: Uint8Array): Result<Uint8Array[], FormatError> {
  const top = readDer(der, 0);
  if (!top.ok) return top;
  const ci = derChildren(top.value);
  if (!ci.ok) return ci;
  const [oid, content] = ci.value;
  if (oid?.tag !== 0x06 || content?.tag !== 0xa0 || decodeOid(oid.value) !== '1.2.840.113549.1.7.2') {
    return err(inspectError('not-pkcs7', 'not a PKCS#7 SignedData ContentInfo'));
  }
  const sd = readDer(content.value, 0);
  if (!sd.ok) return sd;
  const fields = derChildren(sd.value);
  if (!fields.ok) return fields;
  const certSet = fields.value.find((n) => n.tag === 0xa0);
  if (!certSet) return ok([]);
  const certs = derChildren(certSet);
  if (!certs.ok) return certs;
  return ok(certs.value.filter((n) => n.tag === 0x30).map((n) => n.raw));
}

function inspectPkcs7(bytes: Uint8Array): Result<string, UclabError> {
  const text = Buffer.from(bytes).toString('latin1');
  let der = bytes;
  if (text.trimStart().startsWith('-----BEGIN')) {
    const blocks = pemBlocks(text, /^(PKCS7|CMS)$/);
    if (!blocks[0]) return err(inspectError('no-pkcs7', 'the PEM file holds no PKCS7 block'));
    der = blocks[0];
  }
  const certs = pkcs7Certificates(der);
  if (!certs.ok) return certs;
  const parts = [
    `PKCS#7 SignedData with ${certs.value.length} certificate${certs.value.length === 1 ? '' : 's'}`,
  ];
  for (const [i, c] of certs.value.entries()) {
    const d = describeCertificate(c, `PKCS#7 certificate ${i + 1}`);
    if (!d.ok) return d;
    parts.push(`Certificate #${i + 1}\n${d.value}`);
  }
  return ok(`${parts.join('\n\n')}\n`);
}
