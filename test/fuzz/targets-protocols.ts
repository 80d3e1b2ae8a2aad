/**
 * Fuzz targets for the wire protocols (devices/protocols): TVS, CAPF, SCCP, SIP and TFTP packets.
 * Seeds are the codecs' own encodings of every message the lab sends or receives.
 */
import {
  authRequest,
  authResponse,
  CapfCertType,
  CapfCurve,
  capfFramer,
  decodeCapf,
  deleteCertificateRequest,
  encodeCapf,
  endSession,
  fetchCertificateResponse,
  keyGenerateRequest,
  keyGenerateResponse,
  requestInProgress,
  storeCertificateRequest,
} from '../../devices/protocols/capf.ts';
import { decodeSccp, encodeSccp, type SccpMessage, sccpFramer } from '../../devices/protocols/sccp.ts';
import { readSccpCall, SccpCallState, sccpCall } from '../../devices/protocols/sccp-call.ts';
import { buildAudioSdp, parseAudioSdp, parseSrtpInline } from '../../devices/protocols/sdp.ts';
import {
  buildForbidden,
  buildInvite,
  buildOptions,
  buildRegister,
  buildRegisterOk,
  buildUnauthorized,
  decodeSip,
  encodeSip,
  headerParam,
  headerValues,
  SIP_MAX_BODY_BYTES,
  SIP_MAX_HEADER_BYTES,
  SipFramer,
} from '../../devices/protocols/sip.ts';
import { decodeTftp, encodeTftp } from '../../devices/protocols/tftp/packet.ts';
import { normaliseTftpPath } from '../../devices/protocols/tftp/server.ts';
import { decodeTvs, encodeTvs, tvsFramer } from '../../devices/protocols/tvs.ts';
import type { FuzzTarget } from './target.ts';

const CERT_LIKE = Buffer.concat([Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.alloc(256, 0x5a)]);

const tvs: FuzzTarget = {
  name: 'tvs',
  description: 'TVS messages (decodeTvs) and the TVS stream framer',
  maxLength: 10 + 0xffff + 64,
  async seeds() {
    return [
      encodeTvs({
        type: 'QUERY_CERT_REQ',
        sessionId: 1001,
        deviceName: 'CP-8861-SEPB000B4BA0AEE',
        subject: 'CN=ucm11pub.stormin.local;OU=IST;O=stormin;L=Melbourne;ST=VI;C=AU',
        issuer: 'CN=CAPF-a7fb32bf;C=AU',
        serial: Buffer.alloc(19, 0x5a),
      }),
      encodeTvs({
        type: 'CERT_VERIFICATION_REQ',
        sessionId: 7,
        deviceName: 'CP-8851-SEP001122334455',
        certificate: CERT_LIKE,
      }),
      encodeTvs({
        type: 'CERT_VERIFICATION_RES',
        sessionId: 7,
        reserved: 0xf7,
        status: 0,
        roles: [0, 3],
        ttl: 86400,
      }),
      encodeTvs({
        type: 'QUERY_CERT_RES',
        sessionId: 8,
        status: 0,
        certificate: CERT_LIKE,
        roles: [1],
        ttl: 86400,
      }),
      encodeTvs({ type: 'QUERY_CERT_RES', sessionId: 9, status: 1, roles: [], ttl: 0 }),
    ];
  },
  parse: (b) => decodeTvs(b),
  framer: tvsFramer,
};

const capf: FuzzTarget = {
  name: 'capf',
  description: 'CAPF messages (decodeCapf) and the CAPF stream framer',
  maxLength: 8 + 0xffff + 64,
  async seeds() {
    const cert = { certType: CapfCertType.LSC, der: CERT_LIKE };
    return [
      authRequest(0x1234),
      authResponse(0x1234, {
        deviceName: 'SEP001122334455',
        password: '12345',
        certificate: { certType: CapfCertType.MIC, der: CERT_LIKE },
        signedData: Buffer.alloc(256, 1),
        sha2SignedData: { digest: 3, signature: Buffer.alloc(256, 2) },
      }),
      keyGenerateRequest(1, { keyType: 'RSA', keySize: 2048 }),
      keyGenerateRequest(1, { keyType: 'EC', curve: CapfCurve.SECP384R1 }),
      keyGenerateResponse(1, Buffer.alloc(294, 3)),
      requestInProgress(1),
      storeCertificateRequest(1, CERT_LIKE),
      fetchCertificateResponse(1, cert),
      deleteCertificateRequest(1),
      endSession(1, 7, 'Invalid Authentication String'),
      {
        command: 'STATUS_REQUEST' as const,
        sessionId: 2,
        elements: { unknown: [{ tag: 99, value: Buffer.from('x') }] },
      },
    ].map((m) => encodeCapf(m));
  },
  parse: (b) => decodeCapf(b),
  framer: capfFramer,
};

const sccpMessages: SccpMessage[] = [
  {
    type: 'Register',
    register: {
      deviceName: 'SEP001122334455',
      userId: 0,
      instance: 1,
      stationIpAddr: '10.1.2.3',
      deviceType: 115,
      maxStreams: 5,
      activeStreams: 0,
      protocolVer: 20,
      phoneFeatures: 0x8000,
      maxConferences: 0,
      activeConferences: 0,
      macAddress: '001122334455',
      ipV4AddressScope: 0,
      maxNumberOfLines: 2,
      ipV4Only: true,
      ipV6AddressScope: 0,
      firmwareLoadName: 'SCCP41.9-4-2SR3-1S',
      configVersionStamp: '{c8d5a8f2-0000-0000-0000-000000000001}',
    },
  },
  {
    type: 'Register',
    register: { deviceName: 'SEP00AABBCCDDEE', stationIpAddr: '10.0.0.9', deviceType: 30016 },
  },
  {
    type: 'RegisterAck',
    ack: {
      keepAliveInterval: 30,
      dateTemplate: 'M/D/YA',
      secondaryKeepAliveInterval: 60,
      protocolVersion: 20,
    },
  },
  { type: 'RegisterReject', text: 'No Authority: SEP001122334455' },
  {
    type: 'CapabilitiesRes',
    capabilities: [
      { codec: 4, maxFramesPerPacket: 40 },
      { codec: 2, maxFramesPerPacket: 40 },
    ],
  },
  { type: 'KeepAlive' },
  { type: 'KeepAliveAck' },
  { type: 'CapabilitiesReq' },
  { type: 'Unregister', reason: 0 },
  { type: 'UnregisterAck', status: 0 },
  { type: 'Reset', resetType: 2 },
  sccpCall({ type: 'CallState', state: SccpCallState.Connected, lineInstance: 1, callReference: 7 }),
  sccpCall({
    type: 'StartMediaTransmission',
    passThruPartyId: 3,
    remoteIp: '10.1.2.4',
    remotePort: 16384,
    callReference: 7,
    sendKey: { algorithm: 1, key: Buffer.alloc(16, 1), salt: Buffer.alloc(14, 2) },
    recvKey: { algorithm: 1, key: Buffer.alloc(16, 3), salt: Buffer.alloc(14, 4) },
  }),
  sccpCall({
    type: 'CallInfo',
    callingPartyName: 'Alice',
    callingParty: '1001',
    calledPartyName: 'Bob',
    calledParty: '1002',
    lineInstance: 1,
    callReference: 7,
    callType: 2,
    callSecurityStatus: 3,
  }),
  sccpCall({
    type: 'OpenReceiveChannelAck',
    status: 0,
    ip: '10.1.2.3',
    port: 16386,
    passThruPartyId: 3,
    callReference: 7,
  }),
];

const sccp: FuzzTarget = {
  name: 'sccp',
  description: 'SCCP frames (decodeSccp, then the call-message reader) and the SCCP stream framer',
  maxLength: 8192 + 64,
  async seeds() {
    return sccpMessages.map((m, i) => encodeSccp(m, i % 3 === 0 ? 20 : 0));
  },
  parse: (b) => {
    const d = decodeSccp(b);
    if (d.ok) readSccpCall(d.value.message);
    return d;
  },
  framer: sccpFramer,
};

const phone = {
  mac: '001122334455',
  model: 'CP-8851',
  modelEnum: 684,
  firmware: '12.1.1',
  activeLoad: 'sip88xx.12-1-1-12.loads',
  inactiveLoad: 'sip88xx.11-7-1-17.loads',
};
const trunk = {
  localHost: '10.0.0.9',
  localPort: 5061,
  remoteHost: 'cucm-pub',
  transport: 'TLS' as const,
  userAgent: 'Cisco-SIPGateway/IOS-17.x',
  callId: 'c1@10.0.0.9',
};

const sip: FuzzTarget = {
  name: 'sip',
  description:
    'SIP messages (decodeSip, header lists and parameters, SDP, SRTP keys) and the SIP stream framer',
  maxLength: SIP_MAX_HEADER_BYTES + SIP_MAX_BODY_BYTES + 256,
  tokens: [
    '\r\n',
    '\r\n\r\n',
    ':',
    ';',
    ',',
    '<',
    '>',
    '"',
    '\\"',
    ' ',
    '\t',
    'Content-Length: 0',
    'Content-Length: 99999999',
    'l: 12',
    'Via: SIP/2.0/TLS a;branch=z9hG4bK',
    ';tag=',
    'To: <sip:a@b>;tag=x',
    'SIP/2.0 ',
    'm=audio 0 RTP/SAVP 0\r\n',
    'c=IN IP4 999.1.1.1\r\n',
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:',
    '|2^31|1:1',
  ],
  async seeds() {
    const reg = buildRegister({
      phone,
      phoneIp: '10.1.2.3',
      phonePort: 51234,
      cucmHost: 'cucm-pub',
      dn: '1001',
      lineContact: 'b7e1a0c2-0000-0000-0000-000000000001',
      transport: 'TLS',
      cseq: 101,
      callId: '00112233-44550001-00000001-00000002@10.1.2.3',
      fromTag: '0011223344550001-00000001',
      branch: 'z9hG4bK00000001',
      first: true,
      date: new Date(Date.UTC(2024, 0, 1)),
    });
    const sdp = buildAudioSdp({
      address: '10.1.2.3',
      port: 16384,
      profile: 'RTP/SAVP',
      crypto: { suite: 'AES_CM_128_HMAC_SHA1_32', inline: Buffer.alloc(30, 7).toString('base64') },
    });
    const date = new Date(Date.UTC(2024, 0, 1));
    return [
      reg,
      buildRegisterOk(reg, { toTag: 'abcd', date }),
      buildUnauthorized(reg, 'ccmsipline', 'nonce', { toTag: 'abcd' }),
      buildForbidden(reg, {
        warning: { agent: 'cucm-pub', text: 'SIP OAuth Registration port Mismatch' },
        retryAfter: 30,
      }),
      buildOptions(trunk),
      { ...buildInvite(trunk), body: Buffer.from(sdp) },
    ].map((m) => encodeSip(m));
  },
  parse: (b) => {
    const d = decodeSip(b);
    if (!d.ok) return d;
    // What the lab reads from a request: list headers by name, and parameters of each value.
    for (const name of new Set(d.value.headers.slice(0, 64).map(([n]) => n.toLowerCase()))) {
      headerValues(d.value, name);
    }
    for (const [, value] of d.value.headers) {
      headerParam(value, 'tag');
      headerParam(value, 'branch');
    }
    const audio = parseAudioSdp(d.value.body.toString('utf8'));
    if (audio?.crypto) parseSrtpInline(audio.crypto);
    return d;
  },
  framer: () => new SipFramer(),
};

const tftp: FuzzTarget = {
  name: 'tftp',
  description: 'TFTP packets (decodeTftp) and request paths (normaliseTftpPath)',
  maxLength: 65468 + 64,
  tokens: [
    '\0',
    'octet\0',
    'netascii\0',
    'mail\0',
    'blksize\0',
    'tsize\0',
    'timeout\0',
    '65464\0',
    '0\0',
    '../',
    '\\',
    'C:',
  ],
  async seeds() {
    return [
      encodeTftp({ op: 'RRQ', filename: 'ITLFile.tlv', mode: 'octet', options: {} }),
      encodeTftp({
        op: 'RRQ',
        filename: 'SEP001122334455.cnf.xml.sgn',
        mode: 'octet',
        options: { blksize: 1400, tsize: 0, timeout: 6, other: { windowsize: '4' } },
      }),
      encodeTftp({ op: 'WRQ', filename: 'x', mode: 'netascii', options: {} }),
      encodeTftp({ op: 'DATA', block: 1, data: Buffer.alloc(512, 1) }),
      encodeTftp({ op: 'ACK', block: 65535 }),
      encodeTftp({ op: 'ERROR', code: 1, message: 'File not found' }),
      encodeTftp({ op: 'OACK', options: { blksize: 1400, tsize: 100000, timeout: 6 } }),
    ];
  },
  parse: (b) => {
    const d = decodeTftp(b);
    if (d.ok && (d.value.op === 'RRQ' || d.value.op === 'WRQ')) {
      const n = normaliseTftpPath(d.value.filename);
      return n.ok ? d : err(n.error);
    }
    return d;
  },
};

/** A TFTP path refusal as a `Result` error (it has a TFTP code, not a format code). */
function err(r: { tftpCode: number; message: string }) {
  return { ok: false as const, error: { code: `tftp.refused-${r.tftpCode}`, message: r.message } };
}

export const PROTOCOL_TARGETS: readonly FuzzTarget[] = [tvs, capf, sccp, sip, tftp];
