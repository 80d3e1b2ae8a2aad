/**
 * The TLV element codec shared by CTLFile.tlv / ITLFile.tlv, `.sgn` and `.enc.sgn` (docs/reference/trust-files.md §1.1, §1.2, §2, §3): the header tags, and elements as tag (1 byte) + length (2 bytes,
 * big-endian) + value, except the padding byte 0x0D which has no length. Containers (3, 7, 9 in every
 * header; 16, 17, 21 in `.enc.sgn`) are stepped into, never skipped. Reading returns a `Result` with a
 * FormatError naming the byte offset; it never throws on malformed input. The signed header built
 * from these elements is tlv.ts.
 */
import { err, type FormatError, ok, type Result } from '../emulator/result.ts';

/** Header tags, docs/reference/trust-files.md §1.2 and §3. */
export const HeaderTag = {
  VERSION: 1,
  HEADER_LENGTH: 2,
  SIGNER_ID: 3,
  SIGNER_NAME: 4,
  SERIAL_NUMBER: 5,
  CA_NAME: 6,
  SIGNATURE_INFO: 7,
  DIGEST_ALGORITHM: 8,
  SIGNATURE_ALGO_INFO: 9,
  SIGNATURE_ALGORITHM: 10,
  SIGNATURE_MODULUS: 11,
  SIGNATURE: 12,
  PADDING: 13,
  FILENAME: 14,
  TIMESTAMP: 15,
  ENCRYPTION_INFO: 16,
  IV_INFO: 17,
  IV_UNKNOWN: 18,
  IV: 19,
  PADDING_COUNT: 20,
  KEY_INFO: 21,
  KEY_UNKNOWN: 22,
  KEY_SIZE: 23,
  KEY_ALGORITHM: 24,
  ENCRYPTED_KEY: 25,
  PLAINTEXT_HASH_ALGORITHM: 26,
  PLAINTEXT_HASH: 27,
  SIGNER_VERSION: 28,
} as const;

/**
 * Names as `show ctl` prints them, Cisco's typos included (docs/reference/trust-files.md §1.7). Tags 16-28 never appear in a Cisco
 * printout: those names are ours (`enccnf`/`tlvfile` meanings), labelled as an approximation.
 */
export const HEADER_TAG_NAMES: Readonly<Record<number, string>> = {
  1: 'VERSION',
  2: 'HEADERLENGTH',
  3: 'SIGNERID',
  4: 'SIGNERNAME',
  5: 'SERIALNUMBER',
  6: 'CANAME',
  7: 'SIGNATUREINFO',
  8: 'DIGESTALGORTITHM',
  9: 'SIGNATUREALGOINFO',
  10: 'SIGNATUREALGORTITHM',
  11: 'SIGNATUREMODULUS',
  12: 'SIGNATURE',
  13: 'PADDING',
  14: 'FILENAME',
  15: 'TIMESTAMP',
  16: 'ENCRYPTIONINFO',
  17: 'IVINFO',
  18: 'IVUNKNOWN',
  19: 'IV',
  20: 'PADDINGCOUNT',
  21: 'KEYINFO',
  22: 'KEYUNKNOWN',
  23: 'KEYSIZE',
  24: 'KEYALGORITHM',
  25: 'ENCRYPTEDKEY',
  26: 'HASHALGORITHM',
  27: 'PLAINTEXTHASH',
  28: 'SIGNERVERSION',
};

/** One decoded element. `offset` is the position of its tag byte in the file. */
export interface TlvElement {
  readonly tag: number;
  readonly offset: number;
  /** Value length (0 for the lone padding byte). */
  readonly length: number;
  /** The value bytes (for a container: the nested block). */
  readonly value: Uint8Array;
  /** Set for containers: the nested elements. */
  readonly children?: readonly TlvElement[];
}

export type DigestName = 'sha1' | 'sha256' | 'sha512';

/** Header tag 8 / record tag 12 / enc tag 26 coding: 1 SHA-1, 2 SHA-256 (defined, unused), 3 SHA-512. */
export const DIGEST_CODE: Readonly<Record<DigestName, number>> = { sha1: 1, sha256: 2, sha512: 3 };

export function digestFromCode(code: number): DigestName | undefined {
  return code === 1 ? 'sha1' : code === 2 ? 'sha256' : code === 3 ? 'sha512' : undefined;
}

/** Header tag 11: modulus index (0=512, 1=1024, 2=2048, 3=4096 bits). */
export const MODULUS_BITS: readonly number[] = [512, 1024, 2048, 4096];

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * Every TLV problem is a `tlv.<code>` FormatError; `what` names the file kind ("CTL file", ".sgn file")
 * so the message reads like a sentence a UC engineer can act on.
 */
export function tlvError(what: string, offset: number, code: string, message: string): FormatError {
  return { format: 'tlv', offset, code: `tlv.${code}`, message: `${what}: ${message} (at byte ${offset})` };
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function encodeElement(tag: number, value: Uint8Array): Uint8Array {
  if (value.length > 0xffff)
    throw new RangeError(`TLV value for tag ${tag} is ${value.length} bytes (max 65535)`);
  const out = new Uint8Array(3 + value.length);
  out[0] = tag;
  out[1] = value.length >> 8;
  out[2] = value.length & 0xff;
  out.set(value, 3);
  return out;
}

export function encodeContainer(tag: number, children: readonly Uint8Array[]): Uint8Array {
  return encodeElement(tag, concatBytes(children));
}

export const u8 = (n: number): Uint8Array => Uint8Array.of(n & 0xff);
export const u16 = (n: number): Uint8Array => Uint8Array.of((n >> 8) & 0xff, n & 0xff);
export const u32 = (n: number): Uint8Array =>
  Uint8Array.of((n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);

/** NUL-terminated UTF-8; the length includes the NUL, so "" is 1 byte (docs/reference/trust-files.md §1.1). */
export function encodeString(s: string): Uint8Array {
  return concatBytes([new TextEncoder().encode(s), Uint8Array.of(0)]);
}

/** Reads a NUL-terminated string; tolerates a missing NUL and stops at the first one. */
export function decodeString(v: Uint8Array): string {
  const nul = v.indexOf(0);
  return Buffer.from(nul >= 0 ? v.subarray(0, nul) : v).toString('utf8');
}

export const readU16 = (v: Uint8Array, at = 0): number => (v[at]! << 8) | v[at + 1]!;
export const readU32 = (v: Uint8Array, at = 0): number =>
  ((v[at]! << 24) | (v[at + 1]! << 16) | (v[at + 2]! << 8) | v[at + 3]!) >>> 0;

// ---------------------------------------------------------------------------------------------
// Element reader
// ---------------------------------------------------------------------------------------------

export interface ReadOptions {
  /** File kind for messages: "CTL file", ".sgn file". */
  readonly what: string;
  /** Tags allowed at this level and below. */
  readonly known: ReadonlySet<number>;
  /** Tags whose value is a nested block of elements. */
  readonly containers: ReadonlySet<number>;
  /** Whether the lone 0x0D padding byte may appear (top level of a header only). */
  readonly padding: boolean;
  /** Error code when an element runs past `end` but not past the file (the block's own length is wrong). */
  readonly overrunCode: string;
  readonly overrunMessage: string;
}

/** Reads the elements between `start` and `end`, stepping into containers. */
export function readElements(
  bytes: Uint8Array,
  start: number,
  end: number,
  opts: ReadOptions,
): Result<TlvElement[], FormatError> {
  const out: TlvElement[] = [];
  let pos = start;
  while (pos < end) {
    const tag = bytes[pos]!;
    if (tag === HeaderTag.PADDING && opts.padding) {
      out.push({ tag, offset: pos, length: 0, value: bytes.subarray(pos, pos) });
      pos += 1;
      continue;
    }
    if (!opts.known.has(tag)) {
      return err(tlvError(opts.what, pos, 'unknown-tag', `unknown tag ${tag}`));
    }
    if (pos + 3 > bytes.length) {
      return err(
        tlvError(opts.what, pos, 'truncated', `element with tag ${tag} is cut off by the end of the file`),
      );
    }
    if (pos + 3 > end) return err(tlvError(opts.what, pos, opts.overrunCode, opts.overrunMessage));
    const length = readU16(bytes, pos + 1);
    const valueEnd = pos + 3 + length;
    if (valueEnd > bytes.length) {
      return err(
        tlvError(
          opts.what,
          pos,
          'length-past-end',
          `tag ${tag} claims ${length} bytes, past the end of the file`,
        ),
      );
    }
    if (valueEnd > end) return err(tlvError(opts.what, pos, opts.overrunCode, opts.overrunMessage));
    const value = bytes.subarray(pos + 3, valueEnd);
    if (opts.containers.has(tag)) {
      const children = readElements(bytes, pos + 3, valueEnd, {
        ...opts,
        padding: false,
        overrunCode: 'container-length-mismatch',
        overrunMessage: `container tag ${tag} at byte ${pos} is shorter than the elements inside it`,
      });
      if (!children.ok) return children;
      out.push({ tag, offset: pos, length, value, children: children.value });
    } else {
      out.push({ tag, offset: pos, length, value });
    }
    pos = valueEnd;
  }
  return ok(out);
}

/** Depth-first list of all elements (containers before their children). */
export function flatten(elements: readonly TlvElement[]): TlvElement[] {
  const out: TlvElement[] = [];
  for (const e of elements) {
    out.push(e);
    if (e.children) out.push(...flatten(e.children));
  }
  return out;
}
