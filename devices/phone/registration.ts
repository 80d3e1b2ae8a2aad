/**
 * The phone's registration with CallManager: which CallManager of the config's group, which port and
 * transport (TLS when the config asks for Authenticated/Encrypted and the CTL holds a CallManager
 * record: trust-rules.ts), the TLS check of CUCM's certificate, the protocol (sccp-station.ts or
 * sip-user-agent.ts), and what happens when CallManager drops the registration: the phone shows
 * "Registering" and tries again with a doubling delay (firmware profile `reRegistration`).
 * Every state change is a `phone.registration` event.
 */
import type { PhoneConfig } from '../../certs/phone-config.ts';
import type { TlsAlert } from '../../emulator/events.ts';
import type { ByteStream } from '../../emulator/net/types.ts';
import { SCCP_PORT, SCCP_TLS_PORT } from '../protocols/sccp.ts';
import type { PhoneContext } from './context.ts';
import type { RegistrationReport, RegistrationState } from './events.ts';
import type {
  ProtocolOutcome,
  RegistrationConnection,
  RegistrationSession,
  StationHooks,
} from './registration-session.ts';
import { sccpRegister, sccpSend } from './sccp-station.ts';
import { sipRegister } from './sip-user-agent.ts';
import { callManagerVerdict, secureRegistrationVerdict } from './trust-rules.ts';

export interface RegistrarHooks extends StationHooks {
  /** Ends the call in progress (the registration it runs on is gone). */
  endCall(why: string): void;
  online(): boolean;
  booting(): boolean;
  /** A re-registration attempt settled (registered or rejected): the boot's registration is now this. */
  retrySettled(r: RegistrationReport): void;
}

type Where = { secure: boolean; transport: string | null; server: string | null; retry: boolean };

export class Registrar {
  state: RegistrationState = 'unregistered';
  #current: RegistrationConnection | null = null;
  /** The last registration went over TLS (what a call's security starts from). */
  #secure = false;
  /** Pending re-registration timer; #epoch invalidates attempts a boot, reset or unplug made moot. */
  #retryTimer: NodeJS.Timeout | null = null;
  #epoch = 0;

  constructor(
    private readonly p: PhoneContext,
    private readonly hooks: RegistrarHooks,
  ) {}

  /** The registration connection, while there is one. */
  get current(): RegistrationConnection | null {
    return this.#current;
  }

  /** Registered over TLS. */
  get secure(): boolean {
    return this.state === 'registered' && this.#secure;
  }

  setState(state: RegistrationState, where: Where, detail: string): void {
    if (this.state === state && state !== 'registering') return;
    this.state = state;
    this.p.emit('phone.registration', {
      state,
      secure: where.secure,
      transport: where.transport,
      server: where.server,
      detail,
      retry: where.retry,
    });
  }

  /**
   * Registers with one CallManager of the config's group (`cmIndex` in priority order, default the first).
   * `retry`: a re-registration attempt (#reRegister): a failure keeps the phone "Registering", and an
   * attempt that a boot, reset or unplug overtook (epoch changed) drops its connection silently.
   */
  async register(
    cfg: PhoneConfig,
    opts: { cmIndex?: number; retry?: boolean } = {},
  ): Promise<RegistrationReport> {
    const p = this.p;
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
    const secure = secureRegistrationVerdict(p.trust, cfg.deviceSecurityMode);
    const protocol = p.profile.protocol;
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
    const where: Where = { secure, transport, server, retry };
    this.setState('registering', where, `${transport} to ${server}`);
    if (!retry) p.status('registering');
    const fail = (detail: string): RegistrationReport => {
      if (!retry) {
        this.setState('unregistered', where, detail);
        p.status('unregistered');
      }
      return { state: 'unregistered', secure, transport, server, detail };
    };
    let socket: ByteStream;
    let connId = '';
    const timeoutMs = p.timers.tlsTimeoutMs ?? 5000;
    if (secure) {
      const c = await p.fabric.connectTls(
        p.name,
        { host: cm.processNodeName, port },
        { ...p.tlsOptions(), timeoutMs },
        (h) => callManagerVerdict(p.trust, p.profile, h.peerChain[0], Date.now()),
      );
      if (!c.ok) {
        const a: TlsAlert | null = c.error.verdict?.alert ?? c.error.alert;
        if (a) p.console.secErr(a);
        const detail = c.error.verdict?.reason ?? c.error.message;
        p.console.line(
          `${p.console.secd ? 'SECD: EROR:' : 'SECUREAPP-'}TLS connection to ${server} failed: ${detail}`,
          'ERR',
        );
        return fail(detail);
      }
      ({ socket, id: connId } = c.value);
    } else {
      const c = await p.fabric.connectTcp(p.name, { host: cm.processNodeName, port }, { timeoutMs });
      if (!c.ok) return fail(c.error.message);
      ({ socket, id: connId } = c.value);
    }
    if (epoch !== this.#epoch) {
      // A boot, reset or unplug happened while this attempt connected: it is no longer wanted.
      socket.destroy();
      return { state: 'unregistered', secure, transport, server, detail: 'superseded' };
    }
    const reg: RegistrationConnection = {
      socket,
      connId,
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
    this.#current = reg;
    this.#secure = secure;
    const registrar = this;
    const session: RegistrationSession = {
      p,
      reg,
      hooks: this.hooks,
      // Methods, not arrow functions: a method costs no name dictionary under tsx (phone.ts, its hooks).
      setState(state, detail) {
        registrar.setState(state, { secure, transport, server, retry }, detail);
      },
      closed() {
        registrar.#onServerClose(reg);
      },
    };
    const outcome: ProtocolOutcome =
      protocol === 'SCCP' ? await sccpRegister(session) : await sipRegister(session, cfg, cm.processNodeName);
    const result: RegistrationReport = {
      state: outcome.state,
      secure,
      transport,
      server,
      detail: outcome.detail,
    };
    if (retry && outcome.state !== 'unregistered') this.hooks.retrySettled(result);
    if (outcome.state === 'registered') {
      p.status('registered');
    } else if (!retry || outcome.state === 'rejected') {
      p.status(outcome.state === 'rejected' ? 'registrationRejected' : 'unregistered');
    }
    return result;
  }

  /**
   * At boot: the CallManagers of the config's group in priority order, until one registers the phone
   * or rejects it ("the phone attempts to register with the next Cisco Unified CM in its Cisco Unified
   * CM group": SCCP/SIP phone admin guides, as for a lost registration).
   */
  async registerInGroup(cfg: PhoneConfig): Promise<RegistrationReport> {
    const n = Math.max(1, cfg.callManagers.length);
    let r = await this.register(cfg);
    for (let i = 1; i < n && r.state === 'unregistered' && r.detail !== 'superseded'; i++) {
      this.p.console.line(
        `${this.p.profile.protocol}: ${r.server ?? 'CallManager'} did not register the phone (${r.detail}); trying the next CallManager of the group`,
        'WRN',
      );
      r = await this.register(cfg, { cmIndex: i });
    }
    return r;
  }

  /** Gives the registration up (boot, reset, unplug, lab stopped); SCCP says Unregister when asked to. */
  drop(why: string, unregister: boolean): void {
    const r = this.#current;
    if (!r) return;
    this.hooks.endCall(why);
    r.closing = true;
    if (r.keepAlive) clearInterval(r.keepAlive);
    if (unregister && this.p.profile.protocol === 'SCCP')
      sccpSend(this.p, r, { type: 'Unregister' }, this.p.profile.sccpProtocolVersion ?? 0);
    r.socket.destroy();
    this.#current = null;
    if (this.state !== 'unregistered')
      this.setState(
        'unregistered',
        { secure: r.secure, transport: r.transport, server: r.server, retry: false },
        why,
      );
  }

  /** The phone is unplugged: whatever it showed, it is not registered now. */
  unplugged(why: string): void {
    this.cancelRetry();
    this.drop(why, false);
    if (this.state !== 'unregistered')
      this.setState('unregistered', { secure: false, transport: null, server: null, retry: false }, why);
  }

  cancelRetry(): void {
    this.#epoch++;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
  }

  #onServerClose(reg: RegistrationConnection): void {
    if (reg.keepAlive) clearInterval(reg.keepAlive);
    const wasCurrent = this.#current === reg;
    if (wasCurrent) this.#current = null;
    if (wasCurrent) this.hooks.endCall(reg.lostWhy ?? 'CallManager closed the connection');
    if (!reg.closing && wasCurrent && this.state === 'registered') {
      this.#reRegister(reg, reg.lostWhy ?? 'CallManager closed the connection');
    }
  }

  /** The delay before re-registration attempt `k` (from 0): doubling from the first, up to the cap. */
  static retryDelay(k: number, firstMs: number, maxMs: number): number {
    return Math.min(firstMs * 2 ** k, maxMs);
  }

  /**
   * CallManager dropped a registration the phone had (socket closed, keepalives unanswered): the phone
   * shows "Registering" and tries again with the config it has (no TFTP), first the next CallManager of
   * its group, then around the list back to the same one, with a doubling delay (firmware profile
   * `reRegistration`, shortened by the declaration's `timers`). It gives up after the attempts bound.
   */
  #reRegister(lost: RegistrationConnection, why: string): void {
    const p = this.p;
    const cfg = p.config;
    const protocol = p.profile.protocol;
    const at = (retry: boolean): Where => ({
      secure: lost.secure,
      transport: lost.transport,
      server: lost.server,
      retry,
    });
    if (!cfg || !this.hooks.online() || this.hooks.booting()) {
      this.setState('unregistered', at(false), why);
      p.status('unregistered');
      return;
    }
    p.console.line(`${protocol}: registration with ${lost.server} lost (${why}); registering again`, 'WRN');
    p.emit('action', { name: 'phone.re-register', detail: `${lost.server}: ${why}` });
    this.setState('registering', at(true), why);
    p.status('registering');
    this.cancelRetry();
    const epoch = this.#epoch;
    const rr = p.profile.reRegistration;
    const first = p.timers.reRegisterDelayMs ?? rr.firstDelayMs;
    const max = p.timers.reRegisterMaxDelayMs ?? rr.maxDelayMs;
    const attempts = p.timers.reRegisterAttempts ?? rr.maxAttempts;
    const n = Math.max(1, cfg.callManagers.length);
    const attempt = (k: number): void => {
      if (epoch !== this.#epoch) return;
      if (k >= attempts) {
        p.console.line(`${protocol}: no CallManager answered after ${k} attempts`, 'ERR');
        this.setState('unregistered', at(true), `gave up after ${k} attempts: ${why}`);
        p.status('unregistered');
        return;
      }
      this.#retryTimer = setTimeout(
        async () => {
          this.#retryTimer = null;
          if (epoch !== this.#epoch) return;
          const cmIndex = rr.failover === 'next-in-group' ? (lost.cmIndex + 1 + k) % n : lost.cmIndex;
          const r = await this.register(cfg, { cmIndex, retry: true });
          if (epoch !== this.#epoch) return;
          if (r.state === 'registered' || r.state === 'rejected') return;
          p.console.line(`${protocol}: attempt ${k + 1} to ${r.server ?? '?'} failed: ${r.detail}`, 'WRN');
          attempt(k + 1);
        },
        Registrar.retryDelay(k, first, max),
      );
      this.#retryTimer.unref?.();
    };
    attempt(0);
  }
}
