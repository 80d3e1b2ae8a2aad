/**
 * Phone and trunk registration on one CUCM node (Cisco CallManager's signalling ports): SCCP on TCP
 * 2000 and SCCP/TLS on 2443 (sccp-station.ts), SIP on 5060 and SIP/TLS on 5061 (sip-registrar.ts).
 * The TLS ports follow the TLS policy of tls-policy.ts (CallManager certificate, CallManager-trust,
 * CUCM's own certificate rules, the device security mode); the registered phones are kept per node
 * (registered-phones.ts) and reachable for calls from the whole cluster (call-control.ts).
 */
import type { Listener, TlsListener } from '../../emulator/fabric.ts';
import { SCCP_PORT, SCCP_TLS_PORT } from '../protocols/sccp.ts';
import { SIP_TCP_PORT, SIP_TLS_PORT } from '../protocols/sip.ts';
import { CallControl } from './call-control.ts';
import { RegisteredPhones } from './registered-phones.ts';
import { sccpReset, serveSccp } from './sccp-station.ts';
import { type RegistrationHost, type Signalling, StationTrace } from './signalling-context.ts';
import { serveSip, sipReset } from './sip-registrar.ts';
import { TlsPolicy } from './tls-policy.ts';

export type { RegistrationHost } from './signalling-context.ts';
export { deviceNameFromCert } from './tls-policy.ts';

export class Registration {
  readonly #listeners: Listener[] = [];
  /** 2443 and 5061: their secure context follows the CallManager certificate and CallManager-trust. */
  readonly #tls: TlsListener[] = [];
  readonly #calls: CallControl;
  readonly #phones: RegisteredPhones;
  readonly #policy: TlsPolicy;
  readonly #sig: Signalling;

  constructor(private readonly h: RegistrationHost) {
    this.#calls = new CallControl(h);
    this.#phones = new RegisteredPhones(this.#calls);
    this.#policy = new TlsPolicy(h);
    this.#sig = {
      h,
      policy: this.#policy,
      phones: this.#phones,
      calls: this.#calls,
      trace: new StationTrace(h),
    };
  }

  async start(): Promise<void> {
    const f = this.h.fabric;
    const sig = this.#sig;
    this.#listeners.push(await f.listenTcp(this.h.name, SCCP_PORT, (c) => serveSccp(sig, c, 'tcp', null)));
    this.#listeners.push(await f.listenTcp(this.h.name, SIP_TCP_PORT, (c) => serveSip(sig, c, 'tcp', null)));
    this.#tls.push(
      await f.listenTls(this.h.name, SCCP_TLS_PORT, this.#policy.config(), {
        verify: (hs) => this.#policy.verify(hs, 'SCCP'),
        onConnection: (c) => serveSccp(sig, c, 'tls', c),
        onFailure: (e) => this.#policy.failed('SCCP', e.message, e.code),
      }),
    );
    this.#tls.push(
      await f.listenTls(this.h.name, SIP_TLS_PORT, this.#policy.config(), {
        verify: (hs) => this.#policy.verify(hs, 'SIP'),
        onConnection: (c) => serveSip(sig, c, 'tls', c),
        onFailure: (e) => this.#policy.failed('SIP', e.message, e.code),
      }),
    );
  }

  /**
   * "Restart Cisco CallManager" after a new CallManager certificate or a CallManager-trust change: 2443
   * and 5061 take the new secure context for every new connection at once, without closing the ports;
   * connections already up keep their session until the phone drops them (the caller resets phones).
   */
  updateTls(): void {
    const config = this.#policy.config();
    for (const l of this.#tls) l.update(config);
  }

  async stop(): Promise<void> {
    // Calls being set up end with the node: their offers settle and no set-up timer outlives it.
    this.#calls.stop();
    await Promise.all([...this.#listeners.splice(0), ...this.#tls.splice(0)].map((l) => l.close()));
  }

  /** Drops every registration connection, as a node going down does (the phones see the close). */
  dropAll(): void {
    for (const r of this.#phones.all()) r.socket.destroy();
  }

  registeredDevices(): string[] {
    return this.#phones.devices();
  }

  /**
   * Resets registered phones over their registration connection: SCCP `Reset` (restart), SIP
   * `NOTIFY` with `Event: service-control` and `action=restart` (the CUCM mechanism for SIP phones).
   */
  reset(match: (device: string) => boolean, reason: string): number {
    let n = 0;
    for (const r of this.#phones.all()) {
      if (!match(r.device) || r.socket.destroyed) continue;
      if (r.protocol === 'SCCP') sccpReset(r);
      else sipReset(r, this.h.name, this.h.cluster.version);
      this.h.log('ccm', `Sending device reset(2) for name=${r.device} (${reason})`, 'info');
      this.h.resetSent({ deviceName: r.device, protocol: r.protocol, reason });
      n++;
    }
    return n;
  }
}
