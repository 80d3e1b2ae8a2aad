/**
 * What the SCCP station (sccp-station.ts) and the SIP registrar (sip-registrar.ts) of one node share:
 * the node's host, its TLS policy, its table of registered phones, its call control, and the
 * connection and StationD trace lines of seed 002 (`New connection accepted. DeviceName=, TCPPid =
 * [...]`, `StationD: (...) ClusterSecurityMode = (1) DeviceSecurityMode = (3)`, `TLS Connection
 * Cipher - INFO:deviceName=..., Cipher=..., Security Mode=3`).
 */
import type { EventMap } from '../../emulator/events.ts';
import type { Connection, Fabric, TlsConnection } from '../../emulator/fabric.ts';
import type { CallControl } from './call-control.ts';
import type { CertStore } from './cert-store.ts';
import type { Cluster } from './cluster.ts';
import type { RegisteredPhones } from './registered-phones.ts';
import type { ReleaseBehaviour } from './releases.ts';
import type { TlsPolicy } from './tls-policy.ts';

export interface RegistrationHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly cluster: Cluster;
  readonly release: ReleaseBehaviour;
  readonly certs: CertStore;
  log(source: string, text: string, level?: 'debug' | 'info' | 'warning' | 'error'): void;
  registered(e: EventMap['cucm.registered']): void;
  refused(e: EventMap['cucm.registration-refused']): void;
  unregistered(e: EventMap['cucm.unregistered']): void;
  resetSent(e: EventMap['cucm.reset']): void;
  callRouted(e: EventMap['cucm.call']): void;
}

export class StationTrace {
  #tcpPid = 7;
  #stationId = 47;

  constructor(private readonly h: RegistrationHost) {}

  accepted(c: Connection): void {
    const pid = `1.100.13.${this.#tcpPid++}`;
    this.h.log(
      'ccm',
      `New connection accepted. DeviceName=, TCPPid = [${pid}], IPAddr=${c.remote.address}, Port=${c.remote.port},`,
      'debug',
    );
  }

  stationLines(name: string, mode: number, tls: TlsConnection | null): void {
    const id = String(this.#stationId++).padStart(7, '0');
    const cluster = this.h.cluster.mixedMode === 'none' ? 0 : 1;
    this.h.log(
      'ccm',
      `StationD: (${id}) ClusterSecurityMode = (${cluster}) DeviceSecurityMode = (${mode})`,
      'debug',
    );
    if (tls) {
      this.h.log(
        'ccm',
        `StationD: (${id}) TLS Connection Cipher - INFO:deviceName=${name}, Cipher=${tls.handshake.cipher}, Security Mode=${mode}`,
      );
    }
  }
}

export interface Signalling {
  readonly h: RegistrationHost;
  readonly policy: TlsPolicy;
  readonly phones: RegisteredPhones;
  readonly calls: CallControl;
  readonly trace: StationTrace;
}
