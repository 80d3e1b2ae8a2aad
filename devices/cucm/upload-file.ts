/**
 * The file formats CUCM's "Upload Certificate/Certificate chain" takes (seed 003 line 750-751):
 * "Privacy Enhanced Mail (PEM) Base64 encoded format of X.509 certificate (only one PEM certificate in
 * a file), Distinguished Encoding Rules (DER) format of X509 Certificate" and "DER format of PKCS#7
 * (Public-Key Cryptography Standards) Certificate Chain. The system does not support PEM format of
 * PKCS#7 Certificate Chain."
 *
 * So a PEM bundle of several certificates (what `cat ca.pem sub.pem` makes, and what Expressway takes)
 * is refused: the chain goes as DER PKCS#7, or one PEM file per certificate.
 */
import { X509Certificate } from 'node:crypto';
import { isPem, parsePemBlocks } from '../../certs/pem.ts';
import { readPkcs7 } from '../../certs/pkcs7.ts';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';

/** What an upload file holds: one certificate, or the certificates of a DER PKCS#7 chain. */
export interface UploadedFile {
  certs: X509Certificate[];
  format: 'pem' | 'der' | 'pkcs7-der';
}

/** Seed 003 line 751, word for word. */
export const PKCS7_PEM_REFUSED = 'The system does not support PEM format of PKCS#7 Certificate Chain';

function refuse(code: string, message: string): { ok: false; error: UclabError } {
  return err({ code: `cert.${code}`, message });
}

/** Reads an upload file (PEM text or DER bytes) the way CUCM's upload page accepts it. */
export function readUploadFile(file: string | Uint8Array): Result<UploadedFile, UclabError> {
  if (typeof file === 'string' || isPem(file)) {
    const text = typeof file === 'string' ? file : Buffer.from(file).toString('latin1');
    const blocks = parsePemBlocks(text);
    if (blocks.some((b) => b.label === 'PKCS7' || b.label === 'CMS'))
      return refuse('pkcs7-pem', PKCS7_PEM_REFUSED);
    const certs = blocks.filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE');
    if (certs.length === 0) return refuse('bad-file', 'The file provided is not a valid certificate');
    if (certs.length > 1) {
      // The rule is seed 003's ("only one PEM certificate in a file"); the sentence is the lab's (L).
      return refuse(
        'multiple-pem',
        `Certificate upload failed: the file holds ${certs.length} PEM certificates. Only one PEM certificate in a file is supported; upload a certificate chain in DER format of PKCS#7`,
      );
    }
    try {
      return ok({ certs: [new X509Certificate((certs[0] as { der: Buffer }).der)], format: 'pem' });
    } catch (e) {
      return refuse('bad-file', `The file provided is not a valid certificate: ${(e as Error).message}`);
    }
  }
  try {
    return ok({ certs: [new X509Certificate(Buffer.from(file))], format: 'der' });
  } catch {
    // Not one DER certificate: a DER PKCS#7 chain, or nothing CUCM reads.
  }
  try {
    const certs = readPkcs7(file);
    if (certs.length === 0) return refuse('bad-file', 'The PKCS#7 file provided holds no certificate');
    return ok({ certs, format: 'pkcs7-der' });
  } catch (e) {
    return refuse('bad-file', `The file provided is not a valid certificate: ${(e as Error).message}`);
  }
}
