/**
 * The signed header shared by CTLFile.tlv / ITLFile.tlv, `.sgn` and `.enc.sgn` (docs/reference/trust-files.md §1.2,
 * docs/reference/trust-files.md §1.5, §2, §3): parsing and checking it, verifying its RSA PKCS#1 v1.5 signature over the file
 * minus the SIGNATURE TLV, and building (signing) it. The element codec underneath is tlv-element.ts,
 * re-exported here so that every TLV name is importable from this one module.
 *
 * Parsing returns a `Result` with a FormatError naming the byte offset; it never throws on malformed
 * input.
 */
import { type KeyObject, sign, verify, X509Certificate } from 'node:crypto';
import { err, type FormatError, ok, type Result, type UclabError } from '../emulator/result.ts';
import { ciscoIssuer, ciscoSubject, serialBytes } from './cisco-dn.ts';
import {
  concatBytes,
  DIGEST_CODE,
  type DigestName,
  decodeString,
  digestFromCode,
  encodeContainer,
  encodeElement,
  encodeString,
  flatten,
  HEADER_TAG_NAMES,
  HeaderTag,
  MODULUS_BITS,
  readElements,
  readU16,
  readU32,
  type TlvElement,
  tlvError,
  u8,
  u16,
  u32,
} from './tlv-element.ts';

export * from './tlv-element.ts';

// ---------------------------------------------------------------------------------------------
// The signed header (CTL/ITL, .sgn, .enc.sgn)
// ---------------------------------------------------------------------------------------------

export interface SignerId {
  /** SIGNERNAME (tag 4): the signer's subject DN as written in the file. */
  readonly name: string;
  /** SERIALNUMBER (tag 5): raw big-endian bytes. */
  readonly serial: Uint8Array;
  /** CANAME (tag 6): the signer's issuer DN. */
  readonly issuer: string;
}

export interface SignedHeader {
  readonly version: { readonly major: number; readonly minor: number };
  readonly headerLength: number;
  readonly signerVersion?: { readonly major: number; readonly minor: number };
  readonly signer: SignerId;
  readonly digest: DigestName;
  readonly signatureAlgorithm: number;
  readonly modulusIndex: number;
  readonly signatureModulusBits: number;
  readonly signature: Uint8Array;
  /** Offset and total size (3 + signature length) of the SIGNATURE TLV. */
  readonly signatureTlv: { readonly offset: number; readonly size: number };
  readonly filename: string;
  readonly timestamp: number;
  /** Top-level header elements in file order (containers carry their children). */
  readonly elements: readonly TlvElement[];
}

export interface HeaderRules {
  readonly what: string;
  /** Accepted major versions (1 for CTL/ITL/.sgn, 2 for .enc.sgn). */
  readonly versionMajors: readonly number[];
  /** Tags allowed beyond 1-15 and 28. */
  readonly extraTags?: readonly number[];
  readonly extraContainers?: readonly number[];
}

const BASE_TAGS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 28];
const BASE_CONTAINERS = [3, 7, 9];

/** Fixed value sizes; a mismatch is `tlv.bad-element-length`. */
const FIXED_LENGTH: Readonly<Record<number, number>> = {
  1: 2,
  2: 2,
  8: 1,
  10: 1,
  11: 1,
  15: 4,
  18: 1,
  19: 16,
  20: 2,
  22: 1,
  23: 2,
  24: 1,
  26: 1,
  28: 2,
};

/** Checks fixed-size elements anywhere in the tree. */
export function checkFixedLengths(
  what: string,
  elements: readonly TlvElement[],
  fixed: Readonly<Record<number, number>> = FIXED_LENGTH,
): FormatError | undefined {
  for (const e of flatten(elements)) {
    const want = fixed[e.tag];
    if (want !== undefined && e.length !== want && !(e.tag === HeaderTag.PADDING)) {
      return tlvError(
        what,
        e.offset,
        'bad-element-length',
        `tag ${e.tag} has length ${e.length}, expected ${want}`,
      );
    }
  }
  return undefined;
}

/** Finds the single element with `tag` anywhere in the tree; a duplicate is an error. */
export function findOne(
  what: string,
  elements: readonly TlvElement[],
  tag: number,
): Result<TlvElement | undefined, FormatError> {
  const hits = flatten(elements).filter((e) => e.tag === tag);
  if (hits.length > 1)
    return err(tlvError(what, hits[1]!.offset, 'duplicate-element', `tag ${tag} appears twice`));
  return ok(hits[0]);
}

/** Like findOne, but a missing element is `tlv.missing-element` at `missingOffset`. */
export function requireOne(
  what: string,
  elements: readonly TlvElement[],
  tag: number,
  missingOffset: number,
): Result<TlvElement, FormatError> {
  const r = findOne(what, elements, tag);
  if (!r.ok) return r;
  if (!r.value) {
    const name = HEADER_TAG_NAMES[tag] ?? `tag ${tag}`;
    return err(
      tlvError(what, missingOffset, 'missing-element', `required element ${name} (tag ${tag}) is missing`),
    );
  }
  return ok(r.value);
}

/**
 * Parses the header common to CTL/ITL, .sgn and .enc.sgn. Checks: empty input, VERSION first and
 * HEADERLENGTH second, version major, HeaderLength within the file / a multiple of 4 / equal to where
 * the elements end, unknown tags, truncation, lengths past the end, container lengths, fixed element
 * sizes, required elements, digest and modulus codes, signature size.
 */
export function parseSignedHeader(bytes: Uint8Array, rules: HeaderRules): Result<SignedHeader, FormatError> {
  const { what } = rules;
  if (bytes.length === 0) return err(tlvError(what, 0, 'empty', 'the file is empty'));
  if (bytes.length < 10) {
    return err(
      tlvError(what, 0, 'truncated', `only ${bytes.length} bytes, too short for VERSION and HEADERLENGTH`),
    );
  }
  if (bytes[0] !== HeaderTag.VERSION || readU16(bytes, 1) !== 2) {
    return err(tlvError(what, 0, 'unexpected-tag', 'the file does not start with VERSION (tag 1, length 2)'));
  }
  const major = bytes[3]!;
  const minor = bytes[4]!;
  if (!rules.versionMajors.includes(major)) {
    return err(
      tlvError(
        what,
        3,
        'bad-version',
        `version ${major}.${minor}, expected ${rules.versionMajors.join(' or ')}.x`,
      ),
    );
  }
  if (bytes[5] !== HeaderTag.HEADER_LENGTH || readU16(bytes, 6) !== 2) {
    return err(
      tlvError(what, 5, 'unexpected-tag', 'VERSION is not followed by HEADERLENGTH (tag 2, length 2)'),
    );
  }
  const headerLength = readU16(bytes, 8);
  if (headerLength > bytes.length) {
    return err(
      tlvError(
        what,
        8,
        'header-length-beyond-file',
        `HeaderLength ${headerLength} is beyond the file (${bytes.length} bytes)`,
      ),
    );
  }
  if (headerLength % 4 !== 0) {
    return err(
      tlvError(what, 8, 'header-length-unaligned', `HeaderLength ${headerLength} is not a multiple of 4`),
    );
  }
  if (headerLength < 10) {
    return err(
      tlvError(
        what,
        8,
        'header-length-mismatch',
        `HeaderLength ${headerLength} is shorter than VERSION and HEADERLENGTH`,
      ),
    );
  }
  const known = new Set([...BASE_TAGS, ...(rules.extraTags ?? [])]);
  const containers = new Set([...BASE_CONTAINERS, ...(rules.extraContainers ?? [])]);
  const rest = readElements(bytes, 10, headerLength, {
    what,
    known,
    containers,
    padding: true,
    overrunCode: 'header-length-mismatch',
    overrunMessage: `an element runs past HeaderLength ${headerLength}`,
  });
  if (!rest.ok) return rest;
  const elements: TlvElement[] = [
    { tag: 1, offset: 0, length: 2, value: bytes.subarray(3, 5) },
    { tag: 2, offset: 5, length: 2, value: bytes.subarray(8, 10) },
    ...rest.value,
  ];
  // Tags that must sit inside their container must not appear at top level, and vice versa.
  for (const e of rest.value) {
    if ([4, 5, 6, 8, 9, 10, 11].includes(e.tag)) {
      return err(tlvError(what, e.offset, 'misplaced-element', `tag ${e.tag} must be inside its container`));
    }
    if ([1, 2].includes(e.tag))
      return err(tlvError(what, e.offset, 'duplicate-element', `tag ${e.tag} appears twice`));
  }
  const fixed = checkFixedLengths(what, elements);
  if (fixed) return err(fixed);

  const req = (tag: number) => requireOne(what, elements, tag, headerLength);
  const signerId = req(HeaderTag.SIGNER_ID);
  if (!signerId.ok) return signerId;
  const inSigner = (tag: number) =>
    requireOne(what, signerId.value.children ?? [], tag, signerId.value.offset);
  const name = inSigner(HeaderTag.SIGNER_NAME);
  if (!name.ok) return name;
  const serial = inSigner(HeaderTag.SERIAL_NUMBER);
  if (!serial.ok) return serial;
  const ca = inSigner(HeaderTag.CA_NAME);
  if (!ca.ok) return ca;
  const sigInfo = req(HeaderTag.SIGNATURE_INFO);
  if (!sigInfo.ok) return sigInfo;
  const inInfo = (tag: number) => requireOne(what, sigInfo.value.children ?? [], tag, sigInfo.value.offset);
  const digestEl = inInfo(HeaderTag.DIGEST_ALGORITHM);
  if (!digestEl.ok) return digestEl;
  const algoInfo = inInfo(HeaderTag.SIGNATURE_ALGO_INFO);
  if (!algoInfo.ok) return algoInfo;
  const inAlgo = (tag: number) => requireOne(what, algoInfo.value.children ?? [], tag, algoInfo.value.offset);
  const algo = inAlgo(HeaderTag.SIGNATURE_ALGORITHM);
  if (!algo.ok) return algo;
  const modulus = inAlgo(HeaderTag.SIGNATURE_MODULUS);
  if (!modulus.ok) return modulus;
  const sig = req(HeaderTag.SIGNATURE);
  if (!sig.ok) return sig;
  const filename = req(HeaderTag.FILENAME);
  if (!filename.ok) return filename;
  const timestamp = req(HeaderTag.TIMESTAMP);
  if (!timestamp.ok) return timestamp;
  const signerVersion = findOne(what, elements, HeaderTag.SIGNER_VERSION);
  if (!signerVersion.ok) return signerVersion;

  const digest = digestFromCode(digestEl.value.value[0]!);
  if (!digest) {
    return err(
      tlvError(
        what,
        digestEl.value.offset,
        'bad-value',
        `unknown digest algorithm ${digestEl.value.value[0]}`,
      ),
    );
  }
  const modulusIndex = modulus.value.value[0]!;
  const bits = MODULUS_BITS[modulusIndex];
  if (bits === undefined) {
    return err(
      tlvError(what, modulus.value.offset, 'bad-value', `unknown signature modulus index ${modulusIndex}`),
    );
  }
  if (sig.value.length !== bits / 8) {
    return err(
      tlvError(
        what,
        sig.value.offset,
        'signature-length-mismatch',
        `SIGNATURE is ${sig.value.length} bytes but SIGNATUREMODULUS says ${bits} bits`,
      ),
    );
  }
  const sv = signerVersion.value;
  return ok({
    version: { major, minor },
    headerLength,
    ...(sv ? { signerVersion: { major: sv.value[0]!, minor: sv.value[1]! } } : {}),
    signer: {
      name: decodeString(name.value.value),
      serial: serial.value.value,
      issuer: decodeString(ca.value.value),
    },
    digest,
    signatureAlgorithm: algo.value.value[0]!,
    modulusIndex,
    signatureModulusBits: bits,
    signature: sig.value.value,
    signatureTlv: { offset: sig.value.offset, size: 3 + sig.value.length },
    filename: decodeString(filename.value.value),
    timestamp: readU32(timestamp.value.value),
    elements,
  });
}

/** A parsed signed file (CTL/ITL, `.sgn`, `.enc.sgn`): the bytes as parsed and their header. */
export interface SignedFile {
  readonly header: SignedHeader;
  readonly bytes: Uint8Array;
}

/** The header fields every parsed signed file also carries at top level. */
export interface SignedFileInfo extends SignedFile {
  readonly version: { readonly major: number; readonly minor: number };
  /** Offset of the first byte after the header (phones log it for `.sgn`, seed 002). */
  readonly headerLength: number;
  readonly signer: SignerId;
  readonly digest: DigestName;
  readonly signatureModulusBits: number;
  readonly signature: Uint8Array;
  readonly filename: string;
  readonly timestamp: number;
}

/** The top-level view of a parsed header, shared by the CTL/ITL, `.sgn` and `.enc.sgn` parsers. */
export function signedFileInfo(bytes: Uint8Array, header: SignedHeader): SignedFileInfo {
  return {
    version: header.version,
    headerLength: header.headerLength,
    signer: header.signer,
    digest: header.digest,
    signatureModulusBits: header.signatureModulusBits,
    signature: header.signature,
    filename: header.filename,
    timestamp: header.timestamp,
    header,
    bytes,
  };
}

/** The bytes that were signed: the whole file with the SIGNATURE TLV cut out (docs/reference/trust-files.md §1.5). */
export function signedBytesOf(file: {
  readonly bytes: Uint8Array;
  readonly header: Pick<SignedHeader, 'signatureTlv'>;
}): Uint8Array {
  const { offset, size } = file.header.signatureTlv;
  return concatBytes([file.bytes.subarray(0, offset), file.bytes.subarray(offset + size)]);
}

/**
 * A certificate's public key, or a typed error. Node parses some certificates whose key OpenSSL then
 * cannot decode (a malformed RSA exponent length, an EC point off the curve): `publicKey` throws
 * `error:03000072:digital envelope routines::decode error` (docs/reference toolchain facts 4.3).
 * `where` names the certificate for the message (`ITL record 2 at byte 1530`).
 */
export function publicKeyOf(cert: X509Certificate, where: string): Result<KeyObject, UclabError> {
  try {
    return ok(cert.publicKey);
  } catch (e) {
    return err({
      code: 'tlv.bad-public-key',
      message: `${where}: the certificate's public key cannot be decoded (${(e as Error).message})`,
    });
  }
}

/**
 * RSA PKCS#1 v1.5 verification of a parsed file (CTL/ITL, `.sgn`, `.enc.sgn`) against a key or
 * certificate, e.g. the TFTP (CallManager) certificate. A certificate whose key cannot be decoded
 * verifies nothing (publicKeyOf says why).
 */
export function verifySignedFile(
  file: {
    readonly bytes: Uint8Array;
    readonly header: Pick<SignedHeader, 'signatureTlv' | 'digest' | 'signature'>;
  },
  key: KeyObject | X509Certificate,
): boolean {
  let publicKey: KeyObject;
  if (key instanceof X509Certificate) {
    const k = publicKeyOf(key, 'signer');
    if (!k.ok) return false;
    publicKey = k.value;
  } else publicKey = key;
  if (publicKey.asymmetricKeyType !== 'rsa') return false;
  try {
    return verify(file.header.digest, signedBytesOf(file), publicKey, file.header.signature);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

export interface SignerInput {
  readonly cert: X509Certificate;
  readonly key: KeyObject;
  /** Override SIGNERNAME (default: the cert subject in CUCM form), e.g. an eToken-style name. */
  readonly name?: string;
  /** Override CANAME (default: the cert issuer in CUCM form). */
  readonly issuer?: string;
  /** Override SERIALNUMBER (default: the cert serial). Lets a scenario build a mismatching header. */
  readonly serial?: Uint8Array;
}

export interface SignedFileSpec {
  readonly what: string;
  readonly version: readonly [number, number];
  readonly signer: SignerInput;
  readonly digest: DigestName;
  readonly filename: string;
  /** Unix seconds. */
  readonly timestamp: number;
  /** Header tag 28, placed right after HEADERLENGTH (`tlvfile`); omitted by default (docs/reference/trust-files.md §1.2). */
  readonly signerVersion?: readonly [number, number];
  /** Encoded elements placed after TIMESTAMP and before the padding (the `.enc.sgn` tags). */
  readonly extraHeader?: Uint8Array;
  /** What follows the header: trust records, or the payload of a .sgn / .enc.sgn. */
  readonly body: Uint8Array;
}

export interface BuiltSignedFile {
  readonly bytes: Uint8Array;
  readonly headerLength: number;
}

/** Signer identity as it will be written, from a cert (CUCM DN form, minimal serial bytes). */
export function signerIdOf(signer: SignerInput): SignerId {
  return {
    name: signer.name ?? ciscoSubject(signer.cert),
    serial: signer.serial ?? serialBytes(signer.cert),
    issuer: signer.issuer ?? ciscoIssuer(signer.cert),
  };
}

/**
 * Assembles header + body with the signature slot empty, pads with 0x0D so that the header (with the
 * signature TLV) is a multiple of 4, writes HeaderLength, signs, splices `0C len sig` in before
 * FILENAME (docs/reference/trust-files.md §1.5). Header order is CUCM's: 1, 2, [28], 3{4,5,6}, 7{8,9{10,11}}, 12, 14, 15, extra, pad.
 *
 * The key is not checked against the cert on purpose: a scenario may sign with the wrong key.
 */
export function buildSignedFile(spec: SignedFileSpec): Result<BuiltSignedFile, UclabError> {
  const { key } = spec.signer;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa') {
    return err({
      code: 'tlv.signer-not-rsa',
      message: `${spec.what}: the signing key must be an RSA private key (CTL/ITL/.sgn signatures are RSA PKCS#1 v1.5)`,
    });
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  const modulusIndex = MODULUS_BITS.indexOf(bits);
  if (modulusIndex < 0) {
    return err({
      code: 'tlv.unsupported-modulus',
      message: `${spec.what}: a ${bits}-bit signing key has no SIGNATUREMODULUS code (only 512/1024/2048/4096)`,
    });
  }
  const id = signerIdOf(spec.signer);
  const sigLen = bits / 8;
  const before = concatBytes([
    encodeElement(HeaderTag.VERSION, Uint8Array.of(spec.version[0], spec.version[1])),
    encodeElement(HeaderTag.HEADER_LENGTH, u16(0)),
    ...(spec.signerVersion
      ? [encodeElement(HeaderTag.SIGNER_VERSION, Uint8Array.of(spec.signerVersion[0], spec.signerVersion[1]))]
      : []),
    encodeContainer(HeaderTag.SIGNER_ID, [
      encodeElement(HeaderTag.SIGNER_NAME, encodeString(id.name)),
      encodeElement(HeaderTag.SERIAL_NUMBER, id.serial),
      encodeElement(HeaderTag.CA_NAME, encodeString(id.issuer)),
    ]),
    encodeContainer(HeaderTag.SIGNATURE_INFO, [
      encodeElement(HeaderTag.DIGEST_ALGORITHM, u8(DIGEST_CODE[spec.digest])),
      encodeContainer(HeaderTag.SIGNATURE_ALGO_INFO, [
        encodeElement(HeaderTag.SIGNATURE_ALGORITHM, u8(0)),
        encodeElement(HeaderTag.SIGNATURE_MODULUS, u8(modulusIndex)),
      ]),
    ]),
  ]);
  let after = concatBytes([
    encodeElement(HeaderTag.FILENAME, encodeString(spec.filename)),
    encodeElement(HeaderTag.TIMESTAMP, u32(spec.timestamp)),
    spec.extraHeader ?? new Uint8Array(0),
  ]);
  const unpadded = before.length + 3 + sigLen + after.length;
  const pad = (4 - (unpadded % 4)) % 4;
  after = concatBytes([after, new Uint8Array(pad).fill(HeaderTag.PADDING)]);
  const headerLength = unpadded + pad;
  if (headerLength > 0xffff) {
    return err({
      code: 'tlv.header-too-long',
      message: `${spec.what}: header of ${headerLength} bytes exceeds 65535`,
    });
  }
  before.set(u16(headerLength), 8);
  const signed = concatBytes([before, after, spec.body]);
  const signature = sign(spec.digest, signed, key);
  const bytes = concatBytes([before, encodeElement(HeaderTag.SIGNATURE, signature), after, spec.body]);
  return ok({ bytes, headerLength });
}
