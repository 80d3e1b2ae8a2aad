// PKCS#7 certs-only SignedData (".p7b"). CUCM accepts a DER PKCS#7 chain on upload (seed 003:
// "DER format of PKCS#7 ... Certificate Chain. The system does not support PEM format of PKCS#7").
// @peculiar/x509 exports PEM with the label CMS, which `openssl pkcs7` rejects ("Expecting: PKCS7",
// docs/reference/toolchain.md §4.1), so PEM output is relabelled PKCS7 here.
import { X509Certificate } from 'node:crypto';
import { isPem, parsePemBlocks, toArrayBuffer, toPem } from './pem.ts';
import { x509 } from './x509.ts';

function toPeculiar(cert: X509Certificate | Uint8Array): x509.X509Certificate {
  return new x509.X509Certificate(toArrayBuffer(cert instanceof X509Certificate ? cert.raw : cert));
}

/** DER PKCS#7 SignedData holding `certs` (no signers), in the order given. */
export function pkcs7Der(certs: readonly (X509Certificate | Uint8Array)[]): Buffer {
  const bag = new x509.X509Certificates(certs.map(toPeculiar));
  return Buffer.from(bag.export('raw'));
}

/** PEM PKCS#7 with the label `PKCS7`, as `openssl crl2pkcs7` writes and `openssl pkcs7` reads. */
export function pkcs7Pem(certs: readonly (X509Certificate | Uint8Array)[]): string {
  return toPem(pkcs7Der(certs), 'PKCS7');
}

/** The certificates in a PKCS#7, from DER or PEM (label PKCS7 or CMS). */
export function readPkcs7(data: string | Uint8Array): X509Certificate[] {
  let der: Uint8Array;
  if (typeof data === 'string' || isPem(data)) {
    const text = typeof data === 'string' ? data : Buffer.from(data).toString('latin1');
    const block = parsePemBlocks(text).find((b) => b.label === 'PKCS7' || b.label === 'CMS');
    if (!block) throw new Error('no PKCS7 or CMS block in PEM text');
    der = block.der;
  } else {
    der = data;
  }
  const bag = new x509.X509Certificates(toArrayBuffer(der));
  return bag.map((c) => new X509Certificate(Buffer.from(c.rawData)));
}
