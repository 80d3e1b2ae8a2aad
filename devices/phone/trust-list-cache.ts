/**
 * Trust lists read and verified once per content (architecture decision 9): a fleet's phones fetch the
 * same CTL and ITL bytes from their TFTP server, and what a phone derives from them is a pure function
 * of those bytes and of the certificates it checks them with. So the parse (a `TrustList`), the held
 * form (its certificates as X509Certificate objects, the records the Trust List menu lists) and each
 * signature check (keyed by the candidates' fingerprints: "the verifier's trust") are computed by the
 * first phone that needs them and shared, read-only, by the others. Nothing here is a phone's state:
 * each phone still decides with its own trust store and firmware, in trust-rules.ts, and logs,
 * shows and emits its own outcome.
 *
 * Bounded: at most a few dozen distinct trust lists are in use at once (one CTL and ITL per cluster
 * and change), so an LRU of 64 contents keeps memory flat however long a lab runs.
 */
import type { X509Certificate } from 'node:crypto';
import {
  parseTrustList,
  type TrustList,
  type TrustListKind,
  type TrustListVerification,
  type TrustListVerifyError,
  verifyTrustList,
} from '../../certs/ctl.ts';
import type { FormatError, Result } from '../../emulator/result.ts';
import { certificateOf, commonNameOf, fingerprintOf, Lru } from './cert-facts.ts';
import type { TrustListRecordView } from './events.ts';

/** A trust list as a phone holds it: the list, its MD5 (the Trust List menu), its certificates. */
export interface HeldTrustList {
  list: TrustList;
  md5: string;
  /** X.509 of each record that carries a full certificate (same index as list.records). */
  certs: (X509Certificate | null)[];
  /** The records as the Trust List menu lists them: frozen, shared by every phone and event. */
  views: readonly TrustListRecordView[];
}

const parsed = new Lru<string, Result<TrustList, FormatError>>(64);
const held = new WeakMap<TrustList, HeldTrustList>();
const verified = new WeakMap<TrustList, Map<string, Result<TrustListVerification, TrustListVerifyError>>>();

/** The parsed trust list of these bytes (`md5`: their MD5, which the caller has computed). */
export function parseTrustListOnce(
  bytes: Uint8Array,
  kind: TrustListKind,
  md5: string,
): Result<TrustList, FormatError> {
  const key = `${kind}:${md5}:${bytes.length}`;
  let r = parsed.get(key);
  if (!r) {
    r = parseTrustList(bytes, { kind });
    parsed.set(key, r);
  }
  return r;
}

/** The held form of a parsed list: its certificates parsed, its records named, once per list. */
export function holdTrustList(list: TrustList, md5: string): HeldTrustList {
  let h = held.get(list);
  if (!h) {
    const certs = list.records.map((r) => (r.certificate ? certificateOf(r.certificate) : null));
    h = {
      list,
      md5,
      certs,
      views: Object.freeze(
        list.records.map((r, i) => {
          const c = certs[i];
          return Object.freeze({
            name: c ? commonNameOf(c) : r.subjectName,
            role: r.role.name,
            ipAddress: r.ipAddress && r.ipAddress !== '0.0.0.0' ? r.ipAddress : null,
          });
        }),
      ),
    };
    held.set(list, h);
  }
  return h;
}

/**
 * `verifyTrustList` (certs/ctl.ts) once per (list, candidates): the signer found among the
 * candidates (or, without candidates, among the list's own records) and the signature checked.
 */
export function verifyTrustListOnce(
  list: TrustList,
  candidates?: readonly X509Certificate[],
): Result<TrustListVerification, TrustListVerifyError> {
  let byTrust = verified.get(list);
  if (!byTrust) {
    byTrust = new Map();
    verified.set(list, byTrust);
  }
  const key = candidates ? candidates.map(fingerprintOf).join(',') : '(own records)';
  let r = byTrust.get(key);
  if (!r) {
    r = verifyTrustList(list, candidates);
    // A phone trusts a handful of signers: the per-list map stays small, but bound it anyway.
    if (byTrust.size > 256) byTrust.clear();
    byTrust.set(key, r);
  }
  return r;
}
