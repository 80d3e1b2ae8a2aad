/**
 * Parsed peer certificates and their event summaries, kept per certificate (by its SHA-256
 * fingerprint, which OpenSSL has already computed for the handshake), so a fleet's handshakes do not
 * parse the same CallManager or CA certificate once per phone (architecture decision 9).
 * Every handshake still reads its own peer chain from OpenSSL; only the parse of identical bytes is
 * shared. Each event gets its own summary object; the extensions inside it are shared, as events are
 * never changed once emitted.
 *
 * Bounded: past `MAX_ENTRIES` the cache starts over (a fleet has a few hundred distinct certificates
 * per cell: the cluster's, the CAs', one MIC or LSC per phone).
 */
import { X509Certificate } from 'node:crypto';
import type { CertSummary } from '../events.ts';
import { summarizeCertificate } from './cert-summary.ts';

const MAX_ENTRIES = 20_000;

const parsed = new Map<string, X509Certificate>();
const summaries = new Map<string, CertSummary>();

/** The certificate of `raw` (DER) whose fingerprint OpenSSL gave as `fingerprint256`. */
export function certificateOf(raw: Buffer, fingerprint256: string): X509Certificate {
  let c = parsed.get(fingerprint256);
  if (c) return c;
  c = new X509Certificate(raw);
  // A fingerprint that does not match its bytes (never from OpenSSL) is not cached under it.
  if (c.fingerprint256 !== fingerprint256) return c;
  if (parsed.size >= MAX_ENTRIES) parsed.clear();
  parsed.set(fingerprint256, c);
  return c;
}

/** `summarizeCertificate(c)`, computed once per certificate. */
export function summaryOf(c: X509Certificate): CertSummary {
  const fp = c.fingerprint256;
  let s = summaries.get(fp);
  if (!s) {
    s = summarizeCertificate(c);
    if (summaries.size >= MAX_ENTRIES) summaries.clear();
    summaries.set(fp, s);
  }
  return { ...s };
}
