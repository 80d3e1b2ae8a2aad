/**
 * SPA firmware rows for the SPA phone model. The rows themselves live in devices/phone/firmware-profiles.ts
 * (owned by the phone model); this module only picks the SPA ones and adds rows that table lacks.
 */
import {
  FIRMWARE_PROFILES,
  type FirmwareProfile,
  firmwareProfile,
  tlsClientOptions,
} from '../phone/firmware-profiles.ts';

/**
 * A later SPA50x/51x release that verifies SHA-256 signatures (the "newer firmware" fix of
 * spa-756-sha256). APPROXIMATION: seed 001 only says TAC was looking into SHA-2 support and that a
 * patched 7.5.7 fixed the renegotiation bug (CSCuu14196); the version label is ours. Kept here until the
 * phone model's firmware table has such a row.
 */
const SPA_SHA2: FirmwareProfile | undefined = (() => {
  const base = firmwareProfile('spa-7.5.6c');
  if (!base) return undefined;
  return {
    ...base,
    id: 'spa-7.6-sha2',
    label: 'SPA50x/51x later release with SHA-2 (approximation)',
    loadName: '7.6.2',
    serverCertHashes: 'sha1-sha256',
    tls: { ...base.tls, renegotiation: true },
    sipUserAgent: 'Cisco/SPA514G-7.6.2',
  };
})();

const EXTRA: FirmwareProfile[] = SPA_SHA2 ? [SPA_SHA2] : [];

/** The SPA firmware profile for an id, from the shared table first. */
export function spaFirmware(id: string): FirmwareProfile | undefined {
  const row = firmwareProfile(id) ?? EXTRA.find((p) => p.id === id);
  return row?.family === 'spa' ? row : undefined;
}

/** Every SPA firmware id the model accepts. */
export function spaFirmwareIds(): string[] {
  return [...FIRMWARE_PROFILES.filter((p) => p.family === 'spa'), ...EXTRA].map((p) => p.id);
}

/**
 * The TLS library each SPA model links, as seed 001 reports it (line 182): the SPA51x/50x use OpenSSL
 * 0.9.8zc, whose default list has no ECDHE suite, so the DHE-first list of the firmware row applies
 * ("When a SPA514 talks to our server it uses DHE-RSA-AES256-SHA", line 187); the SPA525G2 uses
 * ciscossl 1.0.1j, which offers ECDHE ("When a SPA525G2 talks to our server it uses
 * ECDHE-RSA-AES256-SHA", line 186). Both speak TLS 1.0 only (line 191).
 */
const ECDHE_FIRST: Readonly<Record<string, string>> = {
  SPA525G2: 'ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA',
};

/** The TLS client options of an SPA: its firmware row, with the cipher offer of its model's library. */
export function spaTlsOptions(fw: FirmwareProfile, model: string): ReturnType<typeof tlsClientOptions> {
  const o = tlsClientOptions(fw);
  const ecdhe = ECDHE_FIRST[model.toUpperCase()];
  return ecdhe ? { ...o, ciphers: `${ecdhe}:${o.ciphers}` } : o;
}
