/**
 * The IP phone model (kind 'phone'): MIC at manufacture, LSC from CAPF, the boot sequence over the
 * fabric, status messages and console lines in the phone's own wording, registration and calls. This
 * file is the device: its declaration, its lifecycle and what a person can do with it (boot, reset,
 * unplug, erase a trust list, dial, read the menus). The work is in the modules named for it:
 *
 * - boot.ts: the boot sequence; trust-list-step.ts (CTL/ITL), config-fetch.ts (.sgn/.enc.sgn),
 *   capf-step.ts with capf-client.ts, tvs-client.ts;
 * - trust-rules.ts: why a phone trusts or rejects a trust list, a config signer, a TLS server;
 * - registration.ts with sccp-station.ts and sip-user-agent.ts; calls.ts with media.ts;
 * - menus.ts; events.ts: what the phone puts on the timeline.
 *
 * Behaviour that differs by firmware is read from the profile row (firmware-profiles.ts), never
 * branched on model names.
 */
import type { KeyObject } from 'node:crypto';
import type { TrustListKind } from '../../certs/ctl.ts';
import type { Identity } from '../../certs/issue.ts';
import type { KeySpec } from '../../certs/key-pool/index.ts';
import type { PhoneConfig } from '../../certs/phone-config.ts';
import { sepName } from '../../certs/profiles.ts';
import { Device, type DeviceContext, type DeviceDescription } from '../../emulator/device.ts';
import type { EventKind, EventMap } from '../../emulator/events.ts';
import type { Fabric } from '../../emulator/fabric.ts';
import { type BootOptions, bootSequence } from './boot.ts';
import { type BootSlots, bootSlotsFor } from './boot-slots.ts';
import { type CallOutcome, Calls, type ConnectedCall } from './calls.ts';
import { PhoneConsole } from './console-log.ts';
import {
  activeIdentity,
  type PhoneContext,
  type PhoneTimers,
  type PhoneTlsOptions,
  phoneTlsOptions,
} from './context.ts';
import type { BootReport, RegistrationState, SecurityLevel } from './events.ts';
import { type FirmwareProfile, type StatusKey, statusText } from './firmware-profiles.ts';
import { keypad } from './keypad.ts';
import { micFor, type PhoneLabRef, phonePkiContext } from './manufacturing.ts';
import type { MediaReport } from './media.ts';
import { securityMenu, trustListMenu } from './menus.ts';
import { Registrar } from './registration.ts';
import { openService, type ServiceOutcome } from './secure-service.ts';
import { emitTrustListChange } from './trust-list-step.ts';
import { PhoneTrustStore } from './trust-store.ts';
import { PhoneTvs } from './tvs-client.ts';

export type { BootOptions } from './boot.ts';
export { G711_RTP_PAYLOAD, G711_SRTP_PAYLOAD } from './calls.ts';
export type {
  BootReport,
  CallIcon,
  RegistrationState,
  SecurityLevel,
  TrustListOutcome,
} from './events.ts';

export interface PhoneDeclaration {
  kind: 'phone';
  name: string;
  aliases: string[];
  mac: string;
  model?: string;
  firmware?: string;
  tftp: string;
  /** TFTP Server 2: the backup the phone boots from when TFTP Server 1 does not answer. */
  tftp2?: string;
  autoBoot: boolean;
  online: boolean;
  /** The CAPF authentication string a person types on the phone when CAPF asks for one. */
  capfAuthString?: string;
  /** Directory number used when the config carries no line (SCCP learns lines from CUCM). */
  line?: string;
  timers?: PhoneTimers;
  /** At most this many phones of the lab boot at once (boot-slots.ts); absent: no cap. */
  bootSlots?: number;
}

export interface PhoneCreateOptions {
  profile: FirmwareProfile;
  /** Reach a TFTP server outside the lab (uclab phone boot): kernel-chosen source address. */
  external?: boolean;
  /** The TVS server to ask, whatever the config names (uclab phone boot --tvs: TVS not on the TFTP host). */
  tvs?: { host: string; port: number };
  /** Every file as received over TFTP, and each config as opened (uclab phone boot --artifacts). */
  received?: PhoneContext['received'];
}

const oneLine = (s: string) => s.replace(/\n/g, ', ');

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
  online: boolean;
  lastBoot: BootReport | null = null;
  readonly #decl: PhoneDeclaration;
  readonly #external: boolean;
  readonly #received: PhoneContext['received'];
  readonly #parts: PhoneContext;
  readonly #tvs: PhoneTvs;
  readonly #registrar: Registrar;
  readonly #calls: Calls;
  readonly #slots: BootSlots | null;
  #booting: Promise<BootReport> | null = null;
  #status: string[] = [];
  #lscGeneration = 0;

  constructor(decl: PhoneDeclaration, ctx: DeviceContext, opts: PhoneCreateOptions) {
    super(decl.name, ctx, decl.aliases);
    this.#decl = decl;
    this.profile = opts.profile;
    this.#external = opts.external ?? false;
    this.#received = opts.received;
    this.mac = decl.mac.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
    this.model = decl.model ?? opts.profile.models[0] ?? 'CP-8861';
    this.deviceName = sepName(this.mac);
    this.online = decl.online;
    this.tftpTarget = Phone.parseTarget(decl.tftp, ctx.fabric.tftpPort());
    this.#slots = bootSlotsFor(ctx.timeline, decl.bootSlots);
    this.console = new PhoneConsole(this.profile.logStyle, (text, level) => this.log('console', text, level));
    this.#parts = new Phone.#Parts(this);
    this.#tvs = new PhoneTvs(this.#parts, () => this.tftpTarget.host, opts.tvs);
    // The hooks below are methods, not arrow functions: under tsx (esbuild keepNames) every arrow
    // function is given its name with Object.defineProperty, which costs each one a property
    // dictionary of some 256 bytes; a method is not (measured: bench/fleet.bench.ts heap per phone).
    const phone = this;
    this.#registrar = new Registrar(this.#parts, {
      onReset(kind) {
        return phone.#onResetRequest(kind);
      },
      endCall(why) {
        phone.#calls.end(why);
      },
      online() {
        return phone.online;
      },
      booting() {
        return phone.#booting !== null;
      },
      retrySettled(r) {
        // A re-registration that settled is what the last boot's registration now is.
        if (phone.lastBoot) phone.lastBoot.registration = r;
      },
      sccpCall(reg, m) {
        return phone.#calls.sccpCall(reg, m);
      },
      sipInviteResponse(m, send) {
        return phone.#calls.sipInviteResponse(m, send);
      },
      sipInvite(m, send) {
        return phone.#calls.sipInvite(m, send);
      },
      sipAck(m) {
        return phone.#calls.sipAck(m);
      },
      sipRelease(m) {
        return phone.#calls.sipRelease(m);
      },
    });
    this.#calls = new Calls(this.#parts, {
      registration() {
        return phone.#registrar.current;
      },
      registered() {
        return phone.#registrar.state === 'registered';
      },
      secure() {
        return phone.#registrar.secure;
      },
    });
  }

  /**
   * What the parts of the model share of this phone (context.ts): an object of a class declared in
   * the phone's body, so it reaches the phone's private members while its accessors and methods live
   * once on its prototype (an object literal gave every phone its own copy of each: some 2 KB a phone
   * of a fleet, measured with a heap snapshot).
   */
  static readonly #Parts = class Parts implements PhoneContext {
    readonly name: string;
    readonly address: string;
    readonly mac: string;
    readonly model: string;
    readonly deviceName: string;
    readonly profile: FirmwareProfile;
    readonly timers: PhoneTimers;
    readonly line: string | undefined;
    readonly fabric: Fabric;
    readonly console: PhoneConsole;
    readonly trust: PhoneTrustStore;
    readonly received: PhoneContext['received'];

    constructor(private readonly phone: Phone) {
      this.name = phone.name;
      this.address = phone.address;
      this.mac = phone.mac;
      this.model = phone.model;
      this.deviceName = phone.deviceName;
      this.profile = phone.profile;
      this.timers = phone.#decl.timers ?? {};
      this.line = phone.#decl.line;
      this.fabric = phone.ctx.fabric;
      this.console = phone.console;
      this.trust = phone.trust;
      this.received = phone.#received;
    }
    get capfAuthString(): string | undefined {
      return this.phone.#decl.capfAuthString;
    }
    get config(): PhoneConfig | null {
      return this.phone.config;
    }
    set config(c: PhoneConfig | null) {
      this.phone.config = c;
    }
    get mic(): Identity | null {
      return this.phone.mic;
    }
    get lsc(): Identity | null {
      return this.phone.lsc;
    }
    set lsc(l: Identity | null) {
      this.phone.lsc = l;
    }
    ensureMic(): Promise<Identity> {
      return this.phone.#ensureMic();
    }
    takeLscKey(spec: KeySpec): KeyObject {
      const phone = this.phone;
      return phonePkiContext(phone.#labRef).keys.take(
        spec,
        `${phone.deviceName}/LSC#${++phone.#lscGeneration}`,
      ).privateKey;
    }
    writeArtifact(path: string, content: string): void {
      this.phone.ctx.artifacts.write(path, content);
    }
    emit<K extends EventKind>(kind: K, payload: EventMap[K]): void {
      this.phone.emit(kind, payload);
    }
    status(key: StatusKey, extra?: string): void {
      this.phone.#statusMessage(key, extra);
    }
    tlsOptions(): PhoneTlsOptions {
      return phoneTlsOptions(this.phone.profile, this.phone.activeIdentity);
    }
  };

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
    this.#calls.end('lab stopped');
    this.#registrar.cancelRetry();
    this.#registrar.drop('lab stopped', false);
  }

  /** This lab as the phones' PKI memo knows it (devices/phone/manufacturing.ts). */
  get #labRef(): PhoneLabRef {
    return { seed: this.ctx.seed, start: this.ctx.clock.start, scope: this.ctx.timeline };
  }

  describe(): DeviceDescription {
    const cert = (name: string, id: Identity | null) =>
      id
        ? [
            {
              name,
              file: this.ctx.artifacts.pathOf(`phones/${this.name}/${name}.pem`),
              subject: oneLine(id.cert.subject),
            },
          ]
        : [];
    return {
      name: this.name,
      kind: this.kind,
      address: this.address,
      aliases: this.aliases,
      ports: [],
      certificates: [...cert('MIC', this.mic), ...cert('LSC', this.lsc)],
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
    return activeIdentity(this);
  }

  /** The registration state the screen shows. */
  get state(): RegistrationState {
    return this.#registrar.state;
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
    return trustListMenu(this.trust);
  }

  /** Settings > Security Configuration: security mode, MIC, LSC, CTL/ITL, CAPF server. */
  securityMenu(): string {
    return securityMenu({ config: this.config, mic: !!this.mic, lsc: !!this.lsc, trust: this.trust });
  }

  /** The security this phone's registration gives a call: its mode, if it registered over TLS. */
  get callSecurity(): SecurityLevel {
    return this.#calls.callSecurity;
  }

  get lastCall(): (ConnectedCall & { peer: string }) | null {
    return this.#calls.lastCall;
  }

  /** The last media report of this phone's last call (see `phone.media`). */
  get lastMedia(): (MediaReport & { peer: string }) | null {
    return this.#calls.lastMedia;
  }

  // ------------------------------------------------------------------ user and admin actions

  /** Settings > Security > Trust List > CTL/ITL File > Erase. */
  deleteTrustList(which: TrustListKind | 'all'): void {
    this.trust.delete(which);
    this.#tvs.flush();
    this.emit('action', { name: 'trust-list.delete', detail: `${which} erased on the phone` });
    for (const kind of ['CTL', 'ITL'] as const) {
      if (which === kind || which === 'all')
        emitTrustListChange(this.#parts, kind, 'erased', null, 'erased on the phone');
    }
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
    this.#registrar.unplugged('phone went offline');
    this.emit('action', { name: 'phone.offline', detail: `${this.name} unplugged` });
  }

  async goOnline(boot = true): Promise<BootReport | null> {
    this.online = true;
    this.emit('action', { name: 'phone.online', detail: `${this.name} plugged in` });
    return boot ? this.boot() : null;
  }

  /** The phone's keys as console commands (keypad.ts): menus, erase a trust list, reset, power cycle. */
  exec(command: string): Promise<string> {
    return keypad(this, command);
  }

  get consolePrompt(): string {
    return `${this.name}>`;
  }

  /** Settings > Reset (or the power cycle): drop the registration and boot again. */
  async reset(): Promise<BootReport> {
    if (this.#booting) await this.#booting;
    this.#registrar.drop('reset', true);
    return this.boot();
  }

  /**
   * Dials `number` through CallManager (calls.ts). Resolves once the call is connected, or with the
   * failure (SIP 4xx/5xx, SCCP reorder tone).
   */
  call(number: string): Promise<CallOutcome> {
    return this.#calls.dial(number);
  }

  /** The user opens a phone service over HTTPS (Services, Directories): secure-service.ts. */
  openService(url: string): Promise<ServiceOutcome> {
    return openService(this.#parts, this.#tvs, url);
  }

  // ------------------------------------------------------------------ boot

  /**
   * Boots: trust lists, config, CAPF when pending, registration. `register: false` / `capf: false` stop
   * before those steps (the `uclab phone boot` probe of a real system does not enrol or register by default).
   */
  boot(opts: BootOptions = {}): Promise<BootReport> {
    if (!this.#booting) {
      this.#booting = this.#gatedBoot(opts).finally(() => {
        this.#booting = null;
      });
    }
    return this.#booting;
  }

  /** The boot, once the lab has a boot slot free for it (boot-slots.ts). */
  async #gatedBoot(opts: BootOptions): Promise<BootReport> {
    const release = await this.#slots?.acquire();
    try {
      return await this.#boot(opts);
    } finally {
      release?.();
    }
  }

  /** Resolves when the current boot (if any) ends. */
  async whenIdle(): Promise<BootReport | null> {
    return this.#booting ? this.#booting : this.lastBoot;
  }

  async #boot(opts: BootOptions): Promise<BootReport> {
    await this.#ensureMic();
    this.#status = [];
    this.#registrar.cancelRetry();
    this.#registrar.drop('boot', false);
    const report = await bootSequence(
      {
        p: this.#parts,
        tvs: this.#tvs,
        registrar: this.#registrar,
        tftpTarget: this.tftpTarget,
        tftpBackup: this.#decl.tftp2 ? Phone.parseTarget(this.#decl.tftp2, this.ctx.fabric.tftpPort()) : null,
        online: this.online,
        external: this.#external,
        statusShown: () => [...this.#status],
      },
      opts,
    );
    this.lastBoot = report;
    return report;
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
      this.#registrar.drop(`reset by CallManager (${kind})`, false);
      this.#booting = null;
      return this.boot();
    })();
  }
}
