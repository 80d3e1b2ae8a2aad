/**
 * TLS secure contexts: one per client identity and option set, reused (decision 9: a context built
 * per connection halves the handshake rate), and the context options of a listener, which `update()`
 * may swap on a live listener.
 */
import { createHash, constants as cryptoConstants } from 'node:crypto';
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

/** How many client contexts a fabric keeps for reuse (a lab of 240 phones with MIC and LSC uses 480). */
export const MAX_CLIENT_CONTEXTS = 1024;

/**
 * Client secure contexts, one per identity and option set. A context holds the identity (certificate,
 * chain, key) and no trust store unless the device gives one: a phone verifies its servers in its own
 * model (decision 3) and gives none, so phones differ only in who they are. Node offers no way to
 * present another certificate on a connection from a shared client context (`TLSSocket.setKeyCert`
 * is a no-op on a client), so each identity has its own: about 35 KB of OpenSSL memory each,
 * measured, held by every connection made with it.
 *
 * Kept by a digest of the identity and options (not by a key string holding the PEMs: 3 KB per phone),
 * and bounded, least recently used first: a context no connection holds any more (a phone's MIC once
 * it has an LSC) is freed once evicted; one still in use lives on in its connections.
 */
export class ClientContexts {
  readonly #cache = new Map<string, tls.SecureContext>();

  constructor(private readonly max: number = MAX_CLIENT_CONTEXTS) {}

  /** Contexts kept for reuse. */
  get size(): number {
    return this.#cache.size;
  }

  get(config: TlsClientConfig): tls.SecureContext {
    const key = createHash('sha256')
      .update(
        JSON.stringify([
          config.identity?.certPem,
          config.identity?.chainPem,
          config.trust,
          config.minVersion,
          config.maxVersion,
          config.ciphers,
          config.sigalgs,
          config.secureOptions,
        ]),
      )
      .digest('base64');
    let ctx = this.#cache.get(key);
    if (ctx) {
      // Most recently used last: the first entry is the one to evict.
      this.#cache.delete(key);
      this.#cache.set(key, ctx);
      return ctx;
    }
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
    if (this.#cache.size > this.max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest !== undefined) this.#cache.delete(oldest);
    }
    return ctx;
  }
}
