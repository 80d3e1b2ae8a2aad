/**
 * `SEP<MAC>.cnf.xml.enc.sgn`: header version 2.0 with the encryption tags 16-27 after TIMESTAMP, then
 * AES-128-CBC ciphertext of the XML padded with `\r` to 16 bytes. The AES key is RSA PKCS#1 v1.5
 * encrypted to the phone's LSC or MIC (docs/reference/trust-files.md §3, `enccnf`).
 *
 * Layout (docs/reference/trust-files.md §3 table, and the bytes of the independent `enccnf` builder): container 16
 * (ENCRYPTION_INFO) holds exactly 17 (IV info) and 21 (key info); 26 (plaintext hash algorithm) and
 * 27 (plaintext hash) follow it at the top level of the header. With a 2048-bit device key, 16 is 306
 * bytes long. Files that put 26 and 27 inside 16 (uclab before this layout was pinned) still parse: the
 * parser finds each tag wherever it sits, once (test/certs/enc-sgn-golden.test.ts pins both).
 *
 * RSA PKCS#1 v1.5 decryption: Node 20 refuses `privateDecrypt` with RSA_PKCS1_PADDING (CVE-2023-46809,
 * "no longer supported for private decryption") because its OpenSSL 3.0 lacks implicit rejection. The
 * `--security-revert` flag is not an option for a library, so `rsaPkcs1v15Decrypt` does a raw RSA
 * operation (RSA_NO_PADDING) and removes the `00 02 PS 00` block itself. It is not constant time: fine
 * for an emulated phone holding a lab key, not for production secrets.
 */
import {
  constants,
  createCipheriv,
  createDecipheriv,
  createHash,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  type X509Certificate,
} from 'node:crypto';
import { err, type FormatError, ok, type Result, type UclabError } from '../emulator/result.ts';
import { xmlEscape } from '../emulator/text.ts';
import { configFilename } from './sgn.ts';
import {
  buildSignedFile,
  concatBytes,
  DIGEST_CODE,
  type DigestName,
  digestFromCode,
  encodeContainer,
  encodeElement,
  HeaderTag,
  parseSignedHeader,
  publicKeyOf,
  readU16,
  requireOne,
  type SignedFileInfo,
  type SignerInput,
  signedFileInfo,
  tlvError,
  u8,
  u16,
} from './tlv.ts';

export interface EncryptionInfo {
  /** Tag 19. */
  readonly iv: Uint8Array;
  /** Tag 20: number of `\r` bytes appended to the plaintext. */
  readonly paddingCount: number;
  /** Tag 23: encrypted-key length × 8 (the device key's modulus bits). */
  readonly keySizeBits: number;
  /** Tag 24: 1 (believed to mean AES). */
  readonly keyAlgorithm: number;
  /** Tag 25: the AES key encrypted to the device cert. */
  readonly encryptedKey: Uint8Array;
  /** Tag 26. */
  readonly plaintextHashAlgorithm: DigestName;
  /** Tag 27: hash of the unpadded XML. */
  readonly plaintextHash: Uint8Array;
}

export interface EncSgnFile extends SignedFileInfo {
  readonly encryption: EncryptionInfo;
  readonly ciphertext: Uint8Array;
}

/** `SEP001122334455.cnf.xml.enc.sgn`. */
export function encryptedConfigFilename(mac: string): string {
  return `${configFilename(mac)}.enc.sgn`;
}

/** `<certHash>` of the stub: hex MD5 of the device certificate DER (docs/reference/trust-files.md §3), lower case as `enccnf` writes it. */
export function certHashMd5(cert: X509Certificate): string {
  return createHash('md5').update(cert.raw).digest('hex');
}

export interface BuildEncSgnOptions {
  /** The node's CallManager cert and key (signs the file). */
  readonly signer: SignerInput;
  /** The phone's LSC or MIC: its RSA public key wraps the AES key. */
  readonly deviceCert: X509Certificate;
  readonly xml: Uint8Array | string;
  /** FILENAME inside; default derived from `mac`. */
  readonly filename: string;
  readonly timestamp: number;
  /** Signature and plaintext hash; default SHA-1. */
  readonly digest?: 'sha1' | 'sha512';
  /** Fixed AES key / IV for reproducible tests; random by default. */
  readonly aesKey?: Uint8Array;
  readonly iv?: Uint8Array;
}

export interface BuiltEncSgn {
  readonly bytes: Uint8Array;
  readonly headerLength: number;
  /** The AES-128 key, so a test or a scenario can check it. */
  readonly aesKey: Uint8Array;
}

/** Encrypts and signs a config (docs/reference/trust-files.md §3). */
export function buildEncSgn(opts: BuildEncSgnOptions): Result<BuiltEncSgn, UclabError> {
  const k = publicKeyOf(opts.deviceCert, '.enc.sgn: the device certificate');
  if (!k.ok) return k;
  const devKey = k.value;
  if (devKey.asymmetricKeyType !== 'rsa') {
    return err({
      code: 'enc-sgn.device-key-not-rsa',
      message: `.enc.sgn: the device certificate key is ${devKey.asymmetricKeyType}; the config key can only be wrapped with RSA`,
    });
  }
  const digest = opts.digest ?? 'sha1';
  const xml = typeof opts.xml === 'string' ? new TextEncoder().encode(opts.xml) : opts.xml;
  const aesKey = opts.aesKey ?? new Uint8Array(randomBytes(16));
  const iv = opts.iv ?? new Uint8Array(randomBytes(16));
  // `enccnf`: always 1..16 bytes of `\r`, never zero.
  const paddingCount = 16 - (xml.length % 16);
  const padded = concatBytes([xml, new Uint8Array(paddingCount).fill(0x0d)]);
  const cipher = createCipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false);
  const ciphertext = new Uint8Array(Buffer.concat([cipher.update(padded), cipher.final()]));
  const encryptedKey = new Uint8Array(
    publicEncrypt({ key: devKey, padding: constants.RSA_PKCS1_PADDING }, aesKey),
  );
  const plaintextHash = new Uint8Array(createHash(digest).update(xml).digest());
  const extraHeader = concatBytes([
    encodeContainer(HeaderTag.ENCRYPTION_INFO, [
      encodeContainer(HeaderTag.IV_INFO, [
        encodeElement(HeaderTag.IV_UNKNOWN, u8(0)),
        encodeElement(HeaderTag.IV, iv),
        encodeElement(HeaderTag.PADDING_COUNT, u16(paddingCount)),
      ]),
      encodeContainer(HeaderTag.KEY_INFO, [
        encodeElement(HeaderTag.KEY_UNKNOWN, u8(0)),
        encodeElement(HeaderTag.KEY_SIZE, u16(encryptedKey.length * 8)),
        encodeElement(HeaderTag.KEY_ALGORITHM, u8(1)),
        encodeElement(HeaderTag.ENCRYPTED_KEY, encryptedKey),
      ]),
    ]),
    encodeElement(HeaderTag.PLAINTEXT_HASH_ALGORITHM, u8(DIGEST_CODE[digest])),
    encodeElement(HeaderTag.PLAINTEXT_HASH, plaintextHash),
  ]);
  const built = buildSignedFile({
    what: '.enc.sgn file',
    version: [2, 0],
    signer: opts.signer,
    digest,
    filename: opts.filename,
    timestamp: opts.timestamp,
    extraHeader,
    body: ciphertext,
  });
  if (!built.ok) return built;
  return ok({ ...built.value, aesKey });
}

/** Parses a `.enc.sgn` (header version 2.x). Never throws. */
export function parseEncSgn(bytes: Uint8Array): Result<EncSgnFile, FormatError> {
  const what = '.enc.sgn file';
  const h = parseSignedHeader(bytes, {
    what,
    versionMajors: [2],
    extraTags: [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27],
    extraContainers: [16, 17, 21],
  });
  if (!h.ok) return h;
  const header = h.value;
  const at = header.headerLength;
  const req = (tag: number) => requireOne(what, header.elements, tag, at);
  const iv = req(HeaderTag.IV);
  if (!iv.ok) return iv;
  const pad = req(HeaderTag.PADDING_COUNT);
  if (!pad.ok) return pad;
  const size = req(HeaderTag.KEY_SIZE);
  if (!size.ok) return size;
  const alg = req(HeaderTag.KEY_ALGORITHM);
  if (!alg.ok) return alg;
  const key = req(HeaderTag.ENCRYPTED_KEY);
  if (!key.ok) return key;
  const hashAlg = req(HeaderTag.PLAINTEXT_HASH_ALGORITHM);
  if (!hashAlg.ok) return hashAlg;
  const hash = req(HeaderTag.PLAINTEXT_HASH);
  if (!hash.ok) return hash;
  const plaintextHashAlgorithm = digestFromCode(hashAlg.value.value[0]!);
  if (!plaintextHashAlgorithm) {
    return err(
      tlvError(
        what,
        hashAlg.value.offset,
        'bad-value',
        `unknown plaintext hash algorithm ${hashAlg.value.value[0]}`,
      ),
    );
  }
  const ciphertext = bytes.subarray(at);
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
    return err(
      tlvError(
        what,
        at,
        'bad-ciphertext-length',
        `${ciphertext.length} bytes of ciphertext, expected a non-zero multiple of 16`,
      ),
    );
  }
  return ok({
    ...signedFileInfo(bytes, header),
    encryption: {
      iv: iv.value.value,
      paddingCount: readU16(pad.value.value),
      keySizeBits: readU16(size.value.value),
      keyAlgorithm: alg.value.value[0]!,
      encryptedKey: key.value.value,
      plaintextHashAlgorithm,
      plaintextHash: hash.value.value,
    },
    ciphertext,
  });
}

/**
 * RSA PKCS#1 v1.5 decryption done by hand (see the module comment): raw RSA, then check
 * `00 02 PS(>= 8 non-zero bytes) 00 M`. Returns undefined when the block is not well formed
 * (which is what a wrong key gives, with overwhelming probability).
 */
export function rsaPkcs1v15Decrypt(privateKey: KeyObject, data: Uint8Array): Uint8Array | undefined {
  const k = (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (privateKey.asymmetricKeyType !== 'rsa' || data.length !== k) return undefined;
  let block: Uint8Array;
  try {
    block = new Uint8Array(privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, data));
  } catch {
    return undefined;
  }
  if (block[0] !== 0x00 || block[1] !== 0x02) return undefined;
  const sep = block.indexOf(0, 2);
  if (sep < 10) return undefined;
  return block.subarray(sep + 1);
}

/** Decrypts with the phone's private key and checks the plaintext hash. */
export function decryptEncSgn(file: EncSgnFile, privateKey: KeyObject): Result<Uint8Array, UclabError> {
  const e = file.encryption;
  const aesKey = rsaPkcs1v15Decrypt(privateKey, e.encryptedKey);
  if (aesKey?.length !== 16) {
    return err({
      code: 'enc-sgn.key-decrypt-failed',
      message:
        '.enc.sgn: the config key does not decrypt with this device key (encrypted to another LSC/MIC?)',
    });
  }
  let padded: Uint8Array;
  try {
    const d = createDecipheriv('aes-128-cbc', aesKey, e.iv).setAutoPadding(false);
    padded = new Uint8Array(Buffer.concat([d.update(file.ciphertext), d.final()]));
  } catch {
    return err({ code: 'enc-sgn.decrypt-failed', message: '.enc.sgn: AES-128-CBC decryption failed' });
  }
  if (e.paddingCount > padded.length || e.paddingCount > 16) {
    return err({
      code: 'enc-sgn.bad-padding',
      message: `.enc.sgn: padding count ${e.paddingCount} is impossible`,
    });
  }
  const xml = padded.subarray(0, padded.length - e.paddingCount);
  const hash = createHash(e.plaintextHashAlgorithm).update(xml).digest();
  if (!hash.equals(Buffer.from(e.plaintextHash))) {
    return err({
      code: 'enc-sgn.hash-mismatch',
      message: '.enc.sgn: the decrypted config does not match its plaintext hash',
    });
  }
  return ok(xml);
}

export interface EncryptedConfigStubOptions {
  readonly signer: SignerInput;
  readonly mac: string;
  /** The cert the config was encrypted to: its MD5 goes in `<certHash>`. */
  readonly deviceCert: X509Certificate;
  readonly timestamp: number;
  readonly digest?: 'sha1' | 'sha512';
  readonly ipAddressMode?: number;
  readonly loadInformation?: string;
  readonly capfAuthMode?: number;
  readonly capfList?: readonly { readonly phonePort: number; readonly processNodeName: string }[];
}

/** The XML of the minimal stub `SEP<MAC>.cnf.xml.sgn` that goes with an encrypted config (docs/reference/trust-files.md §3). */
export function encryptedConfigStubXml(
  opts: Omit<EncryptedConfigStubOptions, 'signer' | 'timestamp' | 'digest' | 'mac'>,
): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<device>', '  <fullConfig>false</fullConfig>'];
  if (opts.ipAddressMode !== undefined) lines.push(`  <ipAddressMode>${opts.ipAddressMode}</ipAddressMode>`);
  if (opts.loadInformation !== undefined)
    lines.push(`  <loadInformation>${xmlEscape(opts.loadInformation)}</loadInformation>`);
  if (opts.capfAuthMode !== undefined) lines.push(`  <capfAuthMode>${opts.capfAuthMode}</capfAuthMode>`);
  if (opts.capfList) {
    lines.push('  <capfList>');
    for (const c of opts.capfList) {
      lines.push(
        '    <capf>',
        `      <phonePort>${c.phonePort}</phonePort>`,
        `      <processNodeName>${xmlEscape(c.processNodeName)}</processNodeName>`,
        '    </capf>',
      );
    }
    lines.push('  </capfList>');
  }
  lines.push(
    `  <certHash>${certHashMd5(opts.deviceCert)}</certHash>`,
    '  <encrConfig>true</encrConfig>',
    '</device>',
    '',
  );
  return lines.join('\n');
}

/** Builds the signed stub `SEP<MAC>.cnf.xml.sgn` (version 1.0 envelope). */
export function buildEncryptedConfigStub(
  opts: EncryptedConfigStubOptions,
): Result<{ readonly bytes: Uint8Array; readonly headerLength: number; readonly xml: string }, UclabError> {
  const xml = encryptedConfigStubXml(opts);
  const built = buildSignedFile({
    what: '.sgn file',
    version: [1, 0],
    signer: opts.signer,
    digest: opts.digest ?? 'sha1',
    filename: `${configFilename(opts.mac)}.sgn`,
    timestamp: opts.timestamp,
    body: new TextEncoder().encode(xml),
  });
  return built.ok ? ok({ ...built.value, xml }) : built;
}
