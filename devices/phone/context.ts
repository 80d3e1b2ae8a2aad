/**
 * What the parts of the phone model (boot, trust-list step, config fetch, TVS and CAPF clients,
 * registration, calls) share of one phone: who it is, its firmware, its trust store, its console and
 * status messages, its certificates and the fabric. The Phone device (phone.ts) builds one per phone;
 * the parts see only this, so none of them imports another's internals or the Phone class.
 */
import type { KeyObject } from 'node:crypto';
import type { Identity } from '../../certs/issue.ts';
import type { KeySpec } from '../../certs/key-pool/index.ts';
import type { PhoneConfig } from '../../certs/phone-config.ts';
import type { EventKind, EventMap } from '../../emulator/events.ts';
import type { Fabric, TlsClientConfig, TlsIdentity } from '../../emulator/fabric.ts';
import type { PhoneConsole } from './console-log.ts';
import { type FirmwareProfile, type StatusKey, tlsClientOptions } from './firmware-profiles.ts';
import type { PhoneTrustStore } from './trust-store.ts';

/** Timers a declaration may shorten (defaults come from the firmware profile). */
export interface PhoneTimers {
  tftpTimeoutMs?: number;
  tftpRetries?: number;
  keepAliveSeconds?: number;
  tlsTimeoutMs?: number;
  /** Re-registration after a dropped registration (firmware profile `reRegistration` otherwise). */
  reRegisterDelayMs?: number;
  reRegisterMaxDelayMs?: number;
  reRegisterAttempts?: number;
  missedKeepAlives?: number;
}

export type PhoneTlsOptions = Omit<TlsClientConfig, 'timeoutMs'> & { servername: false };

export interface PhoneContext {
  readonly name: string;
  readonly address: string;
  /** 12 upper-case hex digits. */
  readonly mac: string;
  readonly model: string;
  /** SEP<MAC>. */
  readonly deviceName: string;
  readonly profile: FirmwareProfile;
  readonly timers: PhoneTimers;
  /** Directory number used when the config carries no line. */
  readonly line: string | undefined;
  /** The CAPF authentication string a person typed on the phone. */
  readonly capfAuthString: string | undefined;
  readonly fabric: Fabric;
  readonly console: PhoneConsole;
  readonly trust: PhoneTrustStore;
  /** The configuration the phone runs with: the last one it took. */
  config: PhoneConfig | null;
  readonly mic: Identity | null;
  /** The LSC from CAPF; set by the CAPF step. */
  lsc: Identity | null;
  ensureMic(): Promise<Identity>;
  /** The "generated" key of a new LSC, from the lab key pool. */
  takeLscKey(spec: KeySpec): KeyObject;
  /** Writes a file of the phone's artifacts (certificates, keys: 0600). */
  writeArtifact(path: string, content: string): void;
  /** Sees each file as received over TFTP (`tftp`) and each config as opened (`config`), if asked. */
  received?(what: 'tftp' | 'config', file: string, bytes: Uint8Array): void;
  emit<K extends EventKind>(kind: K, payload: EventMap[K]): void;
  /** A status message (Settings > Status > Status Messages), in the firmware's wording. */
  status(key: StatusKey, extra?: string): void;
  /** The TLS client options of this firmware with the certificate the phone presents. */
  tlsOptions(): PhoneTlsOptions;
}

/** The certificate the phone presents: the LSC when it has one (LSC precedence), else the MIC. */
export function activeIdentity(p: Pick<PhoneContext, 'lsc' | 'mic'>): Identity | null {
  return p.lsc ?? p.mic;
}

/** The identity as TLS sends it: the intermediates (not the root), as phones send their MIC issuer. */
export function tlsIdentityOf(id: Identity | null): TlsIdentity | undefined {
  if (!id) return undefined;
  const chain = id.chain.filter((c) => c.chain.length > 0).map((c) => c.certPem);
  return { certPem: id.certPem, keyPem: id.keyPem, ...(chain.length ? { chainPem: chain } : {}) };
}

/** The firmware's TLS client switches with the phone's identity; phones send no SNI. */
export function phoneTlsOptions(profile: FirmwareProfile, id: Identity | null): PhoneTlsOptions {
  const t = tlsClientOptions(profile);
  const identity = tlsIdentityOf(id);
  return {
    minVersion: t.minVersion,
    maxVersion: t.maxVersion === 'TLSv1.3' ? ('TLSv1.3' as const) : t.maxVersion,
    ciphers: t.ciphers,
    ...(t.sigalgs ? { sigalgs: t.sigalgs } : {}),
    ...(t.secureOptions !== undefined ? { secureOptions: t.secureOptions } : {}),
    ...(identity ? { identity } : {}),
    servername: false as const,
  };
}

/** The prefix of the phone's security-daemon console lines: `SECD: ` (79xx) or `SECUREAPP-` (78xx/88xx). */
export function secPrefix(c: PhoneConsole): string {
  return c.secd ? 'SECD: ' : 'SECUREAPP-';
}
