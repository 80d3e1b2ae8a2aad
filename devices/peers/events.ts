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
    };
    /** The application server's certificate: regenerated, exported for upload, or loaded into the key store. */
    'app-server.certificate': {
      action: 'regenerated' | 'exported' | 'presented';
      certificate: CertId;
      keyCertSign: boolean;
      /** Whether the TLS stack presents this certificate (false: the key store holds another one). */
      presented: boolean;
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
