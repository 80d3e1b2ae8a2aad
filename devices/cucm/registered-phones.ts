/**
 * The phones (and SIP trunk peers) registered on one CUCM node, by device name, with the connection
 * each registered on. A new registration of the same device replaces the old one; every registration
 * is also attached to call control (call-control.ts), which puts it in the cluster's call directory.
 */
import type { ByteStream, SecureStream } from '../../emulator/net/types.ts';
import type { CallControl } from './call-control.ts';
import type { Endpoint } from './call-endpoint.ts';
import type { CucmSignalling } from './events.ts';

/** The REGISTER's Contact (where the NOTIFY goes) and Call-ID (which the NOTIFY body quotes). */
export interface SipRegisterRef {
  contact: string | null;
  callId: string | null;
}

export interface Registered {
  device: string;
  protocol: CucmSignalling;
  transport: 'tcp' | 'tls';
  /** The registration connection (TCP, or the plaintext side of TLS). */
  socket: ByteStream | SecureStream;
  /** SIP: what a reset's NOTIFY needs of the REGISTER that created the binding. */
  register?: SipRegisterRef;
  headerVersion: number;
  /** The phone as call control sees it (call-endpoint.ts). */
  endpoint: Endpoint;
}

export class RegisteredPhones {
  readonly #byDevice = new Map<string, Registered>();

  constructor(private readonly calls: CallControl) {}

  get(device: string): Registered | undefined {
    return this.#byDevice.get(device);
  }

  /** Whether `device` is registered on this very connection. */
  on(device: string, socket: ByteStream): boolean {
    return this.#byDevice.get(device)?.socket === socket;
  }

  /** Registers `r` under its device name, replacing (and detaching) an older registration. */
  bind(r: Registered): void {
    const old = this.#byDevice.get(r.device);
    if (old && old.endpoint !== r.endpoint) this.calls.detach(old.endpoint);
    this.#byDevice.set(r.device, r);
    this.calls.attach(r.endpoint);
  }

  unbind(device: string): void {
    const r = this.#byDevice.get(device);
    if (!r) return;
    this.#byDevice.delete(device);
    this.calls.detach(r.endpoint);
  }

  all(): Registered[] {
    return [...this.#byDevice.values()];
  }

  devices(): string[] {
    return [...this.#byDevice.keys()];
  }
}
