/**
 * Event kinds of the peer models (declaration merging into the lab's EventMap, emulator/events.ts).
 * Each carries what the peer's own user or administrator would see, and why.
 */
import type { CertSummary, TlsAlert } from '../../emulator/events.ts';

/** Enough of a certificate to recognise it in a capture or in `show cert trust` output. */
export type CertId = Pick<CertSummary, 'subject' | 'serial' | 'sha256'>;

declare module '../../emulator/events.ts' {
  interface EventMap {
    /** A TLS renegotiation on an established connection (seed 001), as one end saw it. */
    'tls.renegotiation': {
      connId: string;
      role: 'client' | 'server';
      outcome: 'completed' | 'refused' | 'impossible';
      detail: string;
    };
    /**
     * The application server's SIP/TLS trunk to CUCM (seed 000): up (OPTIONS answered) or failed,
     * with the Java application's message, the TLS alert that ended it and the certificate it presented.
     */
    'app-server.trunk': {
      /** `host:port` of the CUCM node. */
      target: string;
      outcome: 'up' | 'failed';
      /** The OPTIONS answer when one came. */
      status: number | null;
      reason: string | null;
      tlsVersion: string | null;
      cipher: string | null;
      /** The alert received (on the wire or through the side channel), null when none. */
      alert: TlsAlert | null;
      /** What the application logged (`javax.net.ssl.SSLHandshakeException: ...`, or the trunk up line). */
      message: string;
      code: string | null;
      /** The certificate the TLS stack presented. */
      presented: CertId;
      /** The TLS stack that made the handshake: the lab's own, or seed 000's Java 1.6 / BouncyCastle stand-in. */
      tlsStack: 'standard' | 'java16-bc';
    };
    /**
     * The application server's certificate: regenerated, exported for upload, its private key exported
     * (for a test with another TLS client), or loaded into the key store.
     */
    'app-server.certificate': {
      action: 'regenerated' | 'exported' | 'key-exported' | 'presented';
      certificate: CertId;
      keyCertSign: boolean;
      /** Whether the TLS stack presents this certificate (false: the key store holds another one). */
      presented: boolean;
    };
    /**
     * A real peer program a scenario step ran against the lab, as an engineer would (seed 000: TAC's
     * `openssl s_client ... -cert ... -key ...`), or that the step skipped because it is not installed.
     */
    'peer.run': {
      program: string;
      args: string[];
      /** Why the engineer ran it, in one sentence. */
      purpose: string;
      outcome: 'ran' | 'missing';
      /** Exit code; null when it was missing or killed at its time limit. */
      exitCode: number | null;
      /** What it printed, stdout then stderr, at most 64 kB. */
      output: string;
    };
    /** An SPA resync (seed 001): the profile received, or the failure the phone logged. */
    'spa-phone.resync': {
      url: string;
      outcome: 'succeeded' | 'failed';
      /** HTTP status when a response arrived. */
      status: number | null;
      /** The $ERR of the failure message, null on success. */
      error: string | null;
      alert: TlsAlert | null;
      /** Size of the profile received, null when none. */
      configBytes: number | null;
      firmware: string;
    };
  }
}
