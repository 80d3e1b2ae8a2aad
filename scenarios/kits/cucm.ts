/**
 * Scenario kit for CUCM labs: the lab declarations the phone scenarios share (a publisher with its
 * phones, in mixed mode or not), the admin operations a scenario step may use (the CLI, the CTL client,
 * Device > Phone > CAPF Information), and checks that read what the administrator saw: the output of an
 * admin command as its `cucm.admin` event carries it. Not a scenario: the runner loads only
 * `scenarios/*.ts`.
 */

import type { TrustStoreName } from '../../devices/cucm/cert-store.ts';
import type { Device } from '../../emulator/device.ts';
import type { LabEvent } from '../../emulator/events.ts';
import type { Lab, LabDeclaration } from '../../emulator/lab.ts';
import { type ExpectStep, expectThat } from '../../emulator/scenario.ts';
import { cucmPhone, type PhoneSpec, phoneDevice, sep } from './phone.ts';

export const PUBLISHER = 'cucm-pub';

type CapfSpec = NonNullable<PhoneSpec['capf']>;
type AdminResult = { ok: true } | { ok: false; error: { code: string; message: string } };

/** The eToken inserted in the CTL client PC (1: the token that signed the CTL, 2: the backup) and its password. */
export interface EtokenLogin {
  token: number;
  password: string;
}

/** The password the lab's eTokens have unless a lab declares another (`etokenPassword`). */
export const ETOKEN_PASSWORD = 'Cisco123';

/** The CTL client with eToken `token` inserted and `password` typed. */
export function etoken(token = 1, password = ETOKEN_PASSWORD): EtokenLogin {
  return { token, password };
}

/** What an administrator can do on a CUCM node (the CUCM model's admin API). */
export interface CucmAdmin {
  /** The admin CLI (`admin:` prompt); the command and its output go on the timeline as `cucm.admin`. */
  exec(command: string): Promise<string>;
  /** The CTL client run again with new eTokens (the old ones lost). */
  replaceEtokens(): Promise<AdminResult>;
  /** The CTL client's "Add TFTP Server" (with an eToken in an eToken cluster). */
  addCtlTftpServer(host: string, opts?: { login?: EtokenLogin }): AdminResult;
  /** `utils ctl update CTLFile`; in an eToken cluster the CTL client's "Update CTL File" with a token. */
  updateCtl(login?: EtokenLogin): AdminResult;
  /** `utils ctl set-cluster non-secure-mode`; in an eToken cluster the CTL client's, with a token. */
  setNonSecure(login?: EtokenLogin): AdminResult;
  /** Device > Phone > CAPF Information. */
  setCapfOperation(
    phoneName: string,
    op: {
      operation: CapfSpec['operation'];
      authMode: CapfSpec['authMode'];
      /** "Operation Completes By", relative to the lab's start (`+1d`; `-1h` has already passed). */
      completesBy?: string;
    },
  ): AdminResult;
  /** OS Administration > Certificate Management > Upload Certificate, as a trust certificate of `store`. */
  uploadTrust(store: TrustStoreName, file: string): AdminResult;
  /** Certificate Management > Delete, of a trust certificate by file name or CN. */
  deleteTrust(store: TrustStoreName, subjectOrFile: string): AdminResult;
}

export function cucm(lab: Lab, name = PUBLISHER): CucmAdmin {
  const d = lab.device(name) as Device & Partial<CucmAdmin>;
  if (d.kind !== 'cucm' || typeof d.exec !== 'function')
    throw new Error(`${name} is a ${d.kind}, not a CUCM node with an admin CLI`);
  return d as unknown as CucmAdmin;
}

/** Throws the admin's error message, for an operation a step needs to succeed. */
export function mustSucceed(r: AdminResult): void {
  if (!r.ok) throw new Error(r.error.message);
}

/** The CUCM declaration options the phone scenarios vary. */
export interface CucmOptions {
  release?: '11.5' | '12.5' | '14' | '15';
  mixedMode?: 'etoken' | 'tokenless';
  etokens?: number;
  /** Certificate validity overrides by unit, e.g. `{ CallManager: { notBefore: '-400d', notAfter: '-1d' } }`. */
  certificates?: Record<string, { notBefore?: string; notAfter?: string }>;
  /** The 5-minute guard between regenerations ('0s' turns it off in a lab). */
  regenGuard?: string;
  certMonitorInterval?: string;
}

/**
 * A publisher (`cucm-pub`, `cucm-pub.lab.example`) with the phones configured on it (Device > Phone)
 * and the phone devices themselves, which boot from it when a step says so.
 */
export function cucmLab(phones: PhoneSpec[], opts: CucmOptions = {}): LabDeclaration {
  return {
    devices: [
      {
        kind: 'cucm',
        name: PUBLISHER,
        aliases: [`${PUBLISHER}.lab.example`],
        ...opts,
        ...(phones.length > 0 ? { phones: phones.map(cucmPhone) } : {}),
      },
      ...phones.map((p) => phoneDevice(p)),
    ],
  };
}

/** The same in mixed mode with two hardware eTokens (SAST), the CTL signed by the first token. */
export function mixedModeLab(phones: PhoneSpec[], opts: Omit<CucmOptions, 'mixedMode'> = {}): LabDeclaration {
  return cucmLab(phones, { mixedMode: 'etoken', etokens: 2, ...opts });
}

/**
 * Runs an admin CLI command and returns the output the administrator saw, read from the command's
 * `cucm.admin` event (what a report or live view shows of it).
 */
export async function adminOutput(lab: Lab, command: string, node = PUBLISHER): Promise<string> {
  const since = lab.timeline.events().length;
  await cucm(lab, node).exec(command);
  const e = lab.timeline
    .ofKind('cucm.admin', node)
    .find((x: LabEvent<'cucm.admin'>) => x.seq > since && x.command === command);
  if (!e) throw new Error(`${node} put no cucm.admin event on the timeline for "${command}"`);
  return e.output;
}

/** A line of CUCM's `run sql select name,tkcertificatestatus from device` output for one phone. */
export function expectCertificateStatus(
  mac: string,
  status: number,
  name: string,
  explain: string,
): ExpectStep {
  return expectThat(`CUCM shows ${sep(mac)} certificate status ${status} (${name})`, explain, async (lab) => {
    const out = await adminOutput(lab, 'run sql select name,tkcertificatestatus from device');
    const line = out.split('\n').find((l) => l.toUpperCase().includes(sep(mac))) ?? out;
    return { held: new RegExp(`\\b${status}\\b`).test(line), saw: line.trim() };
  });
}

/**
 * The PEM of a trust certificate as `show cert trust <store>/<file>` prints it: what an administrator
 * copies to upload the same certificate into another trust store.
 */
export async function trustCertificatePem(lab: Lab, file: string, node = PUBLISHER): Promise<string> {
  const out = await adminOutput(lab, `show cert trust ${file}`, node);
  const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)?.[0];
  if (!pem) throw new Error(`show cert trust ${file} printed no certificate: ${out.split('\n')[0]}`);
  return `${pem}\n`;
}
