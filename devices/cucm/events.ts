/**
 * Event kinds a CUCM node emits, merged into the lab's EventMap (emulator/events.ts). Other models
 * and scenarios wait on them: `lab.timeline.waitFor('...', (e) => e.kind === 'cucm.registered' && e.deviceName === 'SEP...')`.
 */
export type CucmSignalling = 'SCCP' | 'SIP';

/** CUCM's call security decision (call-security.ts) and the icon it tells both phones to show. */
export type CallSecurity = 'Encrypted' | 'Authenticated' | 'NotAuthenticated';
export type CallIcon = 'lock' | 'shield' | 'none';

/** What an administrator did, as `cucm.admin-action` names it. */
export type CucmAdminAction =
  | 'regenerate'
  | 'generate-csr'
  | 'upload-ca-signed'
  | 'upload-trust'
  | 'delete-trust'
  | 'capf-operation'
  | 'reset-phones'
  | 'system-restart'
  | 'service-restart'
  | 'mixed-mode'
  | 'non-secure-mode'
  | 'ctl-update'
  | 'etokens-replaced'
  | 'ctl-tftp-added'
  | 'ctl-tftp-removed'
  | 'itl-reset';

declare module '../../emulator/events.ts' {
  interface EventMap {
    /** A phone (or SIP trunk peer) registered: RegisterAck sent / 200 OK to REGISTER. */
    'cucm.registered': {
      /** The phone's device name (SEP<MAC>); the event's own `device` is the CUCM node. */
      deviceName: string;
      protocol: CucmSignalling;
      transport: 'tcp' | 'tls';
      /** 1 non-secure, 2 authenticated, 3 encrypted (the device's security profile). */
      securityMode: number;
      /** OpenSSL cipher name on TLS, null on TCP. */
      cipher: string | null;
      connId: string;
    };
    /** A registration refused: RegisterReject / 4xx, or the TLS connection refused. */
    'cucm.registration-refused': {
      deviceName: string | null;
      protocol: CucmSignalling;
      transport: 'tcp' | 'tls';
      reason: string;
    };
    'cucm.unregistered': { deviceName: string; protocol: CucmSignalling; reason: string };
    /** CUCM sent a reset/restart to a registered phone (SCCP Reset / SIP NOTIFY service-control). */
    'cucm.reset': { deviceName: string; protocol: CucmSignalling; reason: string };
    /** A Certificate Monitor alarm (also logged with source 'certmonitor'). */
    'cucm.alarm': {
      alarm: string;
      unit: string;
      store: 'own' | 'trust';
      file: string;
      expires: string;
      daysLeft: number;
    };
    /** A certificate changed on this node (regenerate, CA-signed upload). */
    'cucm.cert-changed': { unit: string; serial: string; subject: string };
    /** A generated TFTP file changed (ITL, CTL, ...): `file` is its TFTP name. */
    'cucm.file-changed': { file: string; size: number; md5: string };
    /**
     * An admin CLI command and the output the administrator saw (`uclab console`, scenario steps);
     * `outcome` is `refused` when CUCM printed "Executed command unsuccessfully".
     */
    'cucm.admin': { command: string; output: string; outcome: 'done' | 'refused' };
    /**
     * The outcome of one administrator action, whether typed on the CLI or done in the GUI (upload,
     * CSR, CTL client, phone reset): what it acted on and the text the administrator saw, success or
     * refusal, so a report or a live view can show it without reading the node.
     */
    'cucm.admin-action': {
      action: CucmAdminAction;
      /** A unit, a trust store (and file), a phone, a TFTP host, a key; null for the whole cluster. */
      target: string | null;
      outcome: 'done' | 'refused';
      /** The success text or the refusal, word for word as the administrator saw it. */
      detail: string;
      /** The refusal's code (`cert.regen-guard`, `ctl.not-publisher`, ...); null on success. */
      code: string | null;
    };
    /** CUCM routed (or refused) a phone-to-phone call; `security` is its decision for both phones. */
    'cucm.call': {
      caller: string;
      dialled: string;
      called: string | null;
      security: CallSecurity | null;
      icon: CallIcon | null;
      result: 'connected' | 'failed';
      reason: string;
    };
    /** A CAPF operation ended, with the LSC status it left (devices/protocols/lsc-status.ts). */
    'cucm.capf': { deviceName: string; operation: string; status: number; statusName: string };
  }
}
