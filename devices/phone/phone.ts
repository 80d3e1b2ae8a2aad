/**
 * The IP phone model (kind 'phone'): MIC at manufacture, LSC from CAPF, the boot sequence over the
 * fabric (TFTP for CTL, ITL and config; TVS for signers it does not know; CAPF when an operation is
 * pending; SCCP or SIP registration, over TLS when the config asks for it and the CTL allows it),
 * status messages and console lines in the phone's own wording, and calls with the security icon.
 *
 * Behaviour that differs by firmware is read from the profile row (firmware-profiles.ts), never
 * branched on model names. Trust rules: cisco-formats §4.3 and §1.6; file order: §2.1.
 */
import { createHash, type KeyObject, randomBytes, X509Certificate } from 'node:crypto';
import {
  matchesSerialAndIssuer,
  parseTrustList,
  perDeviceTrustListFilename,
  Role,
  type TrustList,
  type TrustListKind,
  trustListFilename,
  verifyTrustList,
} from '../../certs/ctl.ts';
import { certCommonName } from '../../certs/dn.ts';
import { decryptEncSgn, encryptedConfigFilename, parseEncSgn } from '../../certs/enc-sgn.ts';
import { type Identity, identityFromPem } from '../../certs/issue.ts';
import { type PhoneConfig, parsePhoneConfig } from '../../certs/phone-config.ts';
import { deviceCertName, sepName } from '../../certs/profiles.ts';
import { configFilename, parseSgn, signedConfigFilename } from '../../certs/sgn.ts';
import { type SignedFileInfo, type SignerId, verifySignedFile } from '../../certs/tlv.ts';
import { x509 } from '../../certs/x509.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import type { TlsAlert } from '../../emulator/events.ts';
import type {
  Connection,
  Handshake,
  TlsConnection,
  TlsIdentity,
  TrustVerdict,
} from '../../emulator/fabric.ts';
import type { ByteStream as Socket } from '../../emulator/net/types.ts';
import type { FormatError, Result } from '../../emulator/result.ts';
import { alert } from '../../emulator/tls-alerts.ts';
import {
  encodeSccp,
  headerVersionFor,
  readSccpCall,
  SCCP_PORT,
  SCCP_TLS_PORT,
  type SccpCallMessage,
  SccpCallSecurityStatus,
  SccpCallState,
  SccpResetType,
  SccpTone,
  sccpCall,
  sccpFramer,
} from '../protocols/sccp.ts';
import {
  buildAudioSdp,
  buildRegister,
  buildResponse,
  encodeSip,
  header,
  parseAudioSdp,
  SipFramer,
  type SipMessage,
  type SipRequest,
} from '../protocols/sip.ts';
import { tftpGet } from '../protocols/tftp/client.ts';
import { TVS_PORT } from '../protocols/tvs.ts';
import { runCapf } from './capf-client.ts';
import { PhoneConsole } from './console-log.ts';
import {
  acceptsSignatureHash,
  type FirmwareProfile,
  type StatusKey,
  statusText,
  tlsClientOptions,
} from './firmware-profiles.ts';
import { micFor, type PhoneLabRef, phonePkiContext } from './manufacturing.ts';
import {
  inlineKey,
  type MediaPlan,
  type MediaReport,
  MediaStream,
  mediaPlanProblem,
  newMasterKey,
  parseInlineKey,
  RTP_BASE_PORT,
  SRTP_SUITE,
  type SrtpMasterKey,
} from './media.ts';
import { CCM_ROLES, CONFIG_SIGNER_ROLES, PhoneTrustStore } from './trust-store.ts';
import { tvsExchange } from './tvs-client.ts';

declare module '../../emulator/events.ts' {
  interface EventMap {
    /** A phone's registration state changed. */
    'phone.registration': {
      state: RegistrationState;
      secure: boolean;
      server: string | null;
      detail: string;
    };
    /** A call between two phones: what the phone's screen shows. */
    'phone.call': {
      peer: string;
      icon: CallIcon;
      media: 'RTP' | 'SRTP';
      payloadBytes: number;
      state: 'connected' | 'failed';
    };
    /**
     * The media a phone received in a call (devices/phone/media.ts): `payloadBytes` are the bytes after
     * the 12-byte RTP header as a capture shows them (160 RTP, 164 SRTP: seed 002), `audioBytes` after
     * SRTP removal.
     */
    'phone.media': MediaReport & { peer: string };
  }
}

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'rejected';
export type CallIcon = 'lock' | 'shield' | 'none';
export type SecurityLevel = 'non-secure' | 'authenticated' | 'encrypted';

export type TrustListOutcome =
  | 'updated'
  | 'unchanged'
  | 'not-found'
  | 'not-supported'
  | 'update-failed'
  | 'verification-failed'
  | 'tftp-not-authorized'
  | 'offline';

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
    outcome:
      | 'verified'
      | 'plain'
      | 'decrypted'
      | 'not-found'
      | 'untrusted'
      | 'decrypt-failed'
      | 'malformed'
      | 'skipped';
    deviceSecurityMode: number | null;
    signer?: string;
    via?: 'trust-list' | 'tvs';
  };
  capf: { outcome: string; detail?: string } | null;
  registration: {
    state: RegistrationState;
    secure: boolean;
    transport: string | null;
    server: string | null;
    detail: string;
  };
  certificates: { mic: string; lsc: string | null };
  status: string[];
}

export interface BootOptions {
  register?: boolean;
  capf?: boolean;
}

export interface PhoneDeclaration {
  kind: 'phone';
  name: string;
  aliases: string[];
  mac: string;
  model?: string;
  firmware?: string;
  tftp: string;
  autoBoot: boolean;
  online: boolean;
  /** The CAPF authentication string a person types on the phone when CAPF asks for one. */
  capfAuthString?: string;
  /** Directory number used when the config carries no line (SCCP learns lines from CUCM). */
  line?: string;
  timers?: {
    tftpTimeoutMs?: number;
    tftpRetries?: number;
    keepAliveSeconds?: number;
    tlsTimeoutMs?: number;
    /** Re-registration after a dropped registration (firmware profile `reRegistration` otherwise). */
    reRegisterDelayMs?: number;
    reRegisterMaxDelayMs?: number;
    reRegisterAttempts?: number;
    missedKeepAlives?: number;
  };
}

export interface PhoneCreateOptions {
  profile: FirmwareProfile;
  /** Reach a TFTP server outside the lab (uclab phone boot): kernel-chosen source address. */
  external?: boolean;
}

interface TvsCacheEntry {
  cert: X509Certificate;
  roles: number[];
  expires: number;
}

interface Registration {
  socket: Socket;
  secure: boolean;
  transport: string;
  server: string;
  keepAlive: NodeJS.Timeout | null;
  closing: boolean;
  /** Index of the CallManager (in priority order) this connection goes to. */
  cmIndex: number;
  /** Keepalives (SCCP KeepAlive / SIP REGISTER refresh) sent and not yet answered. */
  unanswered: number;
  /** Why the phone itself gave the connection up (keepalives unanswered), for the re-registration log. */
  lostWhy: string | null;
  /** A re-registration attempt: failures do not flip the phone to Unregistered (it keeps Registering). */
  retry: boolean;
}

/** RTP payload of G.711 at 20 ms: 160 bytes; SRTP adds the 4-byte AES_CM_128_HMAC_SHA1_32 tag (seed 002). */
export const G711_RTP_PAYLOAD = 160;
export const G711_SRTP_PAYLOAD = 164;

const SECURITY_NAMES: Record<number, SecurityLevel> = { 1: 'non-secure', 2: 'authenticated', 3: 'encrypted' };

type CallOutcome = { icon: CallIcon; media: 'RTP' | 'SRTP'; payloadBytes: number } | { error: string };

/** The one call a phone is in (calls are a set-up and a media burst: no hold, transfer or hang-up). */
interface ActiveCall {
  peer: string;
  stream: MediaStream | null;
  /** SIP: the SRTP key this phone offered (it encrypts with it). */
  sendKey: SrtpMasterKey | null;
  /** CUCM's call security decision, as this phone shows it. */
  icon: CallIcon;
  callId: string | null;
  invite?: SipRequest;
  /** SIP callee: the media plan, started on CUCM's ACK. */
  plan?: MediaPlan;
  settle?: (r: CallOutcome) => void;
  /** Set-up timer: a call not connected in time ends in #callFailed. */
  timer?: NodeJS.Timeout;
  /** The call connected (media under way): ending it is not a failure. */
  connected?: boolean;
}

/** How long a call may take to connect, outbound or inbound, before the phone gives up. */
const CALL_SETUP_MS = 8000;

function hex(buf: Uint8Array): string {
  return Buffer.from(buf).toString('hex');
}

function signatureHashOf(cert: X509Certificate): string {
  try {
    const alg = new x509.X509Certificate(cert.raw).signatureAlgorithm as { hash?: { name?: string } };
    return (alg.hash?.name ?? 'unknown').toLowerCase().replace('-', '');
  } catch {
    return 'unknown';
  }
}

export class Phone extends Device {
  readonly kind = 'phone';
  readonly mac: string;
  readonly model: string;
  readonly profile: FirmwareProfile;
  readonly deviceName: string;
  readonly trust = new PhoneTrustStore();
  readonly console: PhoneConsole;
  tftpTarget: { host: string; port: number };
  mic: Identity | null = null;
  lsc: Identity | null = null;
  config: PhoneConfig | null = null;
  state: RegistrationState = 'unregistered';
  online: boolean;
  lastBoot: BootReport | null = null;
  lastCall: { peer: string; icon: CallIcon; media: 'RTP' | 'SRTP'; payloadBytes: number } | null = null;
  readonly #decl: PhoneDeclaration;
  readonly #external: boolean;
  readonly #tvsCache = new Map<string, TvsCacheEntry>();
  #registration: Registration | null = null;
  #booting: Promise<BootReport> | null = null;
  #status: string[] = [];
  #lscGeneration = 0;
  #call: ActiveCall | null = null;
  #secureRegistration = false;
  /** Pending re-registration timer; #epoch invalidates attempts a boot, reset or unplug made moot. */
  #retryTimer: NodeJS.Timeout | null = null;
  #epoch = 0;

  constructor(decl: PhoneDeclaration, ctx: DeviceContext, opts: PhoneCreateOptions) {
    super(decl.name, ctx, decl.aliases);
    this.#decl = decl;
    this.profile = opts.profile;
    this.#external = opts.external ?? false;
    this.mac = decl.mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
    this.model = decl.model ?? opts.profile.models[0] ?? 'CP-8861';
    this.deviceName = sepName(this.mac);
    this.online = decl.online;
    this.tftpTarget = Phone.parseTarget(decl.tftp, ctx.fabric.tftpPort());
    this.console = new PhoneConsole(this.profile.logStyle, (text, level) => this.log('console', text, level));
  }

  static parseTarget(spec: string, defaultPort: number): { host: string; port: number } {
    const m = /^(.*?)(?::(\d+))?$/.exec(spec.trim());
    return { host: m?.[1] ?? spec, port: m?.[2] ? Number(m[2]) : defaultPort };
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    await this.#ensureMic();
    if (this.#decl.autoBoot && this.online) void this.boot();
  }

  override async stop(): Promise<void> {
    this.#endCall('lab stopped');
    this.#cancelRetry();
    this.#dropRegistration('lab stopped', false);
  }

  /** This lab as the phones' PKI memo knows it (devices/phone/manufacturing.ts). */
  get #labRef(): PhoneLabRef {
    return { seed: this.ctx.seed, start: this.ctx.clock.start, scope: this.ctx.timeline };
  }

  describe(): DeviceDescription {
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [],
      certificates: [
        ...(this.mic
          ? [
              {
                name: 'MIC',
                file: this.ctx.artifacts.pathOf(`phones/${this.name}/MIC.pem`),
                subject: this.mic.cert.subject.replace(/\n/g, ', '),
              },
            ]
          : []),
        ...(this.lsc
          ? [
              {
                name: 'LSC',
                file: this.ctx.artifacts.pathOf(`phones/${this.name}/LSC.pem`),
                subject: this.lsc.cert.subject.replace(/\n/g, ', '),
              },
            ]
          : []),
      ],
      model: this.model,
      firmware: this.profile.id,
      mac: this.mac,
      tftp: `${this.tftpTarget.host}:${this.tftpTarget.port}`,
      registration: this.state,
    };
  }

  async #ensureMic(): Promise<Identity> {
    if (!this.mic) {
      this.mic = await micFor(this.#labRef, {
        model: this.model,
        mac: this.mac,
        sha1Era: this.profile.serverCertHashes === 'sha1-only' || this.profile.family === '79xx',
      });
      // Certificate and key side by side, so openssl s_client can act as this phone (lab keys only).
      this.ctx.artifacts.write(`phones/${this.name}/MIC.pem`, this.mic.certPem);
      this.ctx.artifacts.write(`phones/${this.name}/MIC.key`, this.mic.keyPem);
    }
    return this.mic;
  }

  /** The certificate the phone presents: the LSC when it has one (LSC precedence), else the MIC. */
  get activeIdentity(): Identity | null {
    return this.lsc ?? this.mic;
  }

  #tlsIdentity(): TlsIdentity | undefined {
    const id = this.activeIdentity;
    if (!id) return undefined;
    // Send the intermediates (not the root), as phones send their MIC issuer.
    const chain = id.chain.filter((c) => c.chain.length > 0).map((c) => c.certPem);
    return { certPem: id.certPem, keyPem: id.keyPem, ...(chain.length ? { chainPem: chain } : {}) };
  }

  // ------------------------------------------------------------------ what a person sees

  #statusMessage(key: StatusKey, extra?: string): void {
    const text = statusText(this.profile, key) + (extra ? ` ${extra}` : '');
    this.#status.push(text);
    this.log('status', text, /Failed|Not Authorized|No valid|Rejected|Error/.test(text) ? 'warning' : 'info');
  }

  /** Settings > Status > Status Messages. */
  statusMessages(): string[] {
    return [...this.#status];
  }

  /** Settings > Security > Trust List (seed 002): CTL and ITL with their MD5 sums and records. */
  trustListMenu(): string {
    const lines: string[] = ['Trust List'];
    for (const kind of ['CTL', 'ITL'] as const) {
      const h = this.trust.held(kind);
      lines.push(`  ${kind} File: ${h ? h.md5 : 'Not Installed'}`);
    }
    for (const kind of ['CTL', 'ITL'] as const) {
      const h = this.trust.held(kind);
      if (!h) continue;
      lines.push(`${kind} File (MD5 ${h.md5})`);
      h.list.records.forEach((r, i) => {
        const c = h.certs[i];
        const name = c ? (certCommonName(c) ?? c.subject) : r.subjectName;
        lines.push(
          `  ${i + 1}. ${name} : ${r.role.name}${r.ipAddress && r.ipAddress !== '0.0.0.0' ? ` (${r.ipAddress})` : ''}`,
        );
      });
    }
    return lines.join('\n');
  }

  /** Settings > Security Configuration: security mode, MIC, LSC, CTL/ITL, CAPF server. */
  securityMenu(): string {
    const mode = this.config
      ? (SECURITY_NAMES[this.config.deviceSecurityMode] ?? 'non-secure')
      : 'non-secure';
    const capf = this.config?.capfList[0];
    return [
      'Security Configuration',
      `  Security Mode: ${mode === 'non-secure' ? 'Non-Secure' : mode === 'authenticated' ? 'Authenticated' : 'Encrypted'}`,
      `  MIC: ${this.mic ? 'Installed' : 'Not Installed'}`,
      `  LSC: ${this.lsc ? 'Installed' : 'Not Installed'}`,
      `  CTL File: ${this.trust.ctl?.md5 ?? 'Not Installed'}`,
      `  ITL File: ${this.trust.itl?.md5 ?? 'Not Installed'}`,
      `  CAPF Server: ${capf?.processNodeName ? `${capf.processNodeName}:${capf.phonePort}` : ''}`,
    ].join('\n');
  }

  // ------------------------------------------------------------------ user and admin actions

  deleteTrustList(which: TrustListKind | 'all'): void {
    this.trust.delete(which);
    this.#tvsCache.clear();
    this.emit('action', { name: 'trust-list.delete', detail: `${which} erased on the phone` });
  }

  /** Points the phone at another TFTP server (Settings > Network > Alternate TFTP). */
  setTftp(spec: string): void {
    this.tftpTarget = Phone.parseTarget(spec, this.ctx.fabric.tftpPort());
  }

  setCapfAuthString(s: string): void {
    this.#decl.capfAuthString = s;
  }

  goOffline(): void {
    this.online = false;
    this.#cancelRetry();
    this.#dropRegistration('phone went offline', false);
    if (this.state !== 'unregistered') this.#setState('unregistered', false, null, 'phone went offline');
    this.emit('action', { name: 'phone.offline', detail: `${this.name} unplugged` });
  }

  async goOnline(boot = true): Promise<BootReport | null> {
    this.online = true;
    this.emit('action', { name: 'phone.online', detail: `${this.name} plugged in` });
    return boot ? this.boot() : null;
  }

  /** Settings > Reset (or the power cycle): drop the registration and boot again. */
  async reset(): Promise<BootReport> {
    if (this.#booting) await this.#booting;
    this.#dropRegistration('reset', true);
    return this.boot();
  }

  // ------------------------------------------------------------------ boot

  /**
   * Boots: trust lists, config, CAPF when pending, registration. `register: false` / `capf: false` stop
   * before those steps (the `uclab phone boot` probe of a real system does not enrol or register by default).
   */
  boot(opts: BootOptions = {}): Promise<BootReport> {
    if (!this.#booting) {
      this.#booting = this.#boot(opts).finally(() => {
        this.#booting = null;
      });
    }
    return this.#booting;
  }

  /** Resolves when the current boot (if any) ends. */
  async whenIdle(): Promise<BootReport | null> {
    return this.#booting ? this.#booting : this.lastBoot;
  }

  async #boot(opts: BootOptions): Promise<BootReport> {
    await this.#ensureMic();
    this.#status = [];
    this.#cancelRetry();
    this.#dropRegistration('boot', false);
    const resolved = this.fabric.resolve(this.tftpTarget.host);
    const report: BootReport = {
      schemaVersion: 1,
      phone: this.name,
      model: this.model,
      firmware: this.profile.id,
      tftp: {
        host: this.tftpTarget.host,
        address: resolved.ok ? resolved.value : null,
        port: this.tftpTarget.port,
      },
      ctl: { outcome: 'not-found', md5: null },
      itl: { outcome: 'not-supported', md5: null },
      config: { file: null, outcome: 'skipped', deviceSecurityMode: null },
      capf: null,
      registration: {
        state: 'unregistered',
        secure: false,
        transport: null,
        server: null,
        detail: 'not attempted',
      },
      certificates: { mic: this.mic?.cert.subject.replace(/\n/g, ', ') ?? '', lsc: null },
      status: [],
    };
    const finish = () => {
      report.ctl.md5 = this.trust.ctl?.md5 ?? null;
      report.itl.md5 = this.trust.itl?.md5 ?? null;
      report.certificates.lsc = this.lsc?.cert.subject.replace(/\n/g, ', ') ?? null;
      report.registration = { ...report.registration, state: this.state };
      report.status = [...this.#status];
      this.lastBoot = report;
      return report;
    };
    this.emit('action', {
      name: 'phone.boot',
      detail: `${this.name} (${this.model}, ${this.profile.label}) boots from TFTP ${this.tftpTarget.host}`,
    });
    if (!this.online || !resolved.ok) {
      report.ctl.outcome = 'offline';
      report.registration.detail = !resolved.ok ? resolved.error.message : 'phone is offline';
      if (!resolved.ok) this.console.line(`TFTP: cannot resolve ${this.tftpTarget.host}`, 'ERR');
      return finish();
    }
    const tftpAddress = resolved.value;

    // The 7940/7960 rule (seed 002): with a CTL, only TFTP servers whose address is in it are trusted.
    if (
      this.profile.tftpMustBeInCtl &&
      this.trust.ctl &&
      !this.trust.ctlTftpAddresses().includes(tftpAddress)
    ) {
      this.console.line(`SECD: EROR:tftpServerAuthorized: TFTP server ${tftpAddress} not in CTL`, 'ERR');
      this.#statusMessage('tftpServerNotAuthorized');
      report.ctl.outcome = 'tftp-not-authorized';
      report.config.outcome = 'untrusted';
      report.registration.detail = `TFTP server ${tftpAddress} is not in the CTL`;
      return finish();
    }

    // 1. CTL, 2. ITL (cisco-formats §2.1 order).
    if (this.profile.supportsCtl)
      report.ctl = { ...report.ctl, ...(await this.#trustListStep('CTL', tftpAddress)) };
    else report.ctl.outcome = 'not-supported';
    if (this.profile.supportsItl)
      report.itl = { ...report.itl, ...(await this.#trustListStep('ITL', tftpAddress)) };

    // 3. Config.
    let cfg = await this.#configStep(tftpAddress, report);
    if (!cfg) {
      report.registration.detail = 'no trusted configuration';
      return finish();
    }

    // 4. CAPF, when the config says an operation is pending.
    if (cfg.capfAuthMode !== 0 && this.profile.capfClient && opts.capf !== false) {
      report.capf = await this.#capfStep(cfg);
      if (report.capf.outcome === 'installed' || report.capf.outcome === 'deleted') {
        // With a new LSC the phone asks for its config again (it may now be encrypted to the LSC).
        const again = await this.#configStep(tftpAddress, report);
        if (again) cfg = again;
      }
    }

    // 5. Registration.
    if (opts.register === false) {
      report.registration.detail = 'registration not attempted (probe)';
      return finish();
    }
    report.registration = await this.#register(cfg);
    return finish();
  }

  async #tftp(file: string, tftpAddress: string, trustFile: boolean): Promise<Buffer | null> {
    const n = this.console.tftpRequest(file, tftpAddress, trustFile);
    const external = this.#external && this.fabric.hostAt(tftpAddress) === null;
    const r = await tftpGet({
      bind: (port) => (external ? this.fabric.bindUdpExternal() : this.fabric.bindUdp(this.name, port)),
      server: { address: tftpAddress, port: this.tftpTarget.port },
      filename: file,
      timeoutMs: this.#decl.timers?.tftpTimeoutMs ?? 1000,
      retries: this.#decl.timers?.tftpRetries ?? 2,
    });
    if (!r.ok) {
      this.console.tftpFailed(n, file, r.error.message);
      return null;
    }
    this.console.tftpDone(n, file, r.value.data.length);
    return r.value.data;
  }

  async #trustListStep(
    kind: TrustListKind,
    tftpAddress: string,
  ): Promise<{ outcome: TrustListOutcome; signer?: string }> {
    const files = this.profile.perMacTrustFiles
      ? [perDeviceTrustListFilename(kind, this.mac), trustListFilename(kind)]
      : [trustListFilename(kind)];
    let data: Buffer | null = null;
    for (const f of files) {
      data = await this.#tftp(f, tftpAddress, true);
      if (data) break;
    }
    if (!data) return { outcome: 'not-found' };
    const parsed = parseTrustList(new Uint8Array(data), { kind });
    if (!parsed.ok) {
      this.console.envelopeFailed(kind, parsed.error.message);
      this.#statusMessage('trustListVerificationFailed');
      return { outcome: 'verification-failed' };
    }
    const list = parsed.value;
    const md5 = createHash('md5').update(data).digest('hex');
    const held = this.trust.held(kind);
    if (held && held.md5 === md5) {
      this.console.envelopeOk(list.headerLength, kind);
      return { outcome: 'unchanged', signer: list.signer.name };
    }
    const decision = await this.#trustSignedBy(kind, list);
    if (!decision.ok) {
      this.console.envelopeFailed(kind, decision.why);
      this.#statusMessage(decision.corrupt ? 'trustListVerificationFailed' : 'trustListUpdateFailed');
      return {
        outcome: decision.corrupt ? 'verification-failed' : 'update-failed',
        signer: list.signer.name,
      };
    }
    this.console.envelopeOk(list.headerLength, kind);
    this.trust.set(kind, list);
    this.console.trustListUpdated(kind);
    // A new trust list flushes what TVS vouched for (cisco-formats §4.3 step 4: tvsReqFlushTvsCertCache).
    this.#tvsCache.clear();
    this.#statusMessage('trustListUpdated');
    return { outcome: 'updated', signer: list.signer.name };
  }

  /** Who may sign a new CTL/ITL (cisco-formats §4.3, §1.6). */
  async #trustSignedBy(
    kind: TrustListKind,
    list: TrustList,
  ): Promise<{ ok: true; via: string } | { ok: false; why: string; corrupt: boolean }> {
    // Leap of faith: nothing held that could judge this file (§4.3 step 1). The file must still be
    // consistent: its own signer record verifies the signature.
    // The first ITL is taken on leap of faith (brief; SecGuide "trusts the first ITL file automatically"),
    // unless the CTL names its signer, in which case the CTL's copy must verify it (§4.3 step 2).
    const byCtl =
      kind === 'ITL' && !this.trust.itl && this.trust.ctl
        ? verifyTrustList(list, this.trust.certsWithRoles([Role.SAST], ['CTL']))
        : null;
    const ctlKnowsSigner = byCtl !== null && (byCtl.ok || byCtl.error.reason === 'signature-mismatch');
    const judges: TrustListKind[] =
      kind === 'CTL'
        ? // A CTL is judged by the installed CTL only; with none, the first CTL is taken on leap of faith,
          // which is why erasing the CTL on the phone is the fix of seed 002.
          this.trust.ctl
          ? ['CTL']
          : []
        : this.trust.itl
          ? this.trust.ctl
            ? ['CTL', 'ITL']
            : ['ITL']
          : ctlKnowsSigner
            ? ['CTL']
            : [];
    if (judges.length === 0) {
      const self = verifyTrustList(list);
      if (!self.ok) return { ok: false, why: self.error.message, corrupt: true };
      return { ok: true, via: 'leap of faith' };
    }
    const candidates = this.trust.certsWithRoles([Role.SAST], judges);
    const v = verifyTrustList(list, candidates);
    if (v.ok) return { ok: true, via: 'trust list' };
    if (v.error.reason === 'signature-mismatch') return { ok: false, why: v.error.message, corrupt: true };
    // A CTL that replaces a CTL must be signed by a token the phone knows (seed 002): no TVS path.
    if (kind === 'CTL' && this.trust.ctl) {
      return {
        ok: false,
        why: `signer ${list.signer.name} is not a SAST of the installed CTL`,
        corrupt: false,
      };
    }
    // Otherwise ask TVS about the signer (§4.3 step 2b).
    const t = await this.#tvsQuery(list.signer, [Role.SAST, Role.CCM_TFTP, Role.TFTP]);
    if (!t.ok) return { ok: false, why: `signer ${list.signer.name} unknown and ${t.why}`, corrupt: false };
    const again = verifyTrustList(list, [t.cert]);
    if (!again.ok)
      return { ok: false, why: again.error.message, corrupt: again.error.reason === 'signature-mismatch' };
    return { ok: true, via: 'TVS' };
  }

  // ------------------------------------------------------------------ TVS

  #tvsServers(): { host: string; port: number }[] {
    const fromConfig = [...(this.config?.tvs ?? [])]
      .sort((a, b) => a.priority - b.priority)
      .map((m) => ({ host: m.address, port: m.port || TVS_PORT }));
    if (fromConfig.length > 0) return fromConfig;
    // Before the first config the phone knows no TVS list: approximation (L), the TFTP node runs TVS too.
    return [{ host: this.tftpTarget.host, port: TVS_PORT }];
  }

  /** The phone's rule for the TVS server certificate: the ITL's TVS record (role 21), cisco-formats §4.1. */
  #verifyTvsServer(cert: X509Certificate): TrustVerdict {
    if (this.trust.contains('ITL', cert, [Role.TVS])) {
      this.console.line(
        `${this.console.secd ? 'SECD: ' : 'SECUREAPP-'}SSL session setup Cert Verification - Role is = 21, Certificate is valid`,
      );
      return { accepted: true, reason: 'TVS certificate matches the ITL TVS record (role 21)' };
    }
    return {
      accepted: false,
      reason: 'TVS certificate is not in the ITL (role 21)',
      alert: alert('unknown_ca'),
    };
  }

  async #tvsQuery(
    signer: SignerId,
    roles: readonly number[],
  ): Promise<{ ok: true; cert: X509Certificate; roles: number[] } | { ok: false; why: string }> {
    const key = `${hex(signer.serial)}|${signer.issuer}`;
    const hit = this.#tvsCache.get(key);
    if (hit && hit.expires > Date.now()) {
      this.console.line(`${this.console.secd ? 'SECD: ' : 'SECUREAPP-'}TVS cache hit for ${signer.name}`);
      return { ok: true, cert: hit.cert, roles: hit.roles };
    }
    if (!this.trust.itl) return { ok: false, why: 'no ITL to check a TVS server against' };
    let lastWhy = 'no TVS server';
    for (const server of this.#tvsServers()) {
      const r = await tvsExchange(
        {
          fabric: this.fabric,
          device: this.name,
          tls: this.#tlsOptions(),
          verifyServer: (c) => this.#verifyTvsServer(c),
          timeoutMs: this.#decl.timers?.tlsTimeoutMs ?? 5000,
        },
        server,
        {
          type: 'QUERY_CERT_REQ',
          sessionId: 0,
          deviceName: deviceCertName(this.model, this.mac),
          subject: signer.name,
          issuer: signer.issuer,
          serial: Buffer.from(signer.serial),
        },
      );
      if (!r.ok) {
        this.console.tvsConnectFailed(r.message);
        lastWhy = `TVS ${server.host}: ${r.message}`;
        continue;
      }
      this.console.tvsQuery(r.bytesWritten);
      this.console.tvsResult(r.answer.status, r.answer.ttl);
      if (r.answer.status !== 0 || !r.answer.certificate) {
        lastWhy = `TVS ${server.host} does not know ${signer.name}`;
        continue;
      }
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(r.answer.certificate);
      } catch {
        lastWhy = 'TVS returned a certificate that does not parse';
        continue;
      }
      if (!matchesSerialAndIssuer(cert, signer)) {
        lastWhy = 'TVS returned a different certificate';
        continue;
      }
      if (!r.answer.roles.some((x) => roles.includes(x))) {
        lastWhy = `TVS vouches for ${signer.name} with roles ${r.answer.roles.join(',')}, not ${roles.join('/')}`;
        continue;
      }
      this.#tvsCache.set(key, { cert, roles: r.answer.roles, expires: Date.now() + r.answer.ttl * 1000 });
      return { ok: true, cert, roles: r.answer.roles };
    }
    return { ok: false, why: lastWhy };
  }

  // ------------------------------------------------------------------ config

  async #configStep(tftpAddress: string, report: BootReport): Promise<PhoneConfig | null> {
    const secure = !this.trust.empty;
    const attempts: { file: string; kind: 'plain' | 'sgn' | 'enc' }[] = secure
      ? [
          ...(this.profile.encryptedConfig
            ? [{ file: encryptedConfigFilename(this.mac), kind: 'enc' as const }]
            : []),
          { file: signedConfigFilename(this.mac), kind: 'sgn' },
        ]
      : [
          { file: configFilename(this.mac), kind: 'plain' },
          { file: 'XmlDefault.cnf.xml', kind: 'plain' },
        ];
    for (const a of attempts) {
      const data = await this.#tftp(a.file, tftpAddress, false);
      if (!data) continue;
      report.config.file = a.file;
      let xml: Uint8Array;
      if (a.kind === 'plain') {
        xml = new Uint8Array(data);
        report.config.outcome = 'plain';
      } else {
        const opened = a.kind === 'enc' ? await this.#openEncSgn(data) : await this.#openSgn(data);
        if (!opened.ok) {
          report.config.outcome = opened.outcome;
          report.config.signer = opened.signer;
          this.console.envelopeFailed('config', opened.why);
          this.#statusMessage(
            opened.outcome === 'decrypt-failed' ? 'configDecryptionFailed' : 'fileAuthError',
            a.file,
          );
          return null;
        }
        xml = opened.xml;
        report.config.outcome = a.kind === 'enc' ? 'decrypted' : 'verified';
        report.config.signer = opened.signer;
        report.config.via = opened.via;
      }
      const cfg = parsePhoneConfig(xml);
      if (!cfg.ok) {
        report.config.outcome = 'malformed';
        this.console.line(`CFG: ${a.file}: ${cfg.error.message}`, 'ERR');
        return null;
      }
      // The stub that goes with an encrypted config: the full config is in the .enc.sgn (§2.3).
      if (cfg.value.encrConfig && !cfg.value.fullConfig && a.kind === 'sgn') {
        this.console.line(
          `CFG: ${a.file} is the stub of an encrypted config, which could not be fetched`,
          'ERR',
        );
        report.config.outcome = 'decrypt-failed';
        return null;
      }
      this.config = cfg.value;
      report.config.deviceSecurityMode = cfg.value.deviceSecurityMode;
      this.console.line(
        `CFG: ${a.file} parsed: deviceSecurityMode ${cfg.value.deviceSecurityMode}, capfAuthMode ${cfg.value.capfAuthMode}`,
      );
      return cfg.value;
    }
    report.config.outcome = 'not-found';
    return null;
  }

  async #configSigner(
    signer: SignerId,
  ): Promise<{ ok: true; cert: X509Certificate; via: 'trust-list' | 'tvs' } | { ok: false; why: string }> {
    const lists: TrustListKind[] = this.trust.ctl ? ['CTL', 'ITL'] : ['ITL'];
    for (const c of this.trust.certsWithRoles(CONFIG_SIGNER_ROLES, lists)) {
      if (matchesSerialAndIssuer(c, signer)) {
        return { ok: true, cert: c, via: 'trust-list' };
      }
    }
    const t = await this.#tvsQuery(signer, [Role.TFTP, Role.CCM_TFTP, Role.SAST]);
    if (!t.ok) return { ok: false, why: `signer ${signer.name} is not in the trust list and ${t.why}` };
    return { ok: true, cert: t.cert, via: 'tvs' };
  }

  /**
   * The envelope check both signed config kinds (`.sgn`, `.enc.sgn`) share: the signer must be
   * trusted (trust list or TVS) and the signature must verify with its certificate.
   */
  async #checkConfigEnvelope(
    file: SignedFileInfo,
  ): Promise<
    { ok: true; via: 'trust-list' | 'tvs' } | { ok: false; why: string; outcome: 'untrusted'; signer: string }
  > {
    const s = await this.#configSigner(file.signer);
    if (!s.ok) return { ok: false, why: s.why, outcome: 'untrusted', signer: file.signer.name };
    if (!verifySignedFile(file, s.cert))
      return {
        ok: false,
        why: 'signature does not verify',
        outcome: 'untrusted',
        signer: file.signer.name,
      };
    this.console.envelopeOk(file.headerLength, 'config');
    return { ok: true, via: s.via };
  }

  async #openSgn(
    data: Buffer,
  ): Promise<
    | { ok: true; xml: Uint8Array; signer: string; via: 'trust-list' | 'tvs' }
    | { ok: false; why: string; outcome: 'untrusted' | 'malformed'; signer?: string }
  > {
    const p = parseSgn(new Uint8Array(data));
    if (!p.ok) return { ok: false, why: p.error.message, outcome: 'malformed' };
    const v = await this.#checkConfigEnvelope(p.value);
    if (!v.ok) return v;
    return { ok: true, xml: p.value.payload, signer: p.value.signer.name, via: v.via };
  }

  async #openEncSgn(
    data: Buffer,
  ): Promise<
    | { ok: true; xml: Uint8Array; signer: string; via: 'trust-list' | 'tvs' }
    | { ok: false; why: string; outcome: 'untrusted' | 'malformed' | 'decrypt-failed'; signer?: string }
  > {
    const p = parseEncSgn(new Uint8Array(data));
    if (!p.ok) return { ok: false, why: p.error.message, outcome: 'malformed' };
    const v = await this.#checkConfigEnvelope(p.value);
    if (!v.ok) return v;
    // Decrypt with the LSC key, else the MIC key (the config is encrypted to one of them, §2.3).
    const keys: KeyObject[] = [this.lsc?.key, this.mic?.key].filter((k): k is KeyObject => !!k);
    for (const k of keys) {
      const d = decryptEncSgn(p.value, k);
      if (d.ok) {
        this.console.line(
          `${this.console.secd ? 'SECD: ' : 'SECUREAPP-'}Decrypted ${p.value.filename} with the ${k === this.lsc?.key ? 'LSC' : 'MIC'} key`,
        );
        return { ok: true, xml: d.value, signer: p.value.signer.name, via: v.via };
      }
    }
    return {
      ok: false,
      why: 'the config key does not decrypt with the LSC or the MIC',
      outcome: 'decrypt-failed',
      signer: p.value.signer.name,
    };
  }

  // ------------------------------------------------------------------ CAPF

  /** The CAPF server certificate rule: the CTL CAPF record in mixed mode, else the ITL's (§3.1). */
  #verifyCapfServer(cert: X509Certificate): TrustVerdict {
    const list: TrustListKind | null = this.trust.ctl ? 'CTL' : this.trust.itl ? 'ITL' : null;
    if (list && this.trust.contains(list, cert, [Role.CAPF])) {
      return { accepted: true, reason: `CAPF certificate matches the ${list} CAPF record` };
    }
    return {
      accepted: false,
      reason: list
        ? `CAPF certificate ${certCommonName(cert) ?? cert.subject} is not the CAPF record of the ${list}`
        : 'no CTL or ITL to check the CAPF certificate',
      alert: alert('unknown_ca'),
    };
  }

  async #capfStep(cfg: PhoneConfig): Promise<{ outcome: string; detail?: string }> {
    const entry = cfg.capfList.find((c) => c.processNodeName) ?? null;
    const host = entry?.processNodeName || cfg.callManagers[0]?.processNodeName;
    if (!host) return { outcome: 'skipped', detail: 'no CAPF server in the config' };
    const mic = await this.#ensureMic();
    this.console.line(
      `${this.console.secd ? 'SECD: ' : 'SECUREAPP-'}CAPF: operation pending (capfAuthMode ${cfg.capfAuthMode}), connecting to ${host}:${entry?.phonePort ?? 3804}`,
    );
    const outcome = await runCapf({
      fabric: this.fabric,
      device: this.name,
      deviceName: this.deviceName,
      server: { host, port: entry?.phonePort ?? 3804 },
      tls: { ...this.#tlsOptions() },
      verifyServer: (c) => this.#verifyCapfServer(c),
      authMode: cfg.capfAuthMode as 1 | 2 | 3 | 4,
      ...(this.#decl.capfAuthString !== undefined ? { authString: this.#decl.capfAuthString } : {}),
      mic,
      lsc: this.lsc,
      maxRsaKeyBits: this.profile.maxRsaKeyBits,
      ecSupport: this.profile.ecSupport,
      takeKey: (spec) =>
        phonePkiContext(this.#labRef).keys.take(spec, `${this.deviceName}/LSC#${++this.#lscGeneration}`)
          .privateKey,
      log: (text, level) =>
        this.console.line(
          `${this.console.secd ? 'SECD: ' : 'SECUREAPP-'}${text}`,
          level === 'error' ? 'ERR' : 'NOT',
        ),
      timeoutMs: this.#decl.timers?.tlsTimeoutMs ?? 10_000,
    });
    switch (outcome.kind) {
      case 'installed': {
        const pem = outcome.lsc.toString();
        this.lsc = identityFromPem(`${this.deviceName}/LSC`, pem, outcome.key);
        this.ctx.artifacts.write(`phones/${this.name}/LSC.pem`, pem);
        this.ctx.artifacts.write(`phones/${this.name}/LSC.key`, this.lsc.keyPem);
        this.#statusMessage('lscInstalled');
        return { outcome: 'installed', detail: outcome.lsc.subject.replace(/\n/g, ', ') };
      }
      case 'deleted':
        this.lsc = null;
        this.#statusMessage('lscDeleted');
        return { outcome: 'deleted' };
      case 'no-valid-server':
        this.console.line(
          `${this.console.secd ? 'SECD: EROR:' : 'SECUREAPP-'}CAPF: ${outcome.message}`,
          'ERR',
        );
        this.#statusMessage('noValidCapfServer');
        return { outcome: 'no-valid-server', detail: outcome.message };
      case 'failed':
        this.#statusMessage('lscOperationFailed');
        return { outcome: 'failed', detail: outcome.message };
      default:
        return { outcome: outcome.kind };
    }
  }

  // ------------------------------------------------------------------ registration

  #tlsOptions() {
    const t = tlsClientOptions(this.profile);
    const identity = this.#tlsIdentity();
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

  /** The phone's rule for CUCM's SCCP/SIP TLS certificate: a CCM record of the CTL, valid, a hash it knows. */
  #verifyCallManager(h: Handshake): TrustVerdict {
    const leaf = h.peerChain[0];
    if (!leaf)
      return { accepted: false, reason: 'CUCM sent no certificate', alert: alert('handshake_failure') };
    const hash = signatureHashOf(leaf);
    if (!acceptsSignatureHash(this.profile, hash)) {
      return {
        accepted: false,
        reason: `${this.profile.label} cannot verify a ${hash} signature`,
        alert: alert('bad_certificate'),
      };
    }
    if (!this.trust.contains('CTL', leaf, CCM_ROLES)) {
      return {
        accepted: false,
        reason: `CallManager certificate ${certCommonName(leaf) ?? leaf.subject} (serial ${leaf.serialNumber}) is not in the CTL`,
        alert: alert('unknown_ca'),
      };
    }
    const now = Date.now();
    if (new Date(leaf.validTo).getTime() < now || new Date(leaf.validFrom).getTime() > now) {
      return {
        accepted: false,
        reason: `CallManager certificate ${certCommonName(leaf) ?? leaf.subject} expired on ${leaf.validTo}`,
        alert: alert('certificate_expired'),
      };
    }
    return { accepted: true, reason: 'CallManager certificate matches the CTL CCM record' };
  }

  /**
   * Registers with one CallManager of the config's group (`cmIndex` in priority order, default the first).
   * `retry`: a re-registration attempt (#reRegister): a failure keeps the phone "Registering", and an
   * attempt that a boot, reset or unplug overtook (epoch changed) drops its connection silently.
   */
  async #register(
    cfg: PhoneConfig,
    opts: { cmIndex?: number; retry?: boolean } = {},
  ): Promise<BootReport['registration']> {
    const epoch = this.#epoch;
    const retry = opts.retry ?? false;
    const group = [...cfg.callManagers].sort((a, b) => a.priority - b.priority);
    const cmIndex = group.length ? (opts.cmIndex ?? 0) % group.length : 0;
    const cm = group[cmIndex];
    if (!cm)
      return {
        state: 'unregistered',
        secure: false,
        transport: null,
        server: null,
        detail: 'no CallManager in the config',
      };
    const mode = cfg.deviceSecurityMode;
    const ctlHasCcm = this.trust.records('CTL', CCM_ROLES).length > 0;
    const secure = (mode === 2 || mode === 3) && ctlHasCcm;
    const protocol = this.profile.protocol;
    const port =
      protocol === 'SCCP'
        ? secure
          ? SCCP_TLS_PORT
          : cm.ports.ethernetPhonePort || SCCP_PORT
        : secure
          ? cm.ports.securedSipPort
          : cm.ports.sipPort;
    const transport = `${protocol}${secure ? '/TLS' : '/TCP'}`;
    const server = `${cm.processNodeName}:${port}`;
    this.#setState('registering', secure, server, `${transport} to ${server}`);
    if (!retry) this.#statusMessage('registering');
    const fail = (detail: string): BootReport['registration'] => {
      if (!retry) {
        this.#setState('unregistered', secure, server, detail);
        this.#statusMessage('unregistered');
      }
      return { state: 'unregistered', secure, transport, server, detail };
    };
    let socket: Socket;
    if (secure) {
      const c = await this.fabric.connectTls(
        this.name,
        { host: cm.processNodeName, port },
        { ...this.#tlsOptions(), timeoutMs: this.#decl.timers?.tlsTimeoutMs ?? 5000 },
        (h) => this.#verifyCallManager(h),
      );
      if (!c.ok) {
        const a: TlsAlert | null = c.error.verdict?.alert ?? c.error.alert;
        if (a) this.console.secErr(a);
        const detail = c.error.verdict?.reason ?? c.error.message;
        this.console.line(
          `${this.console.secd ? 'SECD: EROR:' : 'SECUREAPP-'}TLS connection to ${server} failed: ${detail}`,
          'ERR',
        );
        return fail(detail);
      }
      socket = (c.value as TlsConnection).socket;
    } else {
      const c = await this.fabric.connectTcp(
        this.name,
        { host: cm.processNodeName, port },
        { timeoutMs: this.#decl.timers?.tlsTimeoutMs ?? 5000 },
      );
      if (!c.ok) return fail(c.error.message);
      socket = (c.value as Connection).socket;
    }
    if (epoch !== this.#epoch) {
      // A boot, reset or unplug happened while this attempt connected: it is no longer wanted.
      socket.destroy();
      return { state: 'unregistered', secure, transport, server, detail: 'superseded' };
    }
    const reg: Registration = {
      socket,
      secure,
      transport,
      server,
      keepAlive: null,
      closing: false,
      cmIndex,
      unanswered: 0,
      lostWhy: null,
      retry,
    };
    this.#registration = reg;
    this.#secureRegistration = secure;
    const outcome =
      protocol === 'SCCP'
        ? await this.#sccpRegister(reg, cfg)
        : await this.#sipRegister(reg, cfg, cm.processNodeName);
    const result = { state: outcome.state, secure, transport, server, detail: outcome.detail };
    // A re-registration that settled is what the last boot's registration now is.
    if (retry && outcome.state !== 'unregistered' && this.lastBoot) this.lastBoot.registration = result;
    if (outcome.state === 'registered') {
      this.#statusMessage('registered');
    } else if (!retry || outcome.state === 'rejected') {
      this.#statusMessage(outcome.state === 'rejected' ? 'registrationRejected' : 'unregistered');
    }
    return result;
  }

  #setState(state: RegistrationState, secure: boolean, server: string | null, detail: string): void {
    if (this.state === state && state !== 'registering') return;
    this.state = state;
    this.emit('phone.registration', { state, secure, server, detail });
  }

  #dropRegistration(why: string, unregister: boolean): void {
    const r = this.#registration;
    if (!r) return;
    this.#endCall(why);
    r.closing = true;
    if (r.keepAlive) clearInterval(r.keepAlive);
    if (unregister && this.profile.protocol === 'SCCP' && !r.socket.destroyed) {
      r.socket.write(
        encodeSccp({ type: 'Unregister' }, headerVersionFor(this.profile.sccpProtocolVersion ?? 0)),
      );
    }
    r.socket.destroy();
    this.#registration = null;
    if (this.state !== 'unregistered') this.#setState('unregistered', r.secure, r.server, why);
  }

  #onServerClose(reg: Registration): void {
    if (reg.keepAlive) clearInterval(reg.keepAlive);
    const wasCurrent = this.#registration === reg;
    if (wasCurrent) this.#registration = null;
    if (wasCurrent) this.#endCall(reg.lostWhy ?? 'CallManager closed the connection');
    if (!reg.closing && wasCurrent && this.state === 'registered') {
      this.#reRegister(reg, reg.lostWhy ?? 'CallManager closed the connection');
    }
  }

  /** True (and the connection given up) when `missedKeepAlives` keepalives went unanswered. */
  #keepAliveUnanswered(reg: Registration): boolean {
    const limit = this.#decl.timers?.missedKeepAlives ?? this.profile.reRegistration.missedKeepAlives;
    if (reg.unanswered < limit) return false;
    reg.lostWhy = `${reg.unanswered} keepalives not acknowledged`;
    if (reg.keepAlive) clearInterval(reg.keepAlive);
    reg.keepAlive = null;
    reg.socket.destroy();
    return true;
  }

  #cancelRetry(): void {
    this.#epoch++;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  /**
   * CallManager dropped a registration the phone had (socket closed, keepalives unanswered): the phone
   * shows "Registering" and tries again with the config it has (no TFTP), first the next CallManager of
   * its group, then around the list back to the same one, with a doubling delay (firmware profile
   * `reRegistration`, shortened by the declaration's `timers`). It gives up after the attempts bound.
   */
  #reRegister(lost: Registration, why: string): void {
    const cfg = this.config;
    const protocol = this.profile.protocol;
    if (!cfg || !this.online || this.#booting) {
      this.#setState('unregistered', lost.secure, lost.server, why);
      this.#statusMessage('unregistered');
      return;
    }
    this.console.line(
      `${protocol}: registration with ${lost.server} lost (${why}); registering again`,
      'WRN',
    );
    this.emit('action', { name: 'phone.re-register', detail: `${lost.server}: ${why}` });
    this.#setState('registering', lost.secure, lost.server, why);
    this.#statusMessage('registering');
    this.#cancelRetry();
    const epoch = this.#epoch;
    const p = this.profile.reRegistration;
    const t = this.#decl.timers;
    const first = t?.reRegisterDelayMs ?? p.firstDelayMs;
    const max = t?.reRegisterMaxDelayMs ?? p.maxDelayMs;
    const attempts = t?.reRegisterAttempts ?? p.maxAttempts;
    const n = Math.max(1, cfg.callManagers.length);
    const attempt = (k: number): void => {
      if (epoch !== this.#epoch) return;
      if (k >= attempts) {
        this.console.line(`${protocol}: no CallManager answered after ${k} attempts`, 'ERR');
        this.#setState('unregistered', lost.secure, lost.server, `gave up after ${k} attempts: ${why}`);
        this.#statusMessage('unregistered');
        return;
      }
      const delay = Math.min(first * 2 ** k, max);
      this.#retryTimer = setTimeout(async () => {
        this.#retryTimer = null;
        if (epoch !== this.#epoch) return;
        const cmIndex = p.failover === 'next-in-group' ? (lost.cmIndex + 1 + k) % n : lost.cmIndex;
        const r = await this.#register(cfg, { cmIndex, retry: true });
        if (epoch !== this.#epoch) return;
        if (r.state === 'registered' || r.state === 'rejected') return;
        this.console.line(`${protocol}: attempt ${k + 1} to ${r.server ?? '?'} failed: ${r.detail}`, 'WRN');
        attempt(k + 1);
      }, delay);
      this.#retryTimer.unref?.();
    };
    attempt(0);
  }

  /** A reset or restart ordered by CUCM (SCCP Reset, SIP NOTIFY): boot again, as the phone does. */
  #onResetRequest(kind: string): void {
    this.console.line(`${this.console.secd ? 'SECD: ' : ''}Reset request from CallManager: ${kind}`);
    this.emit('action', { name: 'phone.reset-by-cucm', detail: kind });
    // Start the boot now (so whoever waits for the phone sees it busy), after the current read returns.
    const previous = this.#booting;
    this.#booting = (async () => {
      if (previous) await previous.catch(() => null);
      await new Promise<void>((r) => setImmediate(r));
      this.#dropRegistration(`reset by CallManager (${kind})`, false);
      this.#booting = null;
      return this.boot();
    })();
  }

  #sccpRegister(reg: Registration, cfg: PhoneConfig): Promise<{ state: RegistrationState; detail: string }> {
    void cfg;
    const protocolVer = this.profile.sccpProtocolVersion ?? 17;
    const hv = headerVersionFor(protocolVer);
    const send = (m: Parameters<typeof encodeSccp>[0]) => {
      if (!reg.socket.destroyed) reg.socket.write(encodeSccp(m, hv));
    };
    return this.#registerOver(reg, {
      protocol: 'SCCP',
      framer: sccpFramer(),
      noAnswer: 'no RegisterAck',
      closedEarly: 'connection closed before RegisterAck',
      onMessage: ({ message: m }, settle) => {
        switch (m.type) {
          case 'RegisterAck': {
            const secs = Math.max(
              0.05,
              Math.min(m.ack.keepAliveInterval || 30, this.#decl.timers?.keepAliveSeconds ?? 30),
            );
            reg.keepAlive = setInterval(() => {
              if (this.#keepAliveUnanswered(reg)) return;
              reg.unanswered++;
              send({ type: 'KeepAlive' });
            }, secs * 1000);
            reg.keepAlive.unref();
            this.console.line(`SCCP: RegisterAck, keepalive ${m.ack.keepAliveInterval}s`);
            settle('registered', `${reg.transport} to ${reg.server}`);
            break;
          }
          case 'KeepAliveAck':
            reg.unanswered = 0;
            break;
          case 'RegisterReject':
            this.console.line(`SCCP: RegisterReject "${m.text}"`, 'ERR');
            settle('rejected', m.text);
            break;
          case 'CapabilitiesReq':
            // G.711 u-law (4) and a-law (2), 20 ms frames.
            send({
              type: 'CapabilitiesRes',
              capabilities: [
                { codec: 4, maxFramesPerPacket: 40 },
                { codec: 2, maxFramesPerPacket: 40 },
              ],
            });
            break;
          case 'Reset':
            this.#onResetRequest(
              m.resetType === SccpResetType.RESTART
                ? 'restart'
                : m.resetType === SccpResetType.APPLY_CONFIG
                  ? 'apply-config'
                  : 'reset',
            );
            break;
          default: {
            const call = readSccpCall(m);
            if (call)
              this.#onSccpCall(reg, call).catch((e: Error) => this.console.line(`CALL: ${e.message}`, 'ERR'));
            break;
          }
        }
      },
      start: () =>
        send({
          type: 'Register',
          register: {
            deviceName: this.deviceName,
            stationIpAddr: this.address.includes('.') ? this.address : '0.0.0.0',
            deviceType: this.profile.sccpDeviceType?.[this.model] ?? 0,
            maxStreams: 5,
            protocolVer,
            macAddress: this.mac,
            maxNumberOfLines: 1,
            firmwareLoadName: this.profile.loadName,
          },
        }),
    });
  }

  #sipRegister(
    reg: Registration,
    cfg: PhoneConfig,
    cucmHost: string,
  ): Promise<{ state: RegistrationState; detail: string }> {
    const line = cfg.sipProfile?.lines[0];
    const dn = line?.name ?? this.#decl.line ?? '1000';
    const local = { address: reg.socket.localAddress ?? this.address, port: reg.socket.localPort ?? 5060 };
    const ver = /(\d+)-(\d+)-(\d+)/.exec(this.profile.loadName);
    const phone = {
      mac: this.mac,
      model: this.model,
      modelEnum: this.profile.sipModelEnum?.[this.model] ?? 0,
      firmware: ver ? `${ver[1]}.${ver[2]}.${ver[3]}` : this.profile.loadName,
      activeLoad: `${this.profile.loadName}.loads`,
      inactiveLoad: `${this.profile.loadName}.loads`,
    };
    let cseq = 101;
    const send = (m: SipMessage) => {
      if (!reg.socket.destroyed) reg.socket.write(encodeSip(m));
    };
    const registerReq = (first: boolean): SipRequest =>
      buildRegister({
        phone,
        phoneIp: local.address,
        phonePort: local.port,
        cucmHost,
        dn,
        lineContact: line?.contact || dn,
        transport: reg.secure ? 'TLS' : 'TCP',
        cseq: cseq++,
        first,
        lastReason: 'reset-restart',
      });
    return this.#registerOver(reg, {
      protocol: 'SIP',
      framer: new SipFramer(),
      noAnswer: 'no answer to REGISTER',
      closedEarly: 'connection closed before 200 OK',
      onMessage: (m, settle) => {
        if (m.kind === 'response') {
          if (/INVITE/.test(header(m, 'cseq') ?? '')) {
            this.#onInviteResponse(m, send);
            return;
          }
          if (!/REGISTER/.test(header(m, 'cseq') ?? '')) return;
          if (m.status === 200) {
            reg.unanswered = 0;
            const expires = Number(header(m, 'expires') ?? '120') || 120;
            const secs = Math.max(0.05, Math.min(expires, this.#decl.timers?.keepAliveSeconds ?? expires));
            if (!reg.keepAlive) {
              reg.keepAlive = setInterval(() => {
                if (this.#keepAliveUnanswered(reg)) return;
                reg.unanswered++;
                send(registerReq(false));
              }, secs * 1000);
              reg.keepAlive.unref();
            }
            this.console.line(`SIP: REGISTER 200 OK, expires ${expires}`);
            settle('registered', `${reg.transport} to ${reg.server}`);
          } else if (m.status >= 300) {
            const warning = header(m, 'warning');
            this.console.line(
              `SIP: REGISTER ${m.status} ${m.reason}${warning ? ` (${warning})` : ''}`,
              'ERR',
            );
            settle('rejected', `${m.status} ${m.reason}`);
          }
        } else if (m.method === 'INVITE') {
          // A call CUCM offers (call-control.ts).
          this.#onSipInvite(m, send).catch((e: Error) => this.console.line(`CALL: ${e.message}`, 'ERR'));
        } else if (m.method === 'ACK') {
          this.#onSipAck(m);
        } else {
          // Requests from CUCM on the registration connection: NOTIFY check-sync / service-control = reset.
          send(buildResponse(m, 200, 'OK'));
          if ((m.method === 'BYE' || m.method === 'CANCEL') && this.#call?.callId === header(m, 'call-id')) {
            this.#endCall(
              m.method === 'BYE' ? 'call released by CallManager (BYE)' : 'call cancelled by CallManager',
            );
            return;
          }
          const event = (header(m, 'event') ?? '').toLowerCase();
          const body = m.body.toString('utf8');
          if (m.method === 'NOTIFY' && (event.includes('check-sync') || event.includes('service-control'))) {
            this.#onResetRequest(/restart/i.test(body) ? 'restart' : 'reset');
          }
        }
      },
      start: () => send(registerReq(true)),
    });
  }

  /**
   * What the SCCP and SIP registrations share: the protocol's framer reads what CallManager sends (a
   * framing error is logged as `<protocol>: <message>` and drops the connection), the attempt settles
   * once (the protocol's answer, no answer within the TLS timeout, or the connection closing first),
   * and a closed connection goes to #onServerClose. `onMessage` handles one decoded message; `start`
   * sends the first Register once the handlers are in place.
   */
  #registerOver<M>(
    reg: Registration,
    p: {
      protocol: 'SCCP' | 'SIP';
      framer: { push(chunk: Buffer): Result<M, FormatError>[] };
      /** Detail when nothing answers in time. */
      noAnswer: string;
      /** Detail when the connection closes before the answer. */
      closedEarly: string;
      onMessage: (m: M, settle: (state: RegistrationState, detail: string) => void) => void;
      start: () => void;
    },
  ): Promise<{ state: RegistrationState; detail: string }> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (state: RegistrationState, detail: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (!reg.retry || state !== 'unregistered') this.#setState(state, reg.secure, reg.server, detail);
        resolve({ state, detail });
      };
      const timer = setTimeout(
        () => settle('unregistered', p.noAnswer),
        this.#decl.timers?.tlsTimeoutMs ?? 5000,
      );
      reg.socket.on('data', (chunk: Buffer) => {
        for (const r of p.framer.push(chunk)) {
          if (!r.ok) {
            this.console.line(`${p.protocol}: ${r.error.message}`, 'ERR');
            reg.socket.destroy();
            return;
          }
          p.onMessage(r.value, settle);
        }
      });
      reg.socket.once('close', () => {
        settle('unregistered', p.closedEarly);
        this.#onServerClose(reg);
      });
      reg.socket.on('error', () => {});
      p.start();
    });
  }

  // ------------------------------------------------------------------ calls

  /** The security this phone's registration gives a call: its mode, if it registered over TLS. */
  get callSecurity(): SecurityLevel {
    if (this.state !== 'registered' || !this.#secureRegistration || !this.config) return 'non-secure';
    return SECURITY_NAMES[this.config.deviceSecurityMode] ?? 'non-secure';
  }

  /**
   * Dials `number` through CallManager, over the registration connection (devices/cucm/call-control.ts):
   * SIP phones send an INVITE to CUCM (SDP with `RTP/SAVP` + `a=crypto` when the phone is Encrypted),
   * SCCP phones go OffHook and press one KeypadButton per digit. CUCM decides the call security from
   * both devices (seed 002) and tells this phone (SIP `Call-Info ...;security=`, SCCP CallInfo
   * `callSecurityStatus`); the phone shows that icon and sends a short burst of G.711 RTP/SRTP to the
   * far end's media address (devices/phone/media.ts); what it received is the `phone.media` event.
   * SIP phones may dial a device name (URI dialling); SCCP phones dial digits.
   * Resolves once the call is connected, or with the failure (SIP 4xx/5xx, SCCP reorder tone).
   */
  async call(
    number: string,
  ): Promise<{ icon: CallIcon; media: 'RTP' | 'SRTP'; payloadBytes: number } | { error: string }> {
    const reg = this.#registration;
    if (this.state !== 'registered' || !reg) return { error: `${this.name} is not registered` };
    if (this.#call) return { error: `${this.name} is already in a call` };
    const protocol = this.profile.protocol;
    if (protocol === 'SCCP' && !/^[0-9*#]+$/.test(number))
      return { error: `SCCP phones dial digits, not ${number}` };
    const call: ActiveCall = { peer: number, stream: null, sendKey: null, icon: 'none', callId: null };
    this.#call = call;
    const result = new Promise<CallOutcome>((resolve) => {
      call.settle = resolve;
    });
    this.#setupTimer(call, 'no answer from CallManager');
    this.console.line(`CALL: dialling ${number}`);
    if (protocol === 'SCCP') {
      this.#sccpSend(reg, sccpCall({ type: 'OffHook', lineInstance: 1, callReference: 0 }));
      for (const ch of number) {
        const button = ch === '*' ? 10 : ch === '#' ? 11 : Number(ch);
        this.#sccpSend(reg, sccpCall({ type: 'KeypadButton', button, lineInstance: 1, callReference: 0 }));
      }
    } else {
      const stream = await this.#openMedia();
      if (!stream) {
        this.#callFailed(call, 'no RTP port');
        return { error: 'no RTP port' };
      }
      call.stream = stream;
      call.sendKey = this.callSecurity === 'encrypted' ? newMasterKey() : null;
      call.callId = `${this.mac.toLowerCase().slice(0, 8)}-${randomBytes(6).toString('hex')}@${this.address}`;
      const cucmHost = reg.server.replace(/:\d+$/, '');
      const dn = this.config?.sipProfile?.lines[0]?.name ?? this.#decl.line ?? this.deviceName;
      const local = `${reg.socket.localAddress ?? this.address}:${reg.socket.localPort ?? 5060}`;
      const transport = reg.secure ? 'TLS' : 'TCP';
      const invite: SipRequest = {
        kind: 'request',
        method: 'INVITE',
        uri: `sip:${number}@${cucmHost}`,
        headers: [
          ['Via', `SIP/2.0/${transport} ${local};branch=z9hG4bK${randomBytes(4).toString('hex')}`],
          [
            'From',
            `"${this.deviceName}" <sip:${dn}@${cucmHost}>;tag=${this.mac.toLowerCase()}-${randomBytes(2).toString('hex')}`,
          ],
          ['To', `<sip:${number}@${cucmHost}>`],
          ['Call-ID', call.callId],
          ['CSeq', '101 INVITE'],
          ['Max-Forwards', '70'],
          ['Contact', `<sip:${dn}@${local};transport=${transport.toLowerCase()}>`],
          ['Content-Type', 'application/sdp'],
        ],
        body: Buffer.from(
          buildAudioSdp({
            address: this.address,
            port: stream.port,
            profile: call.sendKey ? 'RTP/SAVP' : 'RTP/AVP',
            crypto: call.sendKey ? { suite: SRTP_SUITE, inline: inlineKey(call.sendKey) } : null,
          }),
        ),
      };
      call.invite = invite;
      if (!reg.socket.destroyed) reg.socket.write(encodeSip(invite));
    }
    return result;
  }

  /** The last media report of this phone's last call (see `phone.media`). */
  lastMedia: (MediaReport & { peer: string }) | null = null;

  async #openMedia(): Promise<MediaStream | null> {
    for (const port of [RTP_BASE_PORT, 0]) {
      try {
        return new MediaStream(await this.fabric.bindUdp(this.name, port));
      } catch {
        // 16384 taken (another call of this phone's address): an ephemeral port.
      }
    }
    return null;
  }

  #sccpSend(reg: Registration, m: Parameters<typeof encodeSccp>[0]): void {
    if (!reg.socket.destroyed)
      reg.socket.write(encodeSccp(m, headerVersionFor(this.profile.sccpProtocolVersion ?? 17)));
  }

  #setupTimer(call: ActiveCall, why: string): void {
    call.timer = setTimeout(() => this.#callFailed(call, why), CALL_SETUP_MS);
    call.timer.unref();
  }

  /**
   * Ends the call this phone is in (lab stopped, registration lost, CallManager released it): one not
   * yet connected fails (its `call()` settles with the reason), a connected one stops its media.
   */
  #endCall(why: string): void {
    const call = this.#call;
    if (!call) return;
    if (!call.connected) {
      this.#callFailed(call, why);
      return;
    }
    this.#call = null;
    if (call.timer) clearTimeout(call.timer);
    call.stream?.close();
    this.console.line(`CALL: call with ${call.peer} ended: ${why}`);
  }

  /** Why this phone refuses a media plan, or null: media goes only to hosts of the lab (fabric host table). */
  #mediaProblem(plan: MediaPlan): string | null {
    const p = mediaPlanProblem(plan);
    if (p) return p;
    if (this.fabric.hostAt(plan.remote.address) === null)
      return `media address ${plan.remote.address} is not a lab host`;
    return null;
  }

  #callFailed(call: ActiveCall, why: string): void {
    if (this.#call !== call) {
      // Not the current call any more (stop() or a new call took over): still settle its caller.
      if (!call.connected) call.settle?.({ error: why });
      return;
    }
    this.#call = null;
    if (call.timer) clearTimeout(call.timer);
    call.stream?.close();
    this.console.line(`CALL: call to ${call.peer} failed: ${why}`, 'WRN');
    this.emit('phone.call', {
      peer: call.peer,
      icon: 'none',
      media: 'RTP',
      payloadBytes: 0,
      state: 'failed',
    });
    call.settle?.({ error: why });
  }

  /** The call is up: show CUCM's icon, and send/receive the media burst. */
  #connected(call: ActiveCall, plan: MediaPlan): void {
    const problem = this.#mediaProblem(plan);
    if (problem) {
      this.#callFailed(call, `media refused: ${problem}`);
      return;
    }
    call.connected = true;
    if (call.timer) clearTimeout(call.timer);
    const icon = call.icon;
    const media: 'RTP' | 'SRTP' = plan.sendKey && plan.recvKey ? 'SRTP' : 'RTP';
    const payloadBytes = media === 'SRTP' ? G711_SRTP_PAYLOAD : G711_RTP_PAYLOAD;
    const peer = call.peer;
    this.lastCall = { peer, icon, media, payloadBytes };
    const word = icon === 'lock' ? 'Encrypted' : icon === 'shield' ? 'Authenticated' : 'Not Authenticated';
    this.console.line(
      `CALL: connected with ${peer}, call security ${word}, icon ${icon}, ${media} G.711u 20 ms payload ${payloadBytes} bytes`,
    );
    this.emit('phone.call', { peer, icon, media, payloadBytes, state: 'connected' });
    call.settle?.({ icon, media, payloadBytes });
    const stream = call.stream;
    if (!stream) return;
    void stream.start(plan).then((report) => {
      if (this.#call === call) this.#call = null;
      this.lastMedia = { peer, ...report };
      this.console.line(
        `CALL: media from ${report.remote}: ${report.received} ${report.media} packets received, payload ${report.payloadBytes.join('/') || '-'} bytes`,
      );
      this.emit('phone.media', { peer, ...report });
    });
  }

  static #iconOf(m: SipMessage): CallIcon {
    const v = /security=\s*(\w+)/i.exec(header(m, 'call-info') ?? '')?.[1] ?? 'NotAuthenticated';
    return v === 'Encrypted' ? 'lock' : v === 'Authenticated' ? 'shield' : 'none';
  }

  /** SIP: CUCM's final answer to this phone's INVITE. */
  #onInviteResponse(m: SipMessage, send: (m: SipMessage) => void): void {
    const call = this.#call;
    if (m.kind !== 'response' || m.status < 200 || !call || header(m, 'call-id') !== call.callId) return;
    if (call.invite) {
      send({
        kind: 'request',
        method: 'ACK',
        uri: call.invite.uri,
        headers: [
          ...call.invite.headers.filter(([n]) => /^(via|from|call-id)$/i.test(n)),
          ['To', header(m, 'to') ?? ''],
          ['CSeq', '101 ACK'],
        ],
        body: Buffer.alloc(0),
      });
    }
    if (m.status !== 200) {
      this.#callFailed(call, `${m.status} ${m.reason}`);
      return;
    }
    const sdp = parseAudioSdp(m.body.toString('utf8'));
    if (!sdp) {
      this.#callFailed(call, 'no SDP in the answer');
      return;
    }
    call.icon = Phone.#iconOf(m);
    const recvKey = sdp.crypto ? parseInlineKey(sdp.crypto.inline) : null;
    if (sdp.crypto && call.sendKey && !recvKey) {
      this.#callFailed(call, 'media refused: the answer SRTP key is not a 30-byte master key and salt');
      return;
    }
    this.#connected(call, {
      remote: { address: sdp.address, port: sdp.port },
      sendKey: recvKey ? call.sendKey : null,
      recvKey: call.sendKey ? recvKey : null,
    });
  }

  /** SIP: CUCM offers a call on the registration connection. The lab phone answers at once. */
  async #onSipInvite(m: SipRequest, send: (m: SipMessage) => void): Promise<void> {
    const offer = parseAudioSdp(m.body.toString('utf8'));
    const offerKey = offer?.crypto ? parseInlineKey(offer.crypto.inline) : null;
    const refused =
      !offer ||
      (offer.crypto && !offerKey && this.callSecurity === 'encrypted') ||
      this.#mediaProblem({
        remote: { address: offer.address, port: offer.port },
        sendKey: null,
        recvKey: null,
      });
    if (this.#call || refused) {
      if (refused && !this.#call)
        this.console.line(
          `CALL: offer refused: ${typeof refused === 'string' ? refused : 'unusable SDP'}`,
          'WRN',
        );
      send(buildResponse(m, this.#call ? 486 : 488, this.#call ? 'Busy Here' : 'Not Acceptable Here'));
      return;
    }
    const call: ActiveCall = { peer: '', stream: null, sendKey: null, icon: Phone.#iconOf(m), callId: null };
    this.#call = call;
    this.#setupTimer(call, 'call setup timed out');
    const from = header(m, 'from') ?? '';
    call.peer = /"([^"]+)"/.exec(from)?.[1] ?? /<sips?:([^@;>]+)/.exec(from)?.[1] ?? 'unknown';
    call.callId = header(m, 'call-id') ?? null;
    const stream = await this.#openMedia();
    if (!stream) {
      this.#callFailed(call, 'no RTP port');
      send(buildResponse(m, 500, 'Server Internal Error'));
      return;
    }
    if (this.#call !== call) {
      // Ended (lab stopped, CANCEL) while the port was being bound.
      stream.close();
      return;
    }
    call.stream = stream;
    const recvKey = offerKey;
    call.sendKey = recvKey && this.callSecurity === 'encrypted' ? newMasterKey() : null;
    call.plan = {
      remote: { address: offer.address, port: offer.port },
      sendKey: call.sendKey,
      recvKey: call.sendKey ? recvKey : null,
    };
    send(
      buildResponse(m, 200, 'OK', [['Content-Type', 'application/sdp']], {
        toTag: this.mac.toLowerCase().slice(0, 8),
        body: Buffer.from(
          buildAudioSdp({
            address: this.address,
            port: stream.port,
            profile: call.sendKey ? 'RTP/SAVP' : 'RTP/AVP',
            crypto: call.sendKey ? { suite: SRTP_SUITE, inline: inlineKey(call.sendKey) } : null,
          }),
        ),
      }),
    );
  }

  /** SIP: CUCM's ACK to this phone's 200 OK: the call is up. */
  #onSipAck(m: SipRequest): void {
    const call = this.#call;
    if (!call?.plan || header(m, 'call-id') !== call.callId) return;
    const plan = call.plan;
    call.plan = undefined;
    this.#connected(call, plan);
  }

  /** SCCP: CallManager drives the call (devices/protocols/sccp.ts call messages). */
  async #onSccpCall(reg: Registration, m: SccpCallMessage): Promise<void> {
    switch (m.type) {
      case 'CallState':
        if (m.state === SccpCallState.OnHook && this.#call) {
          this.#endCall('on hook by CallManager');
          return;
        }
        if (m.state === SccpCallState.RingIn && !this.#call) {
          const call: ActiveCall = { peer: '', stream: null, sendKey: null, icon: 'none', callId: null };
          this.#call = call;
          this.#setupTimer(call, 'call setup timed out');
          // Auto-answer (lab): the phone goes off hook at once.
          this.#sccpSend(reg, sccpCall({ type: 'OffHook', lineInstance: 1, callReference: m.callReference }));
        }
        return;
      case 'CallInfo': {
        const call = this.#call;
        if (!call) return;
        call.peer = m.callType === 1 ? m.callingPartyName || m.callingParty : call.peer || m.calledParty;
        const s = m.callSecurityStatus;
        call.icon =
          s === SccpCallSecurityStatus.Encrypted
            ? 'lock'
            : s === SccpCallSecurityStatus.Authenticated
              ? 'shield'
              : 'none';
        return;
      }
      case 'OpenReceiveChannel': {
        const call = this.#call;
        let stream = call ? (call.stream ?? (await this.#openMedia())) : null;
        if (call && stream && this.#call !== call) {
          // Ended while the port was being bound.
          stream.close();
          stream = null;
        }
        if (call && stream) call.stream = stream;
        this.#sccpSend(
          reg,
          sccpCall({
            type: 'OpenReceiveChannelAck',
            status: stream ? 0 : 1,
            ip: this.address,
            port: stream?.port ?? 0,
            passThruPartyId: m.passThruPartyId,
            callReference: m.callReference,
          }),
        );
        return;
      }
      case 'StartMediaTransmission': {
        const call = this.#call;
        if (!call) return;
        // The key block is as long as CallManager says; a short key or salt is refused before connecting.
        const key = (k: typeof m.sendKey) => (k ? { key: k.key, salt: k.salt.subarray(0, 14) } : null);
        const sendKey = key(m.sendKey);
        const recvKey = key(m.recvKey);
        this.#connected(call, {
          remote: { address: m.remoteIp, port: m.remotePort },
          sendKey: sendKey && recvKey ? sendKey : null,
          recvKey: sendKey && recvKey ? recvKey : null,
        });
        return;
      }
      case 'StartTone':
        if (m.tone === SccpTone.Reorder && this.#call) this.#callFailed(this.#call, 'reorder tone');
        return;
      default:
        return;
    }
  }
}
