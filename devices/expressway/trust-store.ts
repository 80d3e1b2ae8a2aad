/**
 * Expressway's trusted CA certificate list (Maintenance > Security > Trusted CA certificate) and its
 * server certificate upload, with Expressway's own rules:
 * - Expired certificates (seed 003 line 547): the page shows `Failed: Expired certificates or CRLs
 *   detected in trusted CA file`. The list is one file, checked as a whole when it changes, so the lab
 *   refuses an append while the resulting file holds an expired certificate, the new one or one already
 *   in the list (M: the seed shows the message, not what the administrator did just before).
 * - CSCwa12905 (seed 004): a certificate whose CN equals the CN of a different certificate already in
 *   the list is refused, even when the two are different self-signed certificates (CUCM chains by
 *   AKI/SKI; Expressway does not).
 * - Server certificate (seed 003): both serverAuth and clientAuth EKU ("Invalid certificate: The file
 *   provided does not have a client usage attribute..."), no wildcard names, keys of at most 4096 bits,
 *   and a private key file that ends with a newline (seed 003: a missing one "may cause service issues
 *   with MRA", so it is accepted with a warning, as the real box does).
 */
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { err, ok, type Result, type UclabError } from '../../emulator/result.ts';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export function commonNameOf(cert: X509Certificate): string | null {
  return /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? null;
}

function splitPems(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Seed 003 line 547, word for word. */
export const EXPIRED_IN_CA_FILE = 'Failed: Expired certificates or CRLs detected in trusted CA file';

export interface TrustEntry {
  cert: X509Certificate;
  pem: string;
}

export class ExpresswayTrustStore {
  readonly #entries: TrustEntry[] = [];

  /**
   * "Append CA certificate": every certificate of the file, or none when one is refused. `now` is the
   * lab time the file is checked at; without it no expiry check runs (the list a box starts with was
   * built while its certificates were valid).
   */
  append(pemText: string, now?: Date): Result<{ added: string[]; alreadyPresent: string[] }, UclabError> {
    const pems = splitPems(pemText);
    if (pems.length === 0) {
      return err({
        code: 'expressway.trust.no-certificate',
        message: 'Failed: The file provided does not contain a PEM certificate',
      });
    }
    const parsed: TrustEntry[] = [];
    for (const pem of pems) {
      try {
        parsed.push({ cert: new X509Certificate(pem), pem: `${pem}\n` });
      } catch (e) {
        return err({
          code: 'expressway.trust.unreadable',
          message: `Failed: The certificate could not be read: ${(e as Error).message}`,
        });
      }
    }
    const added: string[] = [];
    const already: string[] = [];
    const pending: TrustEntry[] = [];
    for (const p of parsed) {
      const cn = commonNameOf(p.cert);
      const same = [...this.#entries, ...pending].find(
        (e) => e.cert.fingerprint256 === p.cert.fingerprint256,
      );
      if (same) {
        already.push(p.cert.subject.replace(/\n/g, ', '));
        continue;
      }
      const clash = cn ? [...this.#entries, ...pending].find((e) => commonNameOf(e.cert) === cn) : undefined;
      if (clash) {
        // CSCwa12905: the wording of the real GUI is not in the seeds; this names the rule and the CN.
        return err({
          code: 'expressway.trust.same-cn',
          message: `Failed: A different certificate with the same common name (CN=${cn}) is already in the trusted CA list (CSCwa12905)`,
        });
      }
      pending.push(p);
      added.push(p.cert.subject.replace(/\n/g, ', '));
    }
    if (now && [...this.#entries, ...pending].some((e) => Date.parse(e.cert.validTo) < now.getTime())) {
      return err({ code: 'expressway.trust.expired', message: EXPIRED_IN_CA_FILE });
    }
    this.#entries.push(...pending);
    return ok({ added, alreadyPresent: already });
  }

  /** Deletes entries whose CN or one-line subject equals `subjectOrCn`; returns how many. */
  delete(subjectOrCn: string): number {
    let n = 0;
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i];
      if (!e) continue;
      if (commonNameOf(e.cert) === subjectOrCn || e.cert.subject.replace(/\n/g, ', ') === subjectOrCn) {
        this.#entries.splice(i, 1);
        n++;
      }
    }
    return n;
  }

  pems(): string[] {
    return this.#entries.map((e) => e.pem);
  }

  entries(): readonly TrustEntry[] {
    return this.#entries;
  }

  /** The list as the GUI table shows it: Type, Issuer, Subject, Expiration date, Validity. */
  show(now: Date = new Date()): string {
    const rows = this.#entries.map((e) => {
      const subject = e.cert.subject.replace(/\n/g, ', ');
      const issuer = e.cert.issuer.replace(/\n/g, ', ');
      const expires = new Date(e.cert.validTo);
      const valid = expires.getTime() < now.getTime() ? 'Expired' : 'Valid';
      return `Certificate\t${issuer}\t${subject === issuer ? 'Matches Issuer' : subject}\t${expires.toDateString().slice(4)}\t${valid}`;
    });
    return ['Type\tIssuer\tSubject\tExpiration date\tValidity', ...rows].join('\n');
  }
}

export interface ServerCertUpload {
  certPem: string;
  keyPem: string;
  warnings: string[];
}

/** Maintenance > Security > Server certificate > Upload server certificate data (seed 003 rules). */
export function checkServerCertificate(
  certPem: string,
  keyPem: string,
): Result<ServerCertUpload, UclabError> {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return err({
      code: 'expressway.cert.unreadable',
      message: 'Invalid certificate: The file provided is not a valid PEM certificate',
    });
  }
  const ekus = cert.keyUsage ?? [];
  // A certificate without the EKU extension is usable for any purpose (RFC 5280 4.2.1.12).
  const hasEku = cert.keyUsage !== undefined && cert.keyUsage.length > 0;
  if (hasEku && !ekus.includes(SERVER_AUTH)) {
    return err({
      code: 'expressway.cert.no-server-eku',
      message: 'Invalid certificate: The file provided does not have a server usage attribute',
    });
  }
  if (hasEku && !ekus.includes(CLIENT_AUTH)) {
    return err({
      code: 'expressway.cert.no-client-eku',
      message:
        'Invalid certificate: The file provided does not have a client usage attribute. The certificate must be usable for both servers and clients for Unified Communications.',
    });
  }
  const cn = commonNameOf(cert) ?? '';
  const sans = (cert.subjectAltName ?? '').split(/,\s*/);
  if (cn.includes('*') || sans.some((s) => s.startsWith('DNS:') && s.includes('*'))) {
    // seed 003: "Wild cards not supported (*.example.com)"; the GUI wording is not in the seeds.
    return err({
      code: 'expressway.cert.wildcard',
      message: 'Invalid certificate: Wildcard certificates are not supported',
    });
  }
  const bits = cert.publicKey.asymmetricKeyDetails?.modulusLength;
  if (cert.publicKey.asymmetricKeyType === 'rsa' && bits !== undefined && bits > 4096) {
    // seed 003: "Certificate (externally requested) with a 8192 bit key length – this is not supported."
    return err({
      code: 'expressway.cert.key-too-long',
      message: `Invalid certificate: A ${bits} bit key is not supported (at most 4096 bits)`,
    });
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return err({
      code: 'expressway.cert.bad-key',
      message: 'Invalid private key: The file provided is not a valid PEM private key',
    });
  }
  const pub = createPublicKey(key).export({ type: 'spki', format: 'der' });
  if (!pub.equals(cert.publicKey.export({ type: 'spki', format: 'der' }))) {
    return err({
      code: 'expressway.cert.key-mismatch',
      message: 'Invalid certificate: The private key does not match the certificate',
    });
  }
  const warnings: string[] = [];
  if (!keyPem.endsWith('\n')) {
    warnings.push(
      'Uploaded private key file is missing a newline at the end of the file (may cause service issues with MRA)',
    );
  }
  return ok({ certPem, keyPem, warnings });
}
