import { describe, expect, it } from 'vitest';
import { alertForVerifyError, alertFromErrorCode } from '../../emulator/tls-alerts.ts';

describe('TLS alerts a real OpenSSL device sends', () => {
  it.each([
    ['CERT_HAS_EXPIRED', 'certificate_expired'],
    ['CERT_NOT_YET_VALID', 'bad_certificate'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'unknown_ca'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unknown_ca'],
    ['CERT_SIGNATURE_FAILURE', 'decrypt_error'],
    ['INVALID_PURPOSE', 'unsupported_certificate'],
  ])('a verify error %s is answered with %s', (error, name) => {
    expect(alertForVerifyError(error).name).toBe(name);
  });

  it('a missing client certificate is handshake_failure before TLS 1.3 and certificate_required in it', () => {
    expect(alertForVerifyError('NO_PEER_CERTIFICATE', 'TLSv1.2').code).toBe(40);
    expect(alertForVerifyError('NO_PEER_CERTIFICATE', 'TLSv1.3').code).toBe(116);
  });

  it('reads the alert a peer sent out of the Node error code', () => {
    expect(alertFromErrorCode('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')).toEqual({ code: 48, name: 'unknown_ca' });
    expect(alertFromErrorCode('ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED')).toEqual({
      code: 45,
      name: 'certificate_expired',
    });
    expect(alertFromErrorCode('ECONNRESET')).toBeNull();
  });
});
