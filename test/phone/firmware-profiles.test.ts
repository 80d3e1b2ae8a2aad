import { describe, expect, it } from 'vitest';
import {
  acceptsSignatureHash,
  FIRMWARE_PROFILES,
  firmwareProfile,
  profileFor,
  SSL_OP_NO_RENEGOTIATION,
  statusText,
  tlsClientOptions,
} from '../../devices/phone/firmware-profiles.ts';

describe('firmware profiles are data', () => {
  it('every profile id is unique and names at least one model', () => {
    const ids = FIRMWARE_PROFILES.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of FIRMWARE_PROFILES) expect(p.models.length).toBeGreaterThan(0);
  });

  it('SPA 7.5.7 refuses renegotiation (SSL_OP_NO_RENEGOTIATION), 7.5.6c allows it', () => {
    expect(tlsClientOptions(firmwareProfile('spa-7.5.7')!).secureOptions).toBe(SSL_OP_NO_RENEGOTIATION);
    expect(tlsClientOptions(firmwareProfile('spa-7.5.6c')!).secureOptions).toBeUndefined();
  });

  it('SPA firmware speaks TLS 1.0 only with @SECLEVEL=0 ciphers', () => {
    for (const id of ['spa-7.5.6c', 'spa-7.5.7']) {
      const o = tlsClientOptions(firmwareProfile(id)!);
      expect([o.minVersion, o.maxVersion]).toEqual(['TLSv1', 'TLSv1']);
      expect(o.ciphers).toContain('@SECLEVEL=0');
    }
  });

  it('SHA-1-only firmware refuses SHA-256 signatures; 88xx accepts them', () => {
    expect(acceptsSignatureHash(firmwareProfile('spa-7.5.6c')!, 'sha256')).toBe(false);
    expect(acceptsSignatureHash(firmwareProfile('sccp-7940-8.1')!, 'SHA-1')).toBe(true);
    expect(acceptsSignatureHash(firmwareProfile('sip-88xx-14.2')!, 'sha384')).toBe(true);
  });

  it('a profile can override a status wording (7940: CTL Installed)', () => {
    expect(statusText(firmwareProfile('sccp-7940-8.1')!, 'trustListUpdated')).toBe('CTL Installed');
    expect(statusText(firmwareProfile('sccp-79xx-9.4')!, 'trustListUpdated')).toBe('Trust List Updated');
  });

  it('only 88xx firmware does EC; legacy 7940 needs its TFTP in the CTL and has no ITL', () => {
    expect(firmwareProfile('sip-88xx-14.2')!.ecSupport).toBe(true);
    expect(firmwareProfile('sccp-79xx-9.4')!.ecSupport).toBe(false);
    const legacy = firmwareProfile('sccp-7940-8.1')!;
    expect([legacy.tftpMustBeInCtl, legacy.supportsItl]).toEqual([true, false]);
  });

  it('a model finds its firmware when none is named', () => {
    expect(profileFor({ model: 'CP-7940' })?.id).toBe('sccp-7940-8.1');
    expect(profileFor({ model: 'CP-8861' })?.id).toBe('sip-88xx-14.2');
  });
});
