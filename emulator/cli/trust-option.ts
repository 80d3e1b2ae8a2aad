/**
 * The `--trust FILE` option of `uclab inspect` and `uclab probe origin`: certificates to trust, one file
 * per `--trust` (repeat it for more), each a PEM bundle or one DER certificate. The option takes one
 * value, so `--trust ca.pem ITLFile.tlv` leaves the file to inspect as an argument. A file that holds
 * no certificate is an error, never ignored: a trust list that is silently empty changes the verdict.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { certToPem, isPem, parsePemBlocks } from '../../certs/pem.ts';

const CERT_LABELS = new Set(['CERTIFICATE', 'X509 CERTIFICATE', 'TRUSTED CERTIFICATE']);

/** Commander's collector for a repeatable option. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export type TrustFiles =
  | { ok: true; certs: X509Certificate[]; pems: string[] }
  | { ok: false; message: string };

/** Reads every `--trust` file; the first bad one is the error, naming the file and what is wrong. */
export function readTrustFiles(files: readonly string[]): TrustFiles {
  const certs: X509Certificate[] = [];
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      return {
        ok: false,
        message: `--trust ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      };
    }
    if (isPem(bytes)) {
      const blocks = parsePemBlocks(bytes.toString('latin1'));
      const found = blocks.filter((b) => CERT_LABELS.has(b.label));
      if (found.length === 0) {
        const labels = [...new Set(blocks.map((b) => b.label))];
        return {
          ok: false,
          message: `--trust ${file}: holds no certificate${labels.length ? ` (only ${labels.join(', ')})` : ''}`,
        };
      }
      for (const [i, b] of found.entries()) {
        try {
          certs.push(new X509Certificate(b.der));
        } catch (e) {
          return {
            ok: false,
            message: `--trust ${file}: certificate ${i + 1} of ${found.length} does not parse (${(e as Error).message})`,
          };
        }
      }
      continue;
    }
    try {
      certs.push(new X509Certificate(bytes));
    } catch {
      return {
        ok: false,
        message: `--trust ${file}: not a certificate (neither PEM with a CERTIFICATE block nor one DER certificate)`,
      };
    }
  }
  return { ok: true, certs, pems: certs.map((c) => certToPem(c)) };
}
