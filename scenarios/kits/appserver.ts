/**
 * The seed 000 scenarios' shared lab and admin actions (an application server's SIP/TLS trunk to
 * CUCM). Steps act as the administrators of the two boxes would; checks read the timeline only.
 */
import { X509Certificate } from 'node:crypto';
import '../../devices/cucm/events.ts';
import '../../devices/peers/events.ts';
import { AppServer } from '../../devices/peers/app-server.ts';
import type { Device } from '../../emulator/device.ts';
import type { Lab } from '../../emulator/lab.ts';
import type { Check } from '../../emulator/scenario.ts';
import { lastPeerRun, runPeer } from './real-peer.ts';

export const APP_CN = 'apas.lab.example';
export const CUCM = 'cucm-pub';

/** The CUCM admin operations these scenarios use (the CUCM model's typed GUI operations). */
interface CucmAdmin {
  uploadTrust(store: string, pem: string): Promise<UploadResult> | UploadResult;
  /** The admin CLI, as typed on CUCM (`show cert list trust`, `show cert trust <file>`). */
  exec(command: string): Promise<string>;
}
type UploadResult = { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } };

function cucmOf(lab: Lab): CucmAdmin & Device {
  const d = lab.device(CUCM) as Device & Partial<CucmAdmin>;
  if (typeof d.uploadTrust !== 'function' || typeof d.exec !== 'function')
    throw new Error('the cucm device has no uploadTrust(store, pem) or exec(command) operation');
  return d as CucmAdmin & Device;
}

/** The name under which the administrator's CallManager-trust upload and what the GUI said are recorded. */
export const UPLOAD = 'upload CallManager-trust';

/**
 * OS Administration > Certificate Management > Upload Certificate, purpose CallManager-trust; what the
 * page answered is recorded on the timeline (action `upload CallManager-trust` of the administrator).
 * CUCM puts the new trust on 2443/5061 ("restart Cisco CallManager") before the upload returns, so the
 * trunk opened next meets it.
 */
export async function uploadToCallManagerTrust(lab: Lab, pem: string): Promise<string> {
  const r = await cucmOf(lab).uploadTrust('CallManager-trust', pem);
  const detail = r.ok ? 'uploaded' : r.error.message;
  lab.timeline.emit('admin', 'action', { name: UPLOAD, detail });
  return detail;
}

/** What the CallManager-trust upload page answered, from the timeline. */
export function uploadOutcome(lab: Lab): string | null {
  return (
    lab.timeline
      .ofKind('action', 'admin')
      .filter((e) => e.name === UPLOAD)
      .at(-1)?.detail ?? null
  );
}

export function trunkLab(app: Record<string, unknown>) {
  return {
    devices: [
      {
        kind: 'cucm',
        name: CUCM,
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

/** The file name `show cert list trust` gives a CallManager-trust certificate for `cn`. */
function trustFileIn(listing: string, cn: string): string | null {
  return (
    listing
      .split('\n')
      .map((l) => l.split(':')[0]?.trim() ?? '')
      .find((f) => f.startsWith('CallManager-trust/') && f.toLowerCase().includes(cn.toLowerCase())) ?? null
  );
}

/**
 * The administrator looks the certificate up in CallManager-trust: `show cert list trust`, then
 * `show cert trust <file>` for the one named after `cn`. Both commands and their output go on the
 * timeline (`cucm.admin`), where `trustedFingerprint` reads them.
 */
export async function showTrustedCertificate(lab: Lab, cn: string): Promise<void> {
  const cucm = cucmOf(lab);
  const file = trustFileIn(await cucm.exec('show cert list trust'), cn);
  if (file) await cucm.exec(`show cert trust ${file}`);
}

/**
 * The SHA-256 fingerprint of the certificate CUCM holds in CallManager-trust for `cn`, from what the
 * administrator's `show cert list trust` / `show cert trust <file>` printed. Null: none shown.
 */
export function trustedFingerprint(lab: Lab, cn: string): string | null {
  const admin = lab.timeline.ofKind('cucm.admin', CUCM);
  const listing = admin.filter((e) => e.command === 'show cert list trust').at(-1)?.output ?? '';
  const file = trustFileIn(listing, cn);
  if (!file) return null;
  const shown = admin.filter((e) => e.command === `show cert trust ${file}`).at(-1)?.output ?? '';
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(shown)?.[0];
  return pem ? new X509Certificate(pem).fingerprint256 : null;
}

/** The certificate CUCM received from the application server in the last trunk handshake (its side of a capture). */
export function presentedToCucm(lab: Lab, cn: string): { sha256: string; serial: string } | null {
  const hs = lab.timeline
    .ofKind('tls.handshake', CUCM)
    .filter((e) => e.role === 'server' && e.peerCert?.subject.includes(`CN=${cn}`))
    .at(-1);
  return hs?.peerCert ? { sha256: hs.peerCert.sha256, serial: hs.peerCert.serial } : null;
}

/** CUCM's SCCP/TLS port, where TAC ran its `openssl s_client` test (seed 000 line 218). */
export const SCCP_TLS = 2443;

/** The address `device` listens on for `port`, from the timeline (what DNS would give the engineer). */
function listenAddress(lab: Lab, device: string, port: number): string | null {
  return (
    lab.timeline.ofKind('net.listen', device).find((e) => e.endpoint.port === port)?.endpoint.address ?? null
  );
}

/**
 * TAC's test of seed 000 (lines 216-222): the application server's certificate and private key, as the
 * administrator exported them, in `openssl s_client -connect <cucm>:2443 -tls1 -cert ... -key ... -msg`.
 * `-cipher DEFAULT@SECLEVEL=0` is the one addition: OpenSSL 3 allows TLS 1.0 only at security level 0
 * (docs/reference/toolchain.md §3.2); the 2012 OpenSSL needed nothing.
 */
export async function tacOpensslTest(lab: Lab): Promise<void> {
  const app = lab.device('apas', AppServer);
  const address = listenAddress(lab, CUCM, SCCP_TLS);
  if (!address) throw new Error(`${CUCM} does not listen on ${SCCP_TLS}`);
  await runPeer(lab, {
    program: 'openssl',
    args: [
      's_client',
      '-connect',
      `${address}:${SCCP_TLS}`,
      '-tls1',
      '-cert',
      '{file:AS_cert.pem}',
      '-key',
      '{file:AS_priv.key}',
      '-msg',
      '-cipher',
      'DEFAULT@SECLEVEL=0',
    ],
    files: { 'AS_cert.pem': app.exportCertificate(), 'AS_priv.key': app.exportPrivateKey() },
    purpose: "TAC's openssl s_client test with the application server's certificate and key",
  });
}

/**
 * Whether TAC's test "worked fine" (seed 000 line 221): s_client finished a TLS 1.0 handshake with the
 * certificate and key, and CUCM accepted that certificate on 2443 and sent no alert. Read from the
 * engineer's `peer.run` record and CUCM's own handshake events.
 */
export function tacTestOutcome(lab: Lab): Check {
  const run = lastPeerRun(lab, 'openssl');
  if (!run) return { held: false, saw: 'openssl s_client was not run' };
  if (run.outcome === 'missing')
    return { held: true, saw: 'SKIPPED: openssl is not installed (CI=true makes this a failure)' };
  const handshake = /New, TLSv1(?:\.0)?, Cipher is (\S+)/.exec(run.output);
  const alerted = /<<< TLS 1\.0 Alert .*fatal/i.test(run.output);
  const onCucm = lab.timeline
    .ofKind('net.connect', CUCM)
    .filter((e) => e.role === 'server' && e.local.port === SCCP_TLS)
    .map((e) => e.connId);
  const verdict = lab.timeline
    .ofKind('tls.verdict', CUCM)
    .filter((v) => onCucm.includes(v.connId))
    .at(-1);
  const presented = lab.timeline.ofKind('tls.handshake', CUCM).find((h) => h.connId === verdict?.connId)
    ?.peerCert?.subject;
  const held =
    handshake !== null &&
    !alerted &&
    verdict?.accepted === true &&
    (presented ?? '').includes(`CN=${APP_CN}`);
  return {
    held,
    saw: `s_client: ${handshake ? `TLSv1 handshake, cipher ${handshake[1]}` : 'no handshake'}${
      alerted ? ', fatal alert received' : ''
    }; CUCM on ${SCCP_TLS}: ${verdict ? `${verdict.accepted ? 'accepted' : 'refused'} ${presented ?? '?'} (${verdict.reason})` : 'no verdict'}`,
  };
}
