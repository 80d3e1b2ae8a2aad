/**
 * Expressway releases as data (architecture decision 8): what changes between X14.0 and X14.2 for MRA
 * is a row here, not a branch in the models.
 *
 * seed 004: below X14.2.0 the traffic server does not verify the certificate CUCM / IM&P / Unity
 * present on 8443 and 6972; from X14.2.0 it verifies every HTTPS request (CSCwc69661 / CSCwa25108)
 * unless `xConfiguration EdgeConfigServer VerifyOriginServer: Off`. X14.2 also changed the cipher
 * preference: a fresh X14.2 (or an upgrade from below 14.0) prefers ECDSA; the RSA preference comes
 * back by prefixing the list with `ECDHE-RSA-AES256-GCM-SHA384:` (Maintenance > Security > Ciphers).
 */

/** Expressway's default TLS cipher string (Maintenance > Security > Ciphers). OpenSSL orders it ECDSA first. */
export const DEFAULT_CIPHERS = 'EECDH:EDH:HIGH:-AES256+SHA:!MEDIUM:!LOW:!3DES:!MD5:!PSK:!eNULL:!aNULL:!aDH';

/** The prefix seed 004 names: it puts an RSA suite first, so CUCM presents its RSA certificate. */
export const RSA_PREFERENCE_PREFIX = 'ECDHE-RSA-AES256-GCM-SHA384:';

export interface ExpresswayRelease {
  id: string;
  /** The traffic server verifies origin servers (chain and SAN/CN) on every MRA request. */
  verifiesOrigin: boolean;
  /** The `xConfiguration EdgeConfigServer VerifyOriginServer` setting exists (X14.2 and later). */
  hasVerifyOriginSetting: boolean;
  /** Default cipher lists of a fresh install. */
  defaultCiphers: string;
}

export const RELEASES: Record<string, ExpresswayRelease> = {
  'X14.0': {
    id: 'X14.0',
    verifiesOrigin: false,
    hasVerifyOriginSetting: false,
    // Before X14.2 RSA had the highest preference (seed 004, release notes point 2).
    defaultCiphers: `${RSA_PREFERENCE_PREFIX}${DEFAULT_CIPHERS}`,
  },
  'X14.2': {
    id: 'X14.2',
    verifiesOrigin: true,
    hasVerifyOriginSetting: true,
    defaultCiphers: DEFAULT_CIPHERS,
  },
  'X14.3': {
    id: 'X14.3',
    verifiesOrigin: true,
    hasVerifyOriginSetting: true,
    defaultCiphers: DEFAULT_CIPHERS,
  },
  'X15.0': {
    id: 'X15.0',
    verifiesOrigin: true,
    hasVerifyOriginSetting: true,
    defaultCiphers: DEFAULT_CIPHERS,
  },
};

export const RELEASE_IDS = Object.keys(RELEASES) as [string, ...string[]];

export function releaseOf(id: string): ExpresswayRelease {
  const r = RELEASES[id];
  if (!r) throw new Error(`unknown Expressway release ${id}; use one of ${RELEASE_IDS.join(', ')}`);
  return r;
}

/**
 * The cipher list after an upgrade to `to` from `from` (seed 004, X14.2.1 release notes): from 14.0 or
 * later the RSA prefix is kept; from below 14.0, or a fresh install, the ECDSA-first default applies.
 */
export function ciphersAfterUpgrade(from: string | null, to: string): string {
  const target = releaseOf(to);
  if (from === null) return target.defaultCiphers;
  const major = Number(/^X(\d+\.\d+)/.exec(from)?.[1] ?? '0');
  return major >= 14.0 && !target.defaultCiphers.startsWith(RSA_PREFERENCE_PREFIX)
    ? `${RSA_PREFERENCE_PREFIX}${target.defaultCiphers}`
    : target.defaultCiphers;
}

/** `rsa` / `ecdsa` / an explicit list, as `uclab probe origin --ciphers` takes it. */
export function cipherList(pref: 'rsa' | 'ecdsa' | string): string {
  if (pref === 'ecdsa') return DEFAULT_CIPHERS;
  if (pref === 'rsa') return `${RSA_PREFERENCE_PREFIX}${DEFAULT_CIPHERS}`;
  return pref;
}
