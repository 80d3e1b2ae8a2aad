/**
 * TLS secure contexts: one per client identity and option set, reused (decision 9: a context built
 * per connection halves the handshake rate), and the context options of a listener, which `update()`
 * may swap on a live listener.
 */
import { constants as cryptoConstants } from 'node:crypto';
import * as tls from 'node:tls';
import type { TlsClientConfig, TlsServerConfig } from './config.ts';

/**
 * Every lab server sets this, so `Fabric.renegotiate` really asks for a certificate: without it the
 * client resumes its session in the renegotiation and sends none (docs/reference/toolchain.md §3.4). It changes
 * nothing for a connection that never renegotiates.
 */
export const SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION: number =
  (cryptoConstants as unknown as Record<string, number>).SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION ??
  0x10000;

/** The secure-context part of a server's options: what `update()` may swap on a live listener. */
export function serverContextOptions(config: TlsServerConfig): tls.SecureContextOptions {
  return {
    key: config.identities.map((i) => i.keyPem),
    cert: config.identities.map((i) => [i.certPem, ...(i.chainPem ?? [])].join('\n')),
    ca: config.trust && config.trust.length > 0 ? config.trust : undefined,
    minVersion: config.minVersion,
    maxVersion: config.maxVersion,
    ciphers: config.ciphers,
    sigalgs: config.sigalgs,
    secureOptions: (config.secureOptions ?? 0) | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION,
    // setSecureContext() resets it to true when absent; the default here is the client's preference.
    honorCipherOrder: config.honorCipherOrder ?? false,
    ...(config.dhparam ? { dhparam: config.dhparam } : {}),
  } as tls.SecureContextOptions;
}

/** Client secure contexts, one per identity and option set. */
export class ClientContexts {
  readonly #cache = new Map<string, tls.SecureContext>();

  get(config: TlsClientConfig): tls.SecureContext {
    const key = JSON.stringify([
      config.identity?.certPem,
      config.trust,
      config.minVersion,
      config.maxVersion,
      config.ciphers,
      config.sigalgs,
      config.secureOptions,
    ]);
    let ctx = this.#cache.get(key);
    if (!ctx) {
      ctx = tls.createSecureContext({
        cert: config.identity
          ? [config.identity.certPem, ...(config.identity.chainPem ?? [])].join('\n')
          : undefined,
        key: config.identity?.keyPem,
        ca: config.trust && config.trust.length > 0 ? config.trust : undefined,
        minVersion: config.minVersion,
        maxVersion: config.maxVersion,
        ciphers: config.ciphers,
        sigalgs: config.sigalgs,
        secureOptions: config.secureOptions,
      });
      this.#cache.set(key, ctx);
    }
    return ctx;
  }
}
