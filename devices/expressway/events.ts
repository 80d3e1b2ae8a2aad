/**
 * Event kinds of the Expressway models and the MRA client, merged into the lab's EventMap
 * (emulator/events.ts). Scenario checks, reports and the live view read these, never the devices:
 * each carries what the administrator or the user saw (`output`, `message`, `shown`) and enough of
 * the why (codes, statuses, the failing request) to explain it.
 */
import type { TlsAlert } from '../../emulator/events.ts';

/** One HTTP request of an MRA client (a Jabber sign-in, a phone's provisioning), as the client saw it. */
export interface JabberRequest {
  /** The sign-in step: `get_edge_config`, `UDS devices`, or the configuration file name. */
  step: string;
  /** The URL the client asked for (the MRA path on the Expressway). */
  url: string;
  /** HTTP status of the answer; null when no answer came (connection or TLS failure). */
  status: number | null;
  reason: string | null;
  /** Why the request failed without an answer, as the client's HTTP layer reported it. */
  error: string | null;
}

declare module '../../emulator/events.ts' {
  interface EventMap {
    /** An admin CLI command on an Expressway (`xConfiguration ...`) and the output the admin saw. */
    'expressway.admin': { command: string; output: string; ok: boolean };
    /**
     * Maintenance > Security > Trusted CA certificate: an append (with the GUI's refusal text when it
     * is refused, e.g. CSCwa12905's same-CN rule) or a delete.
     */
    'expressway.trust-store': {
      action: 'append' | 'delete';
      accepted: boolean;
      /** One-line subjects added (append) or removed (delete). */
      subjects: string[];
      /** Subjects of an append that were already in the list (same certificate). */
      alreadyPresent: string[];
      /** What the GUI shows: the refusal text, or a summary of the change. */
      message: string;
      /** The refusal's code (`expressway.trust.same-cn`, ...), null when accepted. */
      code: string | null;
      /** Entries in the trusted CA list after the change. */
      entries: number;
    };
    /** Maintenance > Security > Server certificate > Upload: accepted (with warnings) or refused. */
    'expressway.server-certificate': {
      accepted: boolean;
      /** One-line subject of the uploaded certificate, null when it could not be read. */
      subject: string | null;
      /** What the GUI shows: the refusal text, or that a restart is required. */
      message: string;
      code: string | null;
      warnings: string[];
    };
    /** Unified CM servers > New / Refresh: the outcome the admin sees, with the nodes discovered. */
    'expressway.discovery': {
      publisher: string;
      tlsVerify: 'On' | 'Off';
      outcome: 'discovered' | 'failed';
      /** The cluster nodes as CUCM advertises them (empty when discovery failed). */
      nodes: string[];
      /** What the admin sees: the failure text, or the nodes found. */
      message: string;
      /** The management log's Detail/Error fields for a failure, null on success. */
      detail: string | null;
    };
    /** A traversal zone connection on 7001 (mutual TLS), as this end saw it. */
    'expressway.traversal-zone': {
      role: 'client' | 'server';
      /** The other Expressway as addressed (client) or as it connected from (server). */
      peer: string;
      port: number;
      state: 'active' | 'failed';
      /** The traffic log's Detail (`Zone active`, `tlsv1 alert unknown ca`, ...). */
      detail: string;
      /** CN of the peer's certificate, when one was seen. */
      peerCn: string | null;
      alert: TlsAlert | null;
    };
    /** Maintenance > Security > Secure traversal test: what the Results field shows. */
    'expressway.traversal-test': {
      expresswayE: string;
      tlsVerifyName: string;
      result: 'Success' | 'Failure';
      description: string;
    };
    /**
     * An MRA client's REGISTER the Expressway-C forwarded to Unified CM (mra-registration.ts), with
     * CUCM's answer: the leg (TCP 5060 or TLS 5061) follows the device's security.
     */
    'expressway.mra-registration': {
      deviceName: string;
      aor: string;
      /** The Unified CM node, as the Request-URI names it. */
      node: string;
      port: number;
      protocol: 'TCP' | 'TLS';
      /** CUCM's answer, or the Expressway's own when the request never reached CUCM. */
      status: number | null;
      reason: string;
      /** CUCM's Warning header, when it sent one (`399 <node> "..."`). */
      warning: string | null;
    };
    /** One request through the Expressway-C traffic server (MRA), with the answer it sent back. */
    'expressway.mra-request': {
      txn: number;
      method: string;
      /** The request as received (the base64url MRA path). */
      path: string;
      /** The decoded target (`https://cucm:8443/cucm-uds/...`), null for edge config or a bad path. */
      target: string | null;
      username: string;
      /** `proxied` (origin answered), `edge-config`, `denied` (allow list), `bad-request`, `origin-failed`. */
      outcome: 'proxied' | 'edge-config' | 'denied' | 'bad-request' | 'origin-failed';
      status: number;
      reason: string;
      /** The origin verification verdict (X14.2), null when no origin connection was made. */
      origin: { accepted: boolean; kind: string; reason: string } | null;
    };
    /**
     * A 78xx/88xx phone provisioning over MRA (seed 003: it trusts only its pre-installed CA list):
     * what the phone shows and, when it failed, why.
     */
    'mra-phone.provision': {
      deviceName: string;
      model: string;
      via: string;
      outcome: 'provisioned' | 'failed';
      /** What the phone shows (the lab's wording, L). */
      shown: string;
      /** The failing request and why, null on success. */
      reason: string | null;
      requests: JabberRequest[];
    };
    /** A Jabber phone-services registration over MRA (SIP through the Expressway-E and -C to CUCM). */
    'jabber.register': {
      user: string;
      deviceName: string;
      outcome: 'registered' | 'failed';
      /** What the user sees (the lab's wording, L). */
      shown: string;
      status: number | null;
      reason: string | null;
      warning: string | null;
    };
    /** A Jabber (MRA) sign-in: what the user sees and, when it failed, which request failed and how. */
    'jabber.sign-in': {
      user: string;
      domain: string;
      via: string;
      outcome: 'signed-in' | 'failed';
      /** What the user sees: `Cannot communicate with the server.` or the signed-in summary. */
      shown: string;
      /** The failing request (null on success). */
      failed: JabberRequest | null;
      /** Why the sign-in stopped at the failing request (HTTP status text, missing data, ...). */
      reason: string | null;
      /** Every request made, in order. */
      requests: JabberRequest[];
      /** The CSF device the user signed in with. */
      csfDevice: string | null;
      configFile: string | null;
      configBytes: number | null;
    };
  }
}
