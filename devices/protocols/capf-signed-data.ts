/**
 * CAPF SIGNED_DATA (element 6) and SHA2_SIGNED_DATA (element 20): what a phone signs with its existing
 * certificate's key when CAPF authenticates it by that certificate (docs/reference/capf.md §5).
 */
import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/** SHA2_SIGNED_DATA (docs/reference/capf.md §5 tag 20): digest code (3 = SHA-512) and signature. */
export interface CapfSha2Signature {
  digest: number;
  signature: Buffer;
}

/** The bytes SIGNED_DATA covers: deviceName ‖ 0x00 ‖ certDER. */
export function signedDataInput(deviceName: string, certDer: Buffer): Buffer {
  return Buffer.concat([Buffer.from(deviceName, 'utf8'), Buffer.from([0]), certDer]);
}

/** SHA-1 of the signed-data input (what the RSA signature wraps). */
export function signedDataDigest(deviceName: string, certDer: Buffer): Buffer {
  return createHash('sha1').update(signedDataInput(deviceName, certDer)).digest();
}

/**
 * SIGNED_DATA: RSA PKCS#1 v1.5 over SHA-1(deviceName ‖ 0x00 ‖ certDER) with the key of the certificate
 * presented (LSC or MIC); ECDSA-SHA1 for EC keys (docs/reference/capf.md §5).
 */
export function signCapfData(privateKey: KeyObject, deviceName: string, certDer: Buffer): Buffer {
  return sign('sha1', signedDataInput(deviceName, certDer), privateKey);
}

/** SHA2_SIGNED_DATA: the same input with SHA-512, digest code 3 (docs/reference/capf.md §5 tag 20). */
export function signCapfDataSha2(
  privateKey: KeyObject,
  deviceName: string,
  certDer: Buffer,
): CapfSha2Signature {
  return { digest: 3, signature: sign('sha512', signedDataInput(deviceName, certDer), privateKey) };
}

/** Checks SIGNED_DATA against the public key of the certificate (DER SPKI, KeyObject, or X.509 DER via caller). */
export function verifyCapfData(
  publicKey: KeyObject | Buffer,
  deviceName: string,
  certDer: Buffer,
  signature: Buffer,
): boolean {
  const key = Buffer.isBuffer(publicKey)
    ? createPublicKey({ key: publicKey, format: 'der', type: 'spki' })
    : publicKey;
  try {
    return verify('sha1', signedDataInput(deviceName, certDer), key, signature);
  } catch {
    return false;
  }
}
