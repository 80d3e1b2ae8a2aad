/**
 * Event kinds a CUCM node emits, merged into the lab's EventMap (emulator/events.ts). Other models
 * and scenarios wait on them: `lab.timeline.waitFor('...', (e) => e.kind === 'cucm.registered' && e.deviceName === 'SEP...')`.
 */
export type CucmSignalling = 'SCCP' | 'SIP';

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
    /** An admin CLI command and the output the administrator saw (`uclab console`, scenario steps). */
    'cucm.admin': { command: string; output: string };
    /** A CAPF operation ended, with the LSC status it left (devices/protocols/lsc-status.ts). */
    'cucm.capf': { deviceName: string; operation: string; status: number; statusName: string };
  }
}
