// PEM and DER for certificates and keys.
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';

export type PemLabel =
  | 'CERTIFICATE'
  | 'PRIVATE KEY'
  | 'CERTIFICATE REQUEST'
  | 'PKCS7'
  | 'CMS'
  | (string & {});

export interface PemBlock {
  label: PemLabel;
  der: Buffer;
}

const PEM_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** PEM text with 64-character lines and a final newline (what openssl writes). */
export function toPem(der: Uint8Array | ArrayBuffer, label: PemLabel): string {
  const b64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** Every PEM block in a text, in order. */
export function parsePemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(PEM_RE)) {
    out.push({ label: m[1] ?? '', der: Buffer.from((m[2] ?? '').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64') });
  }
  return out;
}

export function isPem(data: string | Uint8Array): boolean {
  const head = typeof data === 'string' ? data : Buffer.from(data.subarray(0, 64)).toString('latin1');
  return head.includes('-----BEGIN ');
}

/** The DER of the first certificate in a PEM text, or the input itself when it is DER. */
export function certDer(data: string | Uint8Array): Buffer {
  if (typeof data !== 'string' && !isPem(data)) return Buffer.from(data);
  const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
  const block = parsePemBlocks(text).find((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE');
  if (!block) throw new Error('no CERTIFICATE block in PEM text');
  return block.der;
}

export function certToPem(cert: X509Certificate | Uint8Array): string {
  return toPem(cert instanceof X509Certificate ? cert.raw : cert, 'CERTIFICATE');
}

/** Read one certificate from PEM or DER. */
export function readCert(data: string | Uint8Array): X509Certificate {
  return new X509Certificate(certDer(data));
}

/** Split a PEM bundle (a chain file, a trust store dump) into certificates, in order. */
export function splitPemBundle(text: string): X509Certificate[] {
  return parsePemBlocks(text)
    .filter(
      (b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE',
    )
    .map((b) => new X509Certificate(b.der));
}

/** Join certificates into one PEM bundle. */
export function joinPemBundle(certs: readonly (X509Certificate | Uint8Array)[]): string {
  return certs.map((c) => certToPem(c)).join('');
}

/** Private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
export function keyToPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function keyToDer(key: KeyObject): Buffer {
  return key.export({ type: 'pkcs8', format: 'der' });
}

/** Read a private key from PEM (PKCS#8, PKCS#1 or SEC1) or PKCS#8 DER. */
export function readPrivateKey(data: string | Uint8Array): KeyObject {
  if (typeof data === 'string' || isPem(data))
    return createPrivateKey(typeof data === 'string' ? data : Buffer.from(data));
  return createPrivateKey({ key: Buffer.from(data), format: 'der', type: 'pkcs8' });
}

/** A standalone ArrayBuffer copy of bytes (WebCrypto and @peculiar/x509 want BufferSource). */
export function toArrayBuffer(bytes: Uint8Array | ArrayBuffer): ArrayBuffer {
  if (bytes instanceof ArrayBuffer) return bytes;
  const out = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(out).set(bytes);
  return out;
}
