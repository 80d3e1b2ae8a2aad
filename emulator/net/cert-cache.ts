/**
 * Parsed peer certificates and their event summaries, kept per certificate (by its SHA-256
 * fingerprint, which OpenSSL has already computed for the handshake), so a fleet's handshakes do not
 * parse the same CallManager or CA certificate once per phone (architecture decision 9).
 * Every handshake still reads its own peer chain from OpenSSL; only the parse of identical bytes is
 * shared, and so are the summaries (frozen), as events are never changed once emitted.
 *
 * Bounded: past `MAX_ENTRIES` the cache starts over (a fleet has a few hundred distinct certificates
 * per cell: the cluster's, the CAs', one MIC or LSC per phone).
 */
import { createHash, type X509Certificate } from 'node:crypto';
import type { CertSummary } from '../events.ts';
import { summarizeCertificate } from './cert-summary.ts';

const MAX_ENTRIES = 20_000;

const parsed = new Map<string, X509Certificate>();
const summaries = new Map<string, CertSummary>();

/**
 * The one object kept for this certificate (by fingerprint): what devices are handed, so that what
 * they read of it once (certs/extensions.ts keeps that per object) is read once per certificate.
 */
export function canonical(c: X509Certificate): X509Certificate {
  const fp = c.fingerprint256;
  const hit = parsed.get(fp);
  if (hit) return hit;
  if (parsed.size >= MAX_ENTRIES) parsed.clear();
  parsed.set(fp, c);
  return c;
}

/**
 * The kept parse of the certificate in `certPem`, found by its fingerprint without parsing it (a
 * base64 decode and a SHA-256, some fifty times cheaper than node's X509Certificate); null when
 * none is kept.
 */
export function canonicalOfPem(certPem: string): X509Certificate | null {
  const body = /-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/.exec(certPem)?.[1];
  if (!body) return null;
  const fp = createHash('sha256').update(Buffer.from(body, 'base64')).digest('hex').toUpperCase();
  return parsed.get(fp.replace(/(..)(?!$)/g, '$1:')) ?? null;
}

/**
 * `summarizeCertificate(c)`, computed once per certificate and frozen: every event about the same
 * certificate shares it (a fleet's CallManager certificate is in two handshake events a phone).
 */
export function summaryOf(c: X509Certificate): CertSummary {
  const fp = c.fingerprint256;
  let s = summaries.get(fp);
  if (!s) {
    s = Object.freeze(summarizeCertificate(c));
    if (summaries.size >= MAX_ENTRIES) summaries.clear();
    summaries.set(fp, s);
  }
  return s;
}
