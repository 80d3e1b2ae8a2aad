/**
 * The `.sgn` envelope: the CTL-style signed TLV header (version 1.0) followed by the original file bytes
 * unchanged, "signature at the top, otherwise plain text XML" (docs/reference/trust-files.md §2, SBD-116232).
 * The signer is the TFTP signing cert, i.e. that node's CallManager.pem.
 */
import type { KeyObject, X509Certificate } from 'node:crypto';
import { err, type FormatError, ok, type Result, type UclabError } from '../emulator/result.ts';
import {
  buildSignedFile,
  parseSignedHeader,
  type SignedFileInfo,
  type SignerInput,
  signedFileInfo,
  verifySignedFile,
} from './tlv.ts';

/** `headerLength` is the offset of the first payload byte; phones log it (seed 002). */
export interface SgnFile extends SignedFileInfo {
  /** The signed file's content, byte for byte. */
  readonly payload: Uint8Array;
}

/** `SEP001122334455.cnf.xml` for a MAC in any common notation. */
export function configFilename(mac: string): string {
  return `SEP${mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase()}.cnf.xml`;
}

/** `SEP001122334455.cnf.xml.sgn`. */
export function signedConfigFilename(mac: string): string {
  return `${configFilename(mac)}.sgn`;
}

export interface BuildSgnOptions {
  /** The node's CallManager cert and key. */
  readonly signer: SignerInput;
  readonly payload: Uint8Array | string;
  /** FILENAME inside the header: the `.sgn` name, or a relative path for subdirectory files (docs/reference/trust-files.md §2). */
  readonly filename: string;
  /** Unix seconds. */
  readonly timestamp: number;
  /** Default SHA-1. */
  readonly digest?: 'sha1' | 'sha512';
}

export interface BuiltSgn {
  readonly bytes: Uint8Array;
  readonly headerLength: number;
}

/** Signs `payload` into a version 1.0 `.sgn` (docs/reference/trust-files.md §2). */
export function buildSgn(opts: BuildSgnOptions): Result<BuiltSgn, UclabError> {
  const payload = typeof opts.payload === 'string' ? new TextEncoder().encode(opts.payload) : opts.payload;
  return buildSignedFile({
    what: '.sgn file',
    version: [1, 0],
    signer: opts.signer,
    digest: opts.digest ?? 'sha1',
    filename: opts.filename,
    timestamp: opts.timestamp,
    body: payload,
  });
}

/** Parses a `.sgn` (header version 1.x). Never throws. */
export function parseSgn(bytes: Uint8Array): Result<SgnFile, FormatError> {
  const h = parseSignedHeader(bytes, { what: '.sgn file', versionMajors: [1] });
  if (!h.ok) return h;
  return ok({ ...signedFileInfo(bytes, h.value), payload: bytes.subarray(h.value.headerLength) });
}

/** Parses and verifies in one step, as a phone does; the error says which step failed. */
export function openSgn(bytes: Uint8Array, key: X509Certificate | KeyObject): Result<SgnFile, UclabError> {
  const parsed = parseSgn(bytes);
  if (!parsed.ok) return parsed;
  if (!verifySignedFile(parsed.value, key)) {
    return err({
      code: 'sgn.signature-mismatch',
      message: `.sgn file ${parsed.value.filename}: the signature does not verify with the key of ${parsed.value.signer.name}`,
    });
  }
  return ok(parsed.value);
}

/** The phone console line after a good envelope check (seed 002, 79xx SECD log). */
export function envelopeVerifiedLogLine(headerLength: number): string {
  return `validate_file_envelope: File sign verify SUCCESS; header length <${headerLength}>`;
}
