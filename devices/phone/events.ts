/**
 * What a phone puts on the lab timeline (architecture decision 7), merged into the lab's EventMap. A
 * scenario check, a fleet report and the trainer's live view read a phone only through these: nothing
 * here needs the phone object to be understood.
 *
 * - `phone.boot`: one per boot, when it ends: every step's outcome (the same data as the BootReport).
 * - `phone.trust-list`: the CTL or ITL the phone holds changed (installed, erased) or a new one was
 *   refused, with the MD5 the Trust List menu shows and the records it lists.
 * - `phone.config`: a configuration file was taken or refused, with its signer and how it was trusted.
 * - `phone.tvs`: the phone asked TVS about a signer, and what TVS said.
 * - `phone.capf`: a CAPF operation ended, with the LSC the phone holds afterwards.
 * - `phone.registration`: the registration state changed (what the screen shows: Registering, ...).
 * - `phone.call`, `phone.media`: a call connected or failed (icon, media), the media it received.
 *
 * Status messages (Settings > Status > Status Messages) are `log` events with `source: 'status'`, in
 * the firmware's own wording; the console is `log` with `source: 'console'`.
 */
import type { MediaReport } from './media.ts';

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'rejected';
export type CallIcon = 'lock' | 'shield' | 'none';
export type SecurityLevel = 'non-secure' | 'authenticated' | 'encrypted';
export type TrustListName = 'CTL' | 'ITL';

export type TrustListOutcome =
  | 'updated'
  | 'unchanged'
  | 'not-found'
  | 'not-supported'
  | 'update-failed'
  | 'verification-failed'
  | 'tftp-not-authorized'
  | 'offline';

export type ConfigOutcome =
  | 'verified'
  | 'plain'
  | 'decrypted'
  | 'not-found'
  | 'untrusted'
  | 'decrypt-failed'
  | 'malformed'
  | 'skipped';

/** How a signer came to be trusted: a record of the CTL/ITL the phone holds, or TVS vouching for it. */
export type TrustedVia = 'trust-list' | 'tvs';

export interface RegistrationReport {
  state: RegistrationState;
  secure: boolean;
  /** `SCCP/TLS`, `SIP/TCP`, ...; null when no CallManager was tried. */
  transport: string | null;
  /** `<CallManager>:<port>`. */
  server: string | null;
  detail: string;
}

/** What one boot did, step by step (`uclab phone boot --json` prints it; `phone.boot` carries it). */
export interface BootReport {
  schemaVersion: 1;
  phone: string;
  model: string;
  firmware: string;
  tftp: { host: string; address: string | null; port: number };
  ctl: { outcome: TrustListOutcome; md5: string | null; signer?: string };
  itl: { outcome: TrustListOutcome; md5: string | null; signer?: string };
  config: {
    file: string | null;
    outcome: ConfigOutcome;
    deviceSecurityMode: number | null;
    signer?: string;
    via?: TrustedVia;
  };
  capf: { outcome: string; detail?: string } | null;
  registration: RegistrationReport;
  certificates: { mic: string; lsc: string | null };
  status: string[];
}

/** A record of a trust list as the Trust List menu shows it. */
export interface TrustListRecordView {
  /** The certificate's CN (or the record's subject name when it holds no certificate). */
  name: string;
  /** Role name as the menu shows it: `SAST`, `CCM+TFTP`, `TVS`, ... */
  role: string;
  /** The record's IP address, when it has one other than 0.0.0.0. */
  ipAddress: string | null;
}

/** A certificate as a phone event shows it. */
export interface PhoneCertView {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
}

declare module '../../emulator/events.ts' {
  interface EventMap {
    /** A boot ended: every step's outcome, the MD5s held, the certificates, the status messages shown. */
    'phone.boot': Omit<BootReport, 'schemaVersion'>;
    /**
     * The trust list the phone holds changed, or a new one was refused (`change: 'refused'`: the phone
     * keeps what it held). `md5` is what the phone holds afterwards (null: none), `records` its records.
     */
    'phone.trust-list': {
      list: TrustListName;
      change: 'installed' | 'erased' | 'refused';
      md5: string | null;
      /** The signer of the file installed or refused. */
      signer: string | null;
      /** Installed: `leap of faith`, `trust list` or `TVS`; refused: why, in the phone's terms. */
      reason: string;
      records: readonly TrustListRecordView[];
    };
    /** A configuration file taken (`verified`, `decrypted`, `plain`) or refused. */
    'phone.config': {
      file: string;
      outcome: ConfigOutcome;
      signer: string | null;
      via: TrustedVia | null;
      deviceSecurityMode: number | null;
      reason: string | null;
    };
    /** A TVS question about a signer (docs/reference/tvs.md §3), answered from the cache or by a TVS server. */
    'phone.tvs': {
      subject: string;
      issuer: string;
      serial: string;
      /** The request sent: the query (identifiers only) or the verification request (the whole certificate). */
      request?: 'query' | 'verification';
      /** `host:port` of the TVS server that answered last, or null for a cache hit or no server tried. */
      server: string | null;
      outcome: 'vouched' | 'cached' | 'unknown' | 'unreachable';
      roles: number[];
      reason: string;
    };
    /** A CAPF operation ended. `lsc` is the LSC the phone holds afterwards (null: none). */
    'phone.capf': {
      outcome: string;
      detail: string | null;
      server: string | null;
      lsc: PhoneCertView | null;
    };
    /** A phone's registration state changed. `retry`: the change came from a re-registration attempt. */
    'phone.registration': RegistrationReport & { retry: boolean };
    /** A call between two phones: what the phone's screen shows. */
    'phone.call': {
      peer: string;
      icon: CallIcon;
      media: 'RTP' | 'SRTP';
      payloadBytes: number;
      state: 'connected' | 'failed';
      /** Why a call failed (null when it connected). */
      reason: string | null;
    };
    /**
     * The media a phone received in a call (devices/phone/media.ts): `payloadBytes` are the bytes after
     * the 12-byte RTP header as a capture shows them (160 RTP, 164 SRTP: seed 002), `audioBytes` after
     * SRTP removal.
     */
    'phone.media': MediaReport & { peer: string };
  }
}
