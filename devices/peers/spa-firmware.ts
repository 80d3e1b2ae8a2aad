/**
 * SPA firmware rows for the SPA phone model. The rows themselves live in devices/phone/firmware-profiles.ts
 * (owned by the phone model); this module only picks the SPA ones and adds rows that table lacks.
 */
import { FIRMWARE_PROFILES, type FirmwareProfile, firmwareProfile } from '../phone/firmware-profiles.ts';

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
