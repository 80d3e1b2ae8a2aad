/**
 * Node's error codes in device logs: finding them, and what each product's stack prints instead.
 */
import { describe, expect, it } from 'vitest';
import {
  type ErrorStack,
  nodeErrorCodesIn,
  opensslVerifyError,
  productErrorText,
  productWordingOfNodeError,
  receivedAlertOf,
} from '../../emulator/fidelity/node-errors.ts';
import { SEED_WORDINGS } from '../../emulator/fidelity/seed-wordings.ts';

const STACKS: ErrorStack[] = ['openssl-1.0', 'openssl-1.1', 'apache', 'java', 'python', 'curl'];

describe('nodeErrorCodesIn', () => {
  it('finds the code the SPA 514 logs in spa-757-renegotiation', () => {
    expect(
      nodeErrorCodesIn(
        'SPA514G 0011 -- Resync failed: https connection aborted: ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE (alert handshake_failure)',
      ),
    ).toEqual(['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE']);
  });

  it("finds an errno name in Node's socket messages", () => {
    expect(nodeErrorCodesIn('connect ECONNREFUSED 127.0.0.10:2443; then read ECONNRESET')).toEqual([
      'ECONNREFUSED',
      'ECONNRESET',
    ]);
  });

  it('finds the errno and the OpenSSL 3 string of a Node TLS error message', () => {
    expect(
      nodeErrorCodesIn(
        'write EPROTO 40E7C2F6:error:0A000410:SSL routines::sslv3 alert handshake failure:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1605:',
      ),
    ).toEqual(['EPROTO', 'error:0A000410']);
  });

  it("finds Node's names for X.509 verify errors", () => {
    expect(nodeErrorCodesIn('server certificate not trusted: DEPTH_ZERO_SELF_SIGNED_CERT')).toEqual([
      'DEPTH_ZERO_SELF_SIGNED_CERT',
    ]);
  });

  it("finds the fabric's own codes", () => {
    expect(
      nodeErrorCodesIn(
        'ssl handshake failed (alert unknown_ca): ALERT_UNKNOWN_CA after tls.rejected-by-peer',
      ),
    ).toEqual(['ALERT_UNKNOWN_CA', 'tls.rejected-by-peer']);
  });

  it('leaves an errno a C program prints with its number (ECONNREFUSED [111])', () => {
    expect(
      nodeErrorCodesIn('CONNECT: attempt fail to 10.0.0.1:8443 connection_result=ECONNREFUSED [111]'),
    ).toEqual([]);
  });

  it("finds nothing in the products' own wordings", () => {
    const productLines = [
      ...SEED_WORDINGS.map((w) => w.template),
      'ERR 04:27:43.534321 SECD: EROR:clpSndStatus: ** SEC-ERR: code:5(SSL_ALERT) subcode:45(EXPIRED_CERT)',
      '10 Upgrade Failed: Invalid Authentication String CERT_STATUS_UPGRADE_FAIL_INVALID_AUTH_STR',
      'javax.net.ssl.SSLHandshakeException: Received fatal alert: unknown_ca',
      'error:14094410:SSL routines:SSL3_READ_BYTES:sslv3 alert handshake failure',
    ];
    expect(productLines.filter((l) => nodeErrorCodesIn(l).length > 0)).toEqual([]);
  });
});

describe('productWordingOfNodeError', () => {
  it.each([
    [
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      'openssl-1.0',
      'error:14094410:SSL routines:SSL3_READ_BYTES:sslv3 alert handshake failure',
    ],
    [
      'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
      'openssl-1.1',
      'error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca',
    ],
    [
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'openssl-1.1',
      'error:1409445C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required',
    ],
    [
      'ALERT_UNKNOWN_CA',
      'apache',
      'SSL Library Error: error:14094418:SSL routines:SSL3_READ_BYTES:tlsv1 alert unknown ca (SSL alert number 48)',
    ],
    [
      'ALERT_DECRYPT_ERROR',
      'java',
      'javax.net.ssl.SSLHandshakeException: Received fatal alert: decrypt_error',
    ],
    [
      'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
      'python',
      '[SSL: SSLV3_ALERT_CERTIFICATE_EXPIRED] sslv3 alert certificate expired (_ssl.c:590)',
    ],
    ['ECONNREFUSED', 'python', '[Errno 111] Connection refused'],
    ['ECONNREFUSED', 'java', 'java.net.ConnectException: Connection refused (Connection refused)'],
    ['ECONNRESET', 'openssl-1.0', 'Connection reset by peer'],
    ['ETIMEDOUT', 'curl', 'curl error 28 (Timeout was reached)'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'curl', 'curl error 35 (SSL connect error)'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'openssl-1.1', 'self signed certificate'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'openssl-1.0', 'Hostname mismatch'],
    [
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      'apache',
      'Certificate Verification: Error (20): unable to get local issuer certificate',
    ],
  ] as [string, ErrorStack, string][])('renders %s for %s as "%s"', (code, stack, wording) => {
    expect(productWordingOfNodeError(code, stack)).toBe(wording);
  });

  it('says nothing for a code it does not know', () => {
    expect(productWordingOfNodeError('ERR_STREAM_PREMATURE_CLOSE', 'openssl-1.0')).toBeNull();
  });

  it('gives the OpenSSL verify text seed 004 shows for a self-signed origin', () => {
    const seedLine = SEED_WORDINGS.find((w) => w.id === '004-ts-core-server-verification-failed')?.template;
    expect(seedLine).toContain(
      `Error=${productWordingOfNodeError('DEPTH_ZERO_SELF_SIGNED_CERT', 'openssl-1.1')} `,
    );
  });

  it("gives seed 000's errno for a self-signed certificate", () => {
    expect(opensslVerifyError('DEPTH_ZERO_SELF_SIGNED_CERT')?.n).toBe(18);
  });

  it('gives the alert reason seed 003 shows for unknown_ca', () => {
    expect(receivedAlertOf('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA')?.reason).toBe('tlsv1 alert unknown ca');
    expect(receivedAlertOf('ALERT_UNKNOWN_CA')?.reason).toBe('tlsv1 alert unknown ca');
  });

  it('never answers with a Node code', () => {
    const codes = [
      'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
      'ALERT_BAD_CERTIFICATE',
      'ECONNRESET',
      'EPIPE',
      'ENOTFOUND',
      'CERT_HAS_EXPIRED',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    ];
    const leaks = STACKS.flatMap((s) =>
      codes.map((c) => productWordingOfNodeError(c, s) ?? '').filter((w) => nodeErrorCodesIn(w).length > 0),
    );
    expect(leaks).toEqual([]);
  });
});

describe('productErrorText', () => {
  it("words a Node TLS error the way the product's OpenSSL does", () => {
    const e = Object.assign(new Error('error:0A000410:SSL routines::sslv3 alert handshake failure'), {
      code: 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
    });
    expect(productErrorText(e, 'openssl-1.0')).toBe(
      'error:14094410:SSL routines:SSL3_READ_BYTES:sslv3 alert handshake failure',
    );
  });

  it('finds the code in the message when the error carries none', () => {
    expect(productErrorText({ message: 'read ECONNRESET' }, 'openssl-1.0')).toBe('Connection reset by peer');
  });

  it('keeps a message that holds no Node code as it is', () => {
    expect(productErrorText({ message: 'http response timeout' }, 'java')).toBe('http response timeout');
  });

  it('drops a code it cannot word instead of printing it', () => {
    const text = productErrorText(
      { code: 'ERR_STREAM_PREMATURE_CLOSE', message: 'ERR_STREAM_PREMATURE_CLOSE' },
      'openssl-1.0',
    );
    expect(nodeErrorCodesIn(text)).toEqual([]);
    expect(text).toBe('SSL connection failed');
  });
});
