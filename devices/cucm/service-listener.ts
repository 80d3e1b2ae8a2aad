/**
 * The TLS port of a CUCM service that presents one of the node's own certificates and asks the phone
 * for none: TVS on 2445 (docs/reference/tvs.md §2) and CAPF on 3804 (docs/reference/capf.md §2). Both accept the phones' full
 * range (TLS 1.0 up to the release's signalling maximum, security level 0 for legacy firmware) and
 * follow the client's cipher order.
 *
 * "Restart Cisco Trust Verification Service" / "... Certificate Authority Proxy Function" after a
 * certificate change is `restart()`: the port swaps its secure context in place, so the next phone
 * gets the new certificate at once.
 */

import type { CucmUnit } from '../../certs/profiles.ts';
import type { Fabric, TlsConnection, TlsListener, TlsServerConfig } from '../../emulator/fabric.ts';
import type { CertStore } from './cert-store.ts';
import type { ReleaseBehaviour } from './releases.ts';

export interface ServiceHost {
  readonly name: string;
  readonly fabric: Fabric;
  readonly release: ReleaseBehaviour;
  readonly certs: CertStore;
}

export class ServiceTlsListener {
  #listener: TlsListener | null = null;

  constructor(
    private readonly h: ServiceHost,
    private readonly unit: CucmUnit,
    private readonly port: number,
  ) {}

  config(): TlsServerConfig {
    return {
      identities: [this.h.certs.tlsIdentity(this.unit)],
      requestCert: false,
      minVersion: 'TLSv1',
      maxVersion: this.h.release.signallingMaxTls,
      ciphers: 'DEFAULT:@SECLEVEL=0',
      honorCipherOrder: false,
    };
  }

  /**
   * Opens the port. A session that throws or rejects goes to `onError`: one bad phone must never take
   * the process (and every other lab in it) down.
   */
  async start(
    serve: (c: TlsConnection) => void | Promise<void>,
    onError: (e: unknown, c: TlsConnection) => void,
  ): Promise<void> {
    this.#listener = await this.h.fabric.listenTls(this.h.name, this.port, this.config(), {
      onConnection: (c) => {
        try {
          const r = serve(c);
          if (r instanceof Promise) r.catch((e: unknown) => onError(e, c));
        } catch (e) {
          onError(e, c);
        }
      },
    });
  }

  restart(): void {
    this.#listener?.update(this.config());
  }

  async stop(): Promise<void> {
    await this.#listener?.close();
    this.#listener = null;
  }
}
