import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  authRequest,
  authResponse,
  CAPF_TRACE_NAMES,
  type CapfMessage,
  capfFramer,
  decodeCapf,
  encodeCapf,
  endSession,
  keyGenerateRequest,
  keyGenerateResponse,
  signCapfData,
  signCapfDataSha2,
  storeCertificateRequest,
  verifyCapfData,
} from '../../devices/protocols/capf.ts';
import { LSC_STATUSES, lscStatus } from '../../devices/protocols/lsc-status.ts';

describe('CAPF codec', () => {
  it('AUTH_REQUEST matches a hand-built byte string (docs/reference/capf.md §3, §6 step 2)', () => {
    // 55 | cmd 01 | session 00000001 | len 0008 | VERSION 07 0001 03 | AUTH_TYPE 08 0001 01
    const expected = Buffer.from('55 01 00000001 0008 07 0001 03 08 0001 01'.replace(/ /g, ''), 'hex');
    expect(encodeCapf(authRequest(1, 1)).equals(expected)).toBe(true);
    expect(decodeCapf(expected)).toEqual({ ok: true, value: authRequest(1, 1) });
  });

  it('a certificate element is nested as 01 | DER+2 | 00 | certType | DER', () => {
    const der = Buffer.from([0x30, 0x03, 0x02, 0x01, 0x05]);
    const b = encodeCapf(storeCertificateRequest(0x1234, der));
    // body: CERTIFICATE_TYPE 03 0001 01, CERTIFICATE 04 000a 01 0007 00 01 <der>
    expect(b.subarray(8).toString('hex')).toBe(
      `030001010400 0a01000700 01${der.toString('hex')}`.replace(/ /g, ''),
    );
  });

  it('AUTH_RESPONSE with a signed certificate round-trips and its SIGNED_DATA verifies', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const cert = Buffer.from('3082 fake der'.repeat(20));
    const msg = authResponse(42, {
      deviceName: 'SEP58971ECC97C1',
      password: '',
      certificate: { certType: 2, der: cert },
      signedData: signCapfData(privateKey, 'SEP58971ECC97C1', cert),
      sha2SignedData: signCapfDataSha2(privateKey, 'SEP58971ECC97C1', cert),
    });
    const d = decodeCapf(encodeCapf(msg));
    expect(d).toEqual({ ok: true, value: msg });
    if (!d.ok) return;
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    expect(verifyCapfData(spki, 'SEP58971ECC97C1', cert, d.value.elements.signedData!)).toBe(true);
    expect(verifyCapfData(spki, 'SEP58971ECC97C2', cert, d.value.elements.signedData!)).toBe(false);
  });

  it('an empty password travels as a lone NUL (null-string mode)', () => {
    const b = encodeCapf(authResponse(1, { deviceName: 'SEP001122334455' }));
    expect(b.includes(Buffer.from([0x0b, 0x00, 0x01, 0x00]))).toBe(true);
  });

  it('the main flow round-trips and each message is one buffer', () => {
    const flow: CapfMessage[] = [
      keyGenerateRequest(3, { keyType: 'RSA', keySize: 2048 }),
      keyGenerateRequest(3, { keyType: 'EC', curve: 1 }),
      keyGenerateResponse(3, Buffer.from('spki')),
      endSession(3, 1),
      endSession(3, 7, 'Invalid authentication string'),
    ];
    for (const m of flow) expect(decodeCapf(encodeCapf(m))).toEqual({ ok: true, value: m });
  });

  it('a DEVICE_NAME without its NUL is a typed error naming the offset', () => {
    const b = Buffer.from(
      '55 02 00000001 0011 07 0001 03 0d 000a 53455030303131323200'.replace(/ /g, ''),
      'hex',
    );
    b[b.length - 1] = 0x33;
    const d = decodeCapf(b);
    expect(d.ok ? undefined : d.error).toMatchObject({ code: 'capf.missing-nul', offset: b.length });
  });

  it('trace names follow Cisco (CAPF_MSG_AUTH_REQ, CAPF_MSG_REQ_IN_PROGRESS, CAPF_MSG_KEY_GEN_RES)', () => {
    expect(CAPF_TRACE_NAMES.AUTH_REQUEST).toBe('CAPF_MSG_AUTH_REQ');
    expect(CAPF_TRACE_NAMES.REQUEST_IN_PROGRESS).toBe('CAPF_MSG_REQ_IN_PROGRESS');
    expect(CAPF_TRACE_NAMES.KEY_GENERATE_RESPONSE).toBe('CAPF_MSG_KEY_GEN_RES');
  });

  it('the framer yields messages split across chunks', () => {
    const f = capfFramer();
    const wire = Buffer.concat([encodeCapf(authRequest(9)), encodeCapf(endSession(9, 0))]);
    const out = [
      ...f.push(wire.subarray(0, 5)),
      ...f.push(wire.subarray(5, 20)),
      ...f.push(wire.subarray(20)),
    ];
    expect(out.map((r) => r.ok && r.value.command)).toEqual(['AUTH_REQUEST', 'END_SESSION']);
  });
});

describe('LSC status table (seed 003)', () => {
  it('has 33 entries with the exact CUCM wording', () => {
    expect(LSC_STATUSES.map((s) => s.enum)).toEqual(Array.from({ length: 33 }, (_, i) => i + 1));
    expect(lscStatus(10)?.name).toBe('Upgrade Failed: Invalid Authentication String');
    expect(lscStatus(3)?.moniker).toBe('CERT_STATUS_UPGRADE_SUCCESS');
  });
});
