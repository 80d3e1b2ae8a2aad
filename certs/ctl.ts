/**
 * CTLFile.tlv / ITLFile.tlv: a signed TLV header followed by trust records, nothing in between and
 * nothing after (docs/reference/trust-files.md §1). Header version 1.2; records as in §1.3; roles as in §1.4.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { err, type FormatError, ok, type Result, type UclabError } from '../emulator/result.ts';
import { ciscoIssuer, ciscoSubject, type DnStyle, serialBytes, signatureValue } from './cisco-dn.ts';
import {
  buildSignedFile,
  bytesEqual,
  checkFixedLengths,
  concatBytes,
  DIGEST_CODE,
  decodeString,
  encodeElement,
  encodeString,
  findOne,
  parseSignedHeader,
  publicKeyOf,
  readElements,
  readU16,
  requireOne,
  type SignedFileInfo,
  type SignerInput,
  signedFileInfo,
  type TlvElement,
  tlvError,
  u8,
  u16,
  verifySignedFile,
} from './tlv.ts';

export type TrustListKind = 'CTL' | 'ITL';

/** Record tags, docs/reference/trust-files.md §1.3. */
export const RecordTag = {
  RECORD_LENGTH: 1,
  DNS_NAME: 2,
  SUBJECT_NAME: 3,
  FUNCTION: 4,
  ISSUER_NAME: 5,
  SERIAL_NUMBER: 6,
  PUBLIC_KEY: 7,
  SIGNATURE: 8,
  CERTIFICATE: 9,
  IP_ADDRESS: 10,
  CERT_HASH: 11,
  HASH_ALGORITHM: 12,
} as const;

/** Record tag names as `show ctl` prints them (docs/reference/trust-files.md §1.7); `show itl` prints tag 5 as ISSUENAME (seed 003). */
export const RECORD_TAG_NAMES: Readonly<Record<number, string>> = {
  1: 'RECORDLENGTH',
  2: 'DNSNAME',
  3: 'SUBJECTNAME',
  4: 'FUNCTION',
  5: 'ISSUERNAME',
  6: 'SERIALNUMBER',
  7: 'PUBLICKEY',
  8: 'SIGNATURE',
  9: 'CERTIFICATE',
  10: 'IPADDRESS',
  11: 'CERTHASH',
  12: 'HASH ALGORITHM',
};

/** FUNCTION codes (docs/reference/trust-files.md §1.4). Codes 5 and 6 are not public: they are kept and printed raw. */
export const Role = { SAST: 0, CCM: 1, CCM_TFTP: 2, TFTP: 3, CAPF: 4, APP_SERVER: 7, TVS: 21 } as const;

const ROLE_NAMES: Readonly<Record<number, string>> = {
  0: 'System Administrator Security Token',
  1: 'CCM',
  2: 'CCM+TFTP',
  3: 'TFTP',
  4: 'CAPF',
  7: 'APP-SERVER',
  21: 'TVS',
};

export interface TrustRole {
  readonly code: number;
  /** `show ctl` wording; the raw number for unknown codes. */
  readonly name: string;
}

export function role(code: number): TrustRole {
  return { code, name: ROLE_NAMES[code] ?? String(code) };
}

export interface TrustRecord {
  readonly dnsName: string;
  readonly subjectName: string;
  readonly role: TrustRole;
  readonly issuerName: string;
  readonly serial: Uint8Array;
  /** RSA: DER PKCS#1 RSAPublicKey; EC: X9.62 uncompressed point. */
  readonly publicKey: Uint8Array;
  /** The certificate's signatureValue; absent in hardware eToken records. */
  readonly signature?: Uint8Array;
  /** Full DER certificate. */
  readonly certificate?: Uint8Array;
  /** Dotted IPv4 (4 bytes) or IPv6 text (16 bytes). */
  readonly ipAddress?: string;
  /** Record tag 11: a hash of the certificate (records that carry a hash instead of the cert). */
  readonly certHash?: Uint8Array;
  /** Record tag 12: same coding as header tag 8 (1 SHA-1, 3 SHA-512). */
  readonly hashAlgorithm?: number;
}

export interface ParsedTrustRecord extends TrustRecord {
  /** Offset of the record's RECORDLENGTH tag in the file. */
  readonly offset: number;
  readonly recordLength: number;
  /** The record's elements in file order (RECORDLENGTH included). */
  readonly elements: readonly TlvElement[];
}

export interface TrustList extends SignedFileInfo {
  readonly kind: TrustListKind;
  readonly records: readonly ParsedTrustRecord[];
}

/** `CTLFile.tlv` / `ITLFile.tlv`: the name served by TFTP and carried inside every variant (docs/reference/trust-files.md §1.6). */
export function trustListFilename(kind: TrustListKind): string {
  return `${kind}File.tlv`;
}

/** The per-device name the phone asks for first: `CTLSEP<MAC>.tlv` / `ITLSEP<MAC>.tlv` (docs/reference/trust-files.md §1.6). */
export function perDeviceTrustListFilename(kind: TrustListKind, mac: string): string {
  return `${kind}SEP${mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase()}.tlv`;
}

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

function encodeIp(ip: string): Uint8Array {
  if (ip.includes(':')) {
    // IPv6: expand "::" and write 16 bytes.
    const [head, tail] = ip.split('::') as [string, string | undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
    return concatBytes(groups.map((g) => u16(Number.parseInt(g, 16) || 0)));
  }
  return Uint8Array.from(ip.split('.').map((p) => Number(p) & 0xff));
}

function decodeIp(v: Uint8Array): string {
  if (v.length === 16) {
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) groups.push(readU16(v, i).toString(16));
    return groups.join(':');
  }
  return Array.from(v).join('.');
}

/** Encodes one record in CUCM order 1,2,3,4,5,6,7,8,9,10 then 11,12 (docs/reference/trust-files.md §1.3). */
export function encodeTrustRecord(record: TrustRecord): Uint8Array {
  const parts = [
    encodeElement(RecordTag.DNS_NAME, encodeString(record.dnsName)),
    encodeElement(RecordTag.SUBJECT_NAME, encodeString(record.subjectName)),
    encodeElement(RecordTag.FUNCTION, u16(record.role.code)),
    encodeElement(RecordTag.ISSUER_NAME, encodeString(record.issuerName)),
    encodeElement(RecordTag.SERIAL_NUMBER, record.serial),
    encodeElement(RecordTag.PUBLIC_KEY, record.publicKey),
  ];
  if (record.signature) parts.push(encodeElement(RecordTag.SIGNATURE, record.signature));
  if (record.certificate) parts.push(encodeElement(RecordTag.CERTIFICATE, record.certificate));
  if (record.ipAddress !== undefined)
    parts.push(encodeElement(RecordTag.IP_ADDRESS, encodeIp(record.ipAddress)));
  if (record.certHash) parts.push(encodeElement(RecordTag.CERT_HASH, record.certHash));
  if (record.hashAlgorithm !== undefined)
    parts.push(encodeElement(RecordTag.HASH_ALGORITHM, u8(record.hashAlgorithm)));
  const body = concatBytes(parts);
  return concatBytes([encodeElement(RecordTag.RECORD_LENGTH, u16(body.length + 5)), body]);
}

/** The PUBLICKEY value: DER PKCS#1 RSAPublicKey for RSA, the X9.62 uncompressed point for EC (docs/reference/trust-files.md §1.3). */
export function recordPublicKey(cert: X509Certificate): Uint8Array {
  const key = cert.publicKey;
  if (key.asymmetricKeyType === 'rsa') return new Uint8Array(key.export({ type: 'pkcs1', format: 'der' }));
  if (key.asymmetricKeyType === 'ec') {
    const jwk = key.export({ format: 'jwk' });
    return concatBytes([
      Uint8Array.of(4),
      Buffer.from(jwk.x!, 'base64url'),
      Buffer.from(jwk.y!, 'base64url'),
    ]);
  }
  // Not seen in any Cisco file: the SubjectPublicKeyInfo DER is the most useful stand-in (approximation).
  return new Uint8Array(key.export({ type: 'spki', format: 'der' }));
}

export interface RecordOptions {
  /** DNSNAME; "" (written as a lone NUL) for tokens. */
  readonly dnsName?: string;
  /** IPADDRESS. CUCM always writes the 4-byte tag (even for tokens), so the default is 0.0.0.0; null omits it. */
  readonly ipAddress?: string | null;
  /** A hardware eToken record: no SIGNATURE (tag 8), as in Cisco dumps (docs/reference/trust-files.md §1.3). */
  readonly etoken?: boolean;
  /** DN style for SUBJECTNAME/ISSUERNAME (`etoken` for hardware SAST tokens). */
  readonly dnStyle?: DnStyle;
  /**
   * Write CERTHASH (11) + HASH ALGORITHM (12) instead of CERTIFICATE (9), as in the TVS record of a
   * real ITL (seed 003). Off by default (docs/reference/README.md §4).
   */
  readonly certHash?: 'sha1' | 'sha512';
}

/** A trust record from a certificate, as CUCM writes it. */
export function recordFromCertificate(
  cert: X509Certificate,
  roleCode: number,
  opts: RecordOptions = {},
): TrustRecord {
  const der = new Uint8Array(cert.raw);
  const style = opts.dnStyle ?? 'cucm';
  const ip = opts.ipAddress === undefined ? '0.0.0.0' : opts.ipAddress;
  return {
    dnsName: opts.dnsName ?? '',
    subjectName: ciscoSubject(cert, style),
    role: role(roleCode),
    issuerName: ciscoIssuer(cert, style),
    serial: serialBytes(cert),
    publicKey: recordPublicKey(cert),
    ...(opts.etoken ? {} : { signature: signatureValue(cert) }),
    ...(opts.certHash
      ? {
          certHash: new Uint8Array(createHash(opts.certHash).update(der).digest()),
          hashAlgorithm: DIGEST_CODE[opts.certHash],
        }
      : { certificate: der }),
    ...(ip === null ? {} : { ipAddress: ip }),
  };
}

const RECORD_KNOWN = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
const RECORD_FIXED: Readonly<Record<number, number>> = { 4: 2, 12: 1 };

function parseRecords(
  bytes: Uint8Array,
  start: number,
  what: string,
): Result<ParsedTrustRecord[], FormatError> {
  const records: ParsedTrustRecord[] = [];
  let pos = start;
  while (pos < bytes.length) {
    const left = bytes.length - pos;
    if (left < 5 && bytes[pos] === RecordTag.RECORD_LENGTH) {
      return err(
        tlvError(what, pos, 'truncated', `record #${records.length + 1} is cut off after ${left} bytes`),
      );
    }
    if (left < 5 || bytes[pos] !== RecordTag.RECORD_LENGTH || readU16(bytes, pos + 1) !== 2) {
      return err(
        tlvError(
          what,
          pos,
          'trailing-bytes',
          `${left} bytes after ${records.length ? `record #${records.length}` : 'the header'} do not start a trust record (RECORDLENGTH)`,
        ),
      );
    }
    const recordLength = readU16(bytes, pos + 3);
    if (recordLength < 5) {
      return err(tlvError(what, pos, 'record-length-mismatch', `RECORDLENGTH ${recordLength} is too small`));
    }
    if (pos + recordLength > bytes.length) {
      return err(
        tlvError(
          what,
          pos,
          'length-past-end',
          `RECORDLENGTH ${recordLength} runs past the end of the file (${left} bytes left)`,
        ),
      );
    }
    const end = pos + recordLength;
    const r = readElements(bytes, pos + 5, end, {
      what,
      known: RECORD_KNOWN,
      containers: new Set(),
      padding: false,
      overrunCode: 'record-length-mismatch',
      overrunMessage: `the elements of record #${records.length + 1} do not end at RECORDLENGTH ${recordLength}`,
    });
    if (!r.ok) return r;
    const elements: TlvElement[] = [
      { tag: 1, offset: pos, length: 2, value: bytes.subarray(pos + 3, pos + 5) },
      ...r.value,
    ];
    const fixedErr = checkFixedLengths(what, r.value, RECORD_FIXED);
    if (fixedErr) return err(fixedErr);
    const req = (tag: number) => requireOne(what, r.value, tag, pos);
    const opt = (tag: number) => findOne(what, r.value, tag);
    const subject = req(RecordTag.SUBJECT_NAME);
    if (!subject.ok) return subject;
    const fn = req(RecordTag.FUNCTION);
    if (!fn.ok) return fn;
    const issuer = req(RecordTag.ISSUER_NAME);
    if (!issuer.ok) return issuer;
    const serial = req(RecordTag.SERIAL_NUMBER);
    if (!serial.ok) return serial;
    const optional = [2, 7, 8, 9, 10, 11, 12].map(opt);
    for (const o of optional) if (!o.ok) return o;
    const [dns, pub, sig, cert, ip, hash, hashAlg] = optional.map((o) => (o.ok ? o.value : undefined));
    if (ip && ip.length !== 4 && ip.length !== 16) {
      return err(
        tlvError(
          what,
          ip.offset,
          'bad-element-length',
          `IPADDRESS has length ${ip.length}, expected 4 or 16`,
        ),
      );
    }
    records.push({
      offset: pos,
      recordLength,
      elements,
      dnsName: dns ? decodeString(dns.value) : '',
      subjectName: decodeString(subject.value.value),
      role: role(readU16(fn.value.value)),
      issuerName: decodeString(issuer.value.value),
      serial: serial.value.value,
      publicKey: pub ? pub.value : new Uint8Array(0),
      ...(sig ? { signature: sig.value } : {}),
      ...(cert ? { certificate: cert.value } : {}),
      ...(ip ? { ipAddress: decodeIp(ip.value) } : {}),
      ...(hash ? { certHash: hash.value } : {}),
      ...(hashAlg ? { hashAlgorithm: hashAlg.value[0]! } : {}),
    });
    pos = end;
  }
  return ok(records);
}

// ---------------------------------------------------------------------------------------------
// File
// ---------------------------------------------------------------------------------------------

export interface BuildTrustListOptions {
  readonly kind: TrustListKind;
  readonly signer: SignerInput;
  /** Default SHA-1 (docs/reference/README.md §4). */
  readonly digest?: 'sha1' | 'sha512';
  /** Default `CTLFile.tlv` / `ITLFile.tlv`, also for the per-MAC variants (docs/reference/trust-files.md §1.6). */
  readonly filename?: string;
  /** Unix seconds. */
  readonly timestamp: number;
  readonly records: readonly TrustRecord[];
  /** Header tag 28 (`tlvfile`, for EC-capable phones); omitted by default. */
  readonly signerVersion?: readonly [number, number];
}

/** Builds a signed CTL/ITL, header version 1.2, header order 1,2,3{4,5,6},7{8,9{10,11}},12,14,15,pad (docs/reference/trust-files.md §1.2, §1.5). */
export function buildTrustList(opts: BuildTrustListOptions): Result<Uint8Array, UclabError> {
  const what = `${opts.kind} file`;
  let body: Uint8Array;
  try {
    body = concatBytes(opts.records.map(encodeTrustRecord));
  } catch (e) {
    return err({ code: 'tlv.record-too-long', message: `${what}: ${(e as Error).message}` });
  }
  const built = buildSignedFile({
    what,
    version: [1, 2],
    signer: opts.signer,
    digest: opts.digest ?? 'sha1',
    filename: opts.filename ?? trustListFilename(opts.kind),
    timestamp: opts.timestamp,
    ...(opts.signerVersion ? { signerVersion: opts.signerVersion } : {}),
    body,
  });
  return built.ok ? ok(built.value.bytes) : built;
}

export interface ParseTrustListOptions {
  /** Force the kind; by default it is read from FILENAME (`ITL...` → ITL, otherwise CTL). */
  readonly kind?: TrustListKind;
}

/** Parses a CTL/ITL. Never throws; every malformed input is a `tlv.*` FormatError with its offset. */
export function parseTrustList(
  bytes: Uint8Array,
  opts: ParseTrustListOptions = {},
): Result<TrustList, FormatError> {
  const what = opts.kind ? `${opts.kind} file` : 'CTL/ITL file';
  const header = parseSignedHeader(bytes, { what, versionMajors: [1] });
  if (!header.ok) return header;
  const h = header.value;
  const kind: TrustListKind = opts.kind ?? (/^ITL/i.test(h.filename) ? 'ITL' : 'CTL');
  const records = parseRecords(bytes, h.headerLength, `${kind} file`);
  if (!records.ok) return records;
  return ok({ kind, ...signedFileInfo(bytes, h), records: records.value });
}

export interface TrustListVerifyError extends UclabError {
  readonly reason: 'signer-not-found' | 'signature-mismatch';
}

export interface TrustListVerification {
  /** The certificate whose key verified the signature. */
  readonly cert: X509Certificate;
  /** Where it came from: the caller's candidates or the file's own records. */
  readonly source: 'candidate' | 'record';
  /** Index in `records` when source is `record`. */
  readonly recordIndex?: number;
}

/** Compares DNs written in different styles (`;`/`,`, quoted, case) as sets of components. */
export function sameDn(a: string, b: string): boolean {
  const norm = (s: string) =>
    s
      .split(/[;,](?=\s*[A-Za-z0-9.]+=)/)
      .map((p) => p.replace(/"/g, '').trim().toLowerCase())
      .filter((p) => p.length > 0)
      .sort()
      .join('|');
  return norm(a) === norm(b);
}

/**
 * Is `cert` the certificate named by a serial number and an issuer DN, as a signed header names its
 * signer (tags 5/6) or a record its certificate (tags 6/5)? A certificate that cannot be read is not.
 */
export function matchesSerialAndIssuer(
  cert: X509Certificate,
  id: { readonly serial: Uint8Array; readonly issuer: string },
): boolean {
  try {
    return bytesEqual(serialBytes(cert), id.serial) && sameDn(ciscoIssuer(cert), id.issuer);
  } catch {
    return false;
  }
}

/**
 * Finds the signer named by header tags 4/5/6 (serial + issuer) among `candidates` (what a phone
 * already trusts) or, when none are given, among the file's own records (what `show ctl` and `tlvfile`
 * do), then verifies the RSA signature over `signedBytes`.
 */
export function verifyTrustList(
  list: TrustList,
  candidates?: readonly X509Certificate[],
): Result<TrustListVerification, TrustListVerifyError> {
  const pool: { cert: X509Certificate; recordIndex?: number }[] = [];
  if (candidates) for (const c of candidates) pool.push({ cert: c });
  else {
    list.records.forEach((r, i) => {
      if (!r.certificate) return;
      try {
        pool.push({ cert: new X509Certificate(r.certificate), recordIndex: i });
      } catch {
        // A record whose CERTIFICATE does not parse cannot be the signer.
      }
    });
  }
  const matches = pool.filter(({ cert }) => matchesSerialAndIssuer(cert, list.signer));
  if (matches.length === 0) {
    return err({
      code: 'trust-list.signer-not-found',
      reason: 'signer-not-found',
      message: `${list.kind} file: no trusted certificate matches the signer ${list.signer.name} (serial ${Buffer.from(list.signer.serial).toString('hex')})`,
    });
  }
  const unreadable: string[] = [];
  for (const m of matches) {
    const where =
      m.recordIndex !== undefined
        ? `${list.kind} record ${m.recordIndex + 1} at byte ${list.records[m.recordIndex]?.offset ?? 0}`
        : `trusted certificate ${m.cert.subject.replace(/\n/g, ', ')}`;
    const key = publicKeyOf(m.cert, where);
    if (!key.ok) {
      unreadable.push(key.error.message);
      continue;
    }
    if (verifySignedFile(list, key.value)) {
      return ok({
        cert: m.cert,
        source: candidates ? 'candidate' : 'record',
        ...(m.recordIndex !== undefined ? { recordIndex: m.recordIndex } : {}),
      });
    }
  }
  if (unreadable.length === matches.length) {
    // The signer is named, but its key cannot be read: the signature cannot be checked at all.
    return err({
      code: 'trust-list.bad-signer-key',
      reason: 'signature-mismatch',
      message: `${list.kind} file: the signature cannot be verified: ${unreadable.join('; ')}`,
    });
  }
  return err({
    code: 'trust-list.signature-mismatch',
    reason: 'signature-mismatch',
    message: `${list.kind} file: the signature does not verify with the key of ${list.signer.name}`,
  });
}
