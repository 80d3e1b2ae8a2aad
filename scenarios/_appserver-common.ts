/**
 * Shared parts of the two seed 000 scenarios (application server SIP/TLS trunk to CUCM). Files whose
 * name starts with `_` are not scenarios (emulator/runner.ts skips them).
 */
import { X509Certificate } from 'node:crypto';
import type { Device } from '../emulator/device.ts';
import type { Lab } from '../emulator/lab.ts';

export const APP_CN = 'apas.lab.example';

/** The CUCM admin operations these scenarios use (the CUCM model's typed GUI operations). */
export interface CucmAdmin {
  uploadTrust(store: string, pem: string): Promise<UploadResult> | UploadResult;
  /** The admin CLI, as typed on CUCM (`show cert list trust`, `show cert trust <file>`). */
  exec(command: string): Promise<string>;
}
type UploadResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

export function cucmOf(lab: Lab): CucmAdmin & Device {
  const d = lab.device('cucm-pub') as Device & Partial<CucmAdmin>;
  if (typeof d.uploadTrust !== 'function' || typeof d.exec !== 'function')
    throw new Error('the cucm device has no uploadTrust(store, pem) or exec(command) operation');
  return d as CucmAdmin & Device;
}

/**
 * Uploads `pem` to CallManager-trust and records the outcome on the timeline (action `upload
 * CallManager-trust`). CUCM puts the new trust on 2443/5061 ("restart Cisco CallManager") before the
 * upload returns, so the trunk opened next meets it.
 */
export async function uploadToCallManagerTrust(lab: Lab, pem: string): Promise<string> {
  const r = await cucmOf(lab).uploadTrust('CallManager-trust', pem);
  const detail = r.ok ? 'uploaded' : r.error.message;
  lab.timeline.emit('admin', 'action', { name: 'upload CallManager-trust', detail });
  return detail;
}

export function trunkLab(app: Record<string, unknown>) {
  return {
    devices: [
      {
        kind: 'cucm',
        name: 'cucm-pub',
        aliases: ['cucm-pub.lab.example'],
        domain: 'lab.example',
        release: '14',
        phones: [],
        sipTrunks: [{ name: 'APAS-SIP-Trunk', destination: 'apas', port: 5061, x509SubjectName: APP_CN }],
      },
      {
        kind: 'app-server',
        name: 'apas',
        aliases: [APP_CN],
        cucm: 'cucm-pub.lab.example',
        cn: APP_CN,
        ...app,
      },
    ],
  };
}

/**
 * The SHA-256 fingerprint of the certificate CUCM holds in CallManager-trust for `cn`, read as an
 * administrator would: `show cert list trust`, then `show cert trust <file>`. Null: none.
 */
export async function trustedFingerprint(lab: Lab, cn: string): Promise<string | null> {
  const cucm = cucmOf(lab);
  const file = (await cucm.exec('show cert list trust'))
    .split('\n')
    .map((l) => l.split(':')[0]?.trim() ?? '')
    .find((f) => f.startsWith('CallManager-trust/') && f.toLowerCase().includes(cn.toLowerCase()));
  if (!file) return null;
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(
    await cucm.exec(`show cert trust ${file}`),
  )?.[0];
  return pem ? new X509Certificate(pem).fingerprint256 : null;
}

/** The certificate CUCM received from the application server in the last trunk handshake (its side of a capture). */
export function presentedToCucm(lab: Lab, cn: string): { sha256: string; serial: string } | null {
  const hs = lab.timeline
    .ofKind('tls.handshake', 'cucm-pub')
    .filter((e) => e.role === 'server' && e.peerCert?.subject.includes(`CN=${cn}`))
    .at(-1);
  return hs?.peerCert ? { sha256: hs.peerCert.sha256, serial: hs.peerCert.serial } : null;
}
