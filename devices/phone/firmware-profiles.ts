/**
 * Firmware profiles: the behaviour switches of a phone firmware, as data (architecture decision 8).
 *
 * A new firmware is a new row, not a branch in code. The phone model (devices/phone/phone.ts) and the SPA
 * provisioning client (devices/peers/) read these rows; every switch here is exercised by a test in
 * test/phone/firmware-profiles.test.ts.
 *
 * Sources:
 * - legacy 7940/7960: seed 002 ("the older 7940 and 7960 phones have a strict requirement where they ONLY trust
 *   TFTP servers if the address of the server is inside the CTL file"); no ITL / Security by Default on these
 *   models (SecGuide: 7940/7960 do not support ITL); TLS 1.0 only for 7900 series (docs/reference/capf.md §2, docs/reference/tvs.md §2).
 * - 79x1/79x5 SCCP (7975): seed 002 ("The 7975 and 9971 will work without any problem", any TFTP address as long
 *   as the signature matches); SECD-style console log (seed 002, `SECD: validate_file_envelope: ...`).
 * - 88xx SIP: TLS 1.2, SHA-256, EC (ITL 1.1) support; SECUREAPP-style console log (docs/reference/trust-files.md §2, docs/reference/tvs.md §3).
 * - SPA50x/51x 7.5.6c / 7.5.7: seed 001 (TLS 1.0 only, SHA-1-signed certificates only; 7.5.7 refuses the
 *   server's renegotiation: Apache `AH02261: Re-negotiation handshake failed: Not accepted by client!?`).
 * - Jabber (MRA): TLS 1.2, SIP, no CTL/ITL handling on the MRA path (it trusts the platform store).
 */
import { constants as cryptoConstants } from 'node:crypto';

export type TlsVersionName = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** Which signature hashes the firmware accepts on a server certificate chain (seed 001: 7.5.6c is SHA-1 only). */
export type ServerCertHashes = 'sha1-only' | 'sha1-sha256' | 'any';

export type LogStyle =
  /** 79xx SCCP "SECD:" / "TFTP: [n]:" console lines (seed 002). */
  | 'secd-79xx'
  /** 78xx/88xx "SECUREAPP-..." console lines (docs/reference/trust-files.md §2, docs/reference/tvs.md §3, TAC-213407). */
  | 'secureapp'
  /** SPA syslog style (no trust lists). */
  | 'spa'
  /** Jabber client log. */
  | 'jabber';

/** The status messages a phone shows (Settings > Status > Status Messages); keys of statusWording. */
export type StatusKey =
  | 'trustListUpdated'
  | 'trustListUpdateFailed'
  | 'trustListVerificationFailed'
  | 'noValidCapfServer'
  | 'registering'
  | 'registered'
  | 'unregistered'
  | 'registrationRejected'
  | 'lscInstalled'
  | 'lscDeleted'
  | 'lscOperationFailed'
  | 'tftpServerNotAuthorized'
  | 'fileAuthError'
  | 'configDecryptionFailed';

/** Default wording (seed 002 / seed 003); a profile overrides single keys with statusWording. */
export const DEFAULT_STATUS_WORDING: Readonly<Record<StatusKey, string>> = {
  trustListUpdated: 'Trust List Updated',
  trustListUpdateFailed: 'Trust List Update Failed',
  trustListVerificationFailed: 'Trust List Verification Failed',
  noValidCapfServer: 'No valid CAPF server',
  registering: 'Registering',
  registered: 'Registered',
  unregistered: 'Unregistered',
  registrationRejected: 'Registration Rejected',
  // (M) The wordings below are from the 79xx/78xx admin guides' status message tables, not the seeds.
  lscInstalled: 'LSC Installed',
  lscDeleted: 'LSC Deleted',
  lscOperationFailed: 'LSC Operation Failed',
  tftpServerNotAuthorized: 'TFTP Server Not Authorized',
  fileAuthError: 'File Auth Error',
  configDecryptionFailed: 'Config File Decryption Failed',
};

export interface TlsProfile {
  min: TlsVersionName;
  max: TlsVersionName;
  /** OpenSSL cipher string; legacy firmware needs @SECLEVEL=0 for TLS 1.0, SHA-1 and NULL-SHA (docs/reference/toolchain.md §3.2). */
  ciphers: string;
  /** OpenSSL sigalgs list offered in ClientHello, when the firmware restricts it. */
  sigalgs?: string;
  /** Whether the firmware accepts a server-initiated renegotiation (seed 001: 7.5.7 does not). */
  renegotiation: boolean;
  /** Extra OpenSSL options (e.g. SSL_OP_NO_RENEGOTIATION for 7.5.7). */
  secureOptions?: number;
}

export interface FirmwareProfile {
  /** The id a phone declaration names in `firmware`. */
  id: string;
  /** Human label, e.g. `SCCP 8.1(2)SR2 (7940/7960)`. */
  label: string;
  family: 'legacy-79xx' | '79xx' | '78xx-88xx' | 'spa' | 'jabber';
  /** Model names (CUCM product names) this firmware runs on; the first is the default model. */
  models: readonly string[];
  protocol: 'SCCP' | 'SIP';
  /** The load name the phone reports (SCCP Register firmwareLoadName / SIP Reason ActiveLoad). */
  loadName: string;
  tls: TlsProfile;
  serverCertHashes: ServerCertHashes;
  /** ECDSA certificates and EC CAPF keys (needs ITL version 1.1 per docs/reference/capf.md §6). */
  ecSupport: boolean;
  /** Largest RSA key the phone will generate for an LSC (ucm-docs: phones support RSA <= 2048). */
  maxRsaKeyBits: 1024 | 2048 | 4096;
  /** Handles a CTL (mixed mode). */
  supportsCtl: boolean;
  /** Security by Default: ITL + TVS (7940/7960 do not support it). */
  supportsItl: boolean;
  /** Only trusts a TFTP server whose address is a CCM+TFTP/TFTP record's IPADDRESS in its CTL (seed 002). */
  tftpMustBeInCtl: boolean;
  /** Asks for the per-MAC trust files CTLSEP<MAC>.tlv / ITLSEP<MAC>.tlv before CTLFile.tlv / ITLFile.tlv (docs/reference/trust-files.md §1.6). */
  perMacTrustFiles: boolean;
  /** Has a CAPF client (LSC enrolment). */
  capfClient: boolean;
  /**
   * How SIGNED_DATA (CAPF tag 6, authentication by an existing LSC/MIC) is signed: `raw-sha1`, the
   * RSA PKCS#1 v1.5 type-1 padding around the bare 20-byte SHA-1 (no DigestInfo), as the open-source
   * CAPF client used with real phones signs it; `digest-info`, the standard RSASSA-PKCS1-v1_5 with the
   * SHA-1 DigestInfo. Default `raw-sha1` (docs/reference/capf.md §1: the open-source CAPF server compares only the
   * trailing 20 bytes, and accepted only the raw form from 2022 to 2024). EC keys sign ECDSA-SHA1 either way.
   */
  capfSignedData?: 'raw-sha1' | 'digest-info';
  /** Can decrypt .cnf.xml.enc.sgn. */
  encryptedConfig: boolean;
  logStyle: LogStyle;
  statusWording: Partial<Record<StatusKey, string>>;
  /** SCCP Register deviceType per model (docs/reference/sccp-sip.md §1.3; values from Wireshark's skinny device type table). */
  sccpDeviceType?: Readonly<Record<string, number>>;
  /** SCCP protocol version the phone announces (Register protocolVer). */
  sccpProtocolVersion?: number;
  /** SIP Contact `+u.sip!model.ccm.cisco.com` enum per model (docs/reference/sccp-sip.md §2). */
  sipModelEnum?: Readonly<Record<string, number>>;
  /** SIP User-Agent prefix, e.g. `Cisco-CP8861/14.2.1`. */
  sipUserAgent?: string;
  /** What the phone does when CallManager drops a registration it had (see ReRegistration). */
  reRegistration: ReRegistration;
}

/**
 * Re-registration after CallManager drops the registration connection (the TCP/TLS socket closes, or
 * keepalives go unanswered): the phone shows "Registering" and tries again, with a doubling delay
 * capped at maxDelayMs, at most maxAttempts times (a lab bound: a real phone keeps going and ends up
 * back at TFTP). A phone declaration's `timers` shorten every value (scenarios, tests).
 *
 * (M) Approximation from the SCCP/SIP admin guides ("the phone attempts to re-register with the next
 * Cisco Unified CM in its Cisco Unified CM group", keepalive failover): the exact intervals and the
 * number of missed keepalives differ per load and are not in the seeds.
 */
export interface ReRegistration {
  /** Keepalives (SCCP KeepAlive / SIP REGISTER refresh) left unanswered before the phone gives the connection up. */
  missedKeepAlives: number;
  /** Delay before the first attempt; each failed attempt doubles it, up to maxDelayMs. */
  firstDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
  /** `next-in-group`: the next CallManager of the group first, then around the list back to the same one. */
  failover: 'next-in-group' | 'same';
}

/** (M) defaults: SCCP and SIP phones of the 79xx/78xx/88xx families (see ReRegistration). */
const CM_GROUP_FAILOVER: ReRegistration = {
  missedKeepAlives: 2,
  firstDelayMs: 1000,
  maxDelayMs: 30_000,
  maxAttempts: 10,
  failover: 'next-in-group',
};
/** SPA and Jabber: one proxy, retried with backoff. */
const SAME_SERVER: ReRegistration = { ...CM_GROUP_FAILOVER, failover: 'same' };

/** OpenSSL's SSL_OP_NO_RENEGOTIATION (0x40000000); docs/reference/toolchain.md §3.4. */
export const SSL_OP_NO_RENEGOTIATION: number =
  (cryptoConstants as unknown as Record<string, number>).SSL_OP_NO_RENEGOTIATION ?? 0x40000000;

const LEGACY_CIPHERS = 'AES128-SHA:NULL-SHA:@SECLEVEL=0';

export const FIRMWARE_PROFILES: readonly FirmwareProfile[] = [
  {
    id: 'sccp-7940-8.1',
    label: 'SCCP 8.1(2)SR2 (7940/7960)',
    family: 'legacy-79xx',
    models: ['CP-7940', 'CP-7960'],
    protocol: 'SCCP',
    loadName: 'P0030801SR02',
    tls: { min: 'TLSv1', max: 'TLSv1', ciphers: LEGACY_CIPHERS, renegotiation: true },
    serverCertHashes: 'sha1-only',
    ecSupport: false,
    maxRsaKeyBits: 2048,
    supportsCtl: true,
    supportsItl: false,
    tftpMustBeInCtl: true,
    perMacTrustFiles: false,
    capfClient: true,
    encryptedConfig: false,
    logStyle: 'secd-79xx',
    reRegistration: CM_GROUP_FAILOVER,
    // (M) 7940/7960 admin guide status messages: "CTL Installed", "CTL Update Failed".
    statusWording: { trustListUpdated: 'CTL Installed', trustListUpdateFailed: 'CTL Update Failed' },
    sccpDeviceType: { 'CP-7940': 8, 'CP-7960': 7 },
    sccpProtocolVersion: 5,
  },
  {
    id: 'sccp-79xx-9.4',
    label: 'SCCP 9.4(2)SR3 (7941/7961/7945/7965/7975)',
    family: '79xx',
    models: ['CP-7975', 'CP-7941', 'CP-7961', 'CP-7945', 'CP-7965'],
    protocol: 'SCCP',
    loadName: 'SCCP75.9-4-2SR3-1S',
    tls: {
      min: 'TLSv1',
      max: 'TLSv1.2',
      ciphers: 'AES128-SHA:AES256-SHA:NULL-SHA:@SECLEVEL=0',
      renegotiation: true,
    },
    serverCertHashes: 'sha1-sha256',
    ecSupport: false,
    maxRsaKeyBits: 2048,
    supportsCtl: true,
    supportsItl: true,
    tftpMustBeInCtl: false,
    perMacTrustFiles: true,
    capfClient: true,
    encryptedConfig: true,
    logStyle: 'secd-79xx',
    reRegistration: CM_GROUP_FAILOVER,
    statusWording: {},
    sccpDeviceType: { 'CP-7975': 437, 'CP-7941': 115, 'CP-7961': 30018, 'CP-7945': 435, 'CP-7965': 436 },
    sccpProtocolVersion: 17,
  },
  {
    id: 'sip-88xx-14.2',
    label: 'SIP 14.2(1) (78xx/88xx)',
    family: '78xx-88xx',
    models: ['CP-8861', 'CP-8851', 'CP-8845', 'CP-8865', 'CP-7821', 'CP-7841'],
    protocol: 'SIP',
    loadName: 'sip88xx.14-2-1-0001-14',
    tls: {
      min: 'TLSv1.2',
      max: 'TLSv1.2',
      ciphers:
        'ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256:AES256-SHA:AES128-SHA:NULL-SHA:@SECLEVEL=0',
      renegotiation: true,
    },
    serverCertHashes: 'any',
    ecSupport: true,
    maxRsaKeyBits: 4096,
    supportsCtl: true,
    supportsItl: true,
    tftpMustBeInCtl: false,
    perMacTrustFiles: true,
    capfClient: true,
    encryptedConfig: true,
    logStyle: 'secureapp',
    reRegistration: CM_GROUP_FAILOVER,
    statusWording: {},
    // Approximation (L): CUCM model enum values for the +u.sip!model.ccm.cisco.com Contact parameter.
    sipModelEnum: {
      'CP-8861': 36670,
      'CP-8851': 36669,
      'CP-8845': 36668,
      'CP-8865': 36673,
      'CP-7821': 621,
      'CP-7841': 622,
    },
    sipUserAgent: 'Cisco-CP8861/14.2.1',
  },
  {
    id: 'spa-7.5.6c',
    label: 'SPA50x/51x 7.5.6c',
    family: 'spa',
    models: ['SPA504G', 'SPA514G', 'SPA508G', 'SPA509G', 'SPA512G', 'SPA525G2'],
    protocol: 'SIP',
    loadName: '7.5.6c',
    // seed 001: SPA514 negotiates DHE-RSA-AES256-SHA over TLSv1; SHA-1 signatures only.
    tls: {
      min: 'TLSv1',
      max: 'TLSv1',
      ciphers: 'DHE-RSA-AES256-SHA:AES256-SHA:AES128-SHA:@SECLEVEL=0',
      sigalgs: 'RSA+SHA1',
      renegotiation: true,
    },
    serverCertHashes: 'sha1-only',
    ecSupport: false,
    maxRsaKeyBits: 2048,
    supportsCtl: false,
    supportsItl: false,
    tftpMustBeInCtl: false,
    perMacTrustFiles: false,
    capfClient: false,
    encryptedConfig: false,
    logStyle: 'spa',
    reRegistration: SAME_SERVER,
    statusWording: {},
    sipUserAgent: 'Cisco/SPA514G-7.5.6c',
  },
  {
    id: 'spa-7.5.7',
    label: 'SPA50x/51x 7.5.7',
    family: 'spa',
    models: ['SPA504G', 'SPA514G', 'SPA508G', 'SPA509G', 'SPA512G', 'SPA525G2'],
    protocol: 'SIP',
    loadName: '7.5.7',
    // seed 001: mutual TLS by renegotiation broke in 7.5.7 / 7.5.7s; the phone refuses the HelloRequest.
    tls: {
      min: 'TLSv1',
      max: 'TLSv1',
      ciphers: 'DHE-RSA-AES256-SHA:AES256-SHA:AES128-SHA:@SECLEVEL=0',
      sigalgs: 'RSA+SHA1',
      renegotiation: false,
      secureOptions: SSL_OP_NO_RENEGOTIATION,
    },
    serverCertHashes: 'sha1-only',
    ecSupport: false,
    maxRsaKeyBits: 2048,
    supportsCtl: false,
    supportsItl: false,
    tftpMustBeInCtl: false,
    perMacTrustFiles: false,
    capfClient: false,
    encryptedConfig: false,
    logStyle: 'spa',
    reRegistration: SAME_SERVER,
    statusWording: {},
    sipUserAgent: 'Cisco/SPA514G-7.5.7',
  },
  {
    id: 'jabber-14',
    label: 'Cisco Jabber 14 (MRA)',
    family: 'jabber',
    models: ['Cisco Unified Client Services Framework'],
    protocol: 'SIP',
    loadName: 'Jabber 14.1',
    tls: { min: 'TLSv1.2', max: 'TLSv1.3', ciphers: 'DEFAULT', renegotiation: true },
    serverCertHashes: 'any',
    ecSupport: true,
    maxRsaKeyBits: 4096,
    supportsCtl: false,
    supportsItl: false,
    tftpMustBeInCtl: false,
    perMacTrustFiles: false,
    capfClient: false,
    encryptedConfig: false,
    logStyle: 'jabber',
    reRegistration: SAME_SERVER,
    statusWording: {},
    sipUserAgent: 'Cisco-UCSF/14.1',
  },
];

export function firmwareProfile(id: string): FirmwareProfile | undefined {
  return FIRMWARE_PROFILES.find((p) => p.id === id);
}

/** The profile for an id, or the first profile whose models include `model`. */
export function profileFor(opts: { firmware?: string; model?: string }): FirmwareProfile | undefined {
  if (opts.firmware) return firmwareProfile(opts.firmware);
  if (opts.model) return FIRMWARE_PROFILES.find((p) => p.models.includes(opts.model as string));
  return undefined;
}

export function statusText(profile: FirmwareProfile, key: StatusKey): string {
  return profile.statusWording[key] ?? DEFAULT_STATUS_WORDING[key];
}

/** Node TLS options a client with this firmware uses (min/max version, ciphers, sigalgs, secureOptions). */
export function tlsClientOptions(profile: FirmwareProfile): {
  minVersion: TlsVersionName;
  maxVersion: TlsVersionName;
  ciphers: string;
  sigalgs?: string;
  secureOptions?: number;
} {
  const o: {
    minVersion: TlsVersionName;
    maxVersion: TlsVersionName;
    ciphers: string;
    sigalgs?: string;
    secureOptions?: number;
  } = {
    minVersion: profile.tls.min,
    maxVersion: profile.tls.max,
    ciphers: profile.tls.ciphers,
  };
  if (profile.tls.sigalgs) o.sigalgs = profile.tls.sigalgs;
  if (profile.tls.secureOptions !== undefined) o.secureOptions = profile.tls.secureOptions;
  return o;
}

/** Signature hash names (lower case, e.g. 'sha1', 'sha256') the firmware accepts on a server certificate. */
export function acceptsSignatureHash(profile: FirmwareProfile, hash: string): boolean {
  const h = hash.toLowerCase().replace('-', '');
  if (profile.serverCertHashes === 'sha1-only') return h === 'sha1';
  if (profile.serverCertHashes === 'sha1-sha256') return h === 'sha1' || h === 'sha256';
  return true;
}
