/**
 * `uclab probe itl --held OLD.tlv NEW.tlv [--held-ctl CTL.tlv]`: offline, no network. Would a phone that
 * holds OLD (and, in mixed mode, the CTL) accept NEW: directly (a SAST of what it holds signed NEW),
 * through TVS (and what TVS would have to vouch for: the signer's subject, issuer and serial, with one
 * of the roles the phone asks for), or not at all; per firmware profile. The answer comes from the
 * phone's own trust rules (devices/phone/trust-rules.ts, the same functions the emulated phone boots
 * with, docs/reference/trust-files.md §4), so the probe and the lab cannot disagree. NEW may also be a CTL: then the
 * held CTL judges it (a CTL never goes through TVS, seed 002).
 *
 * The input is a real cluster's files, taken with any TFTP client before and after a change in a
 * staging cluster (docs/reference/trust-files.md §2). Exit 0: every firmware that reads the file accepts it (directly or
 * through TVS, when TVS vouches as stated); 1: some firmware refuses it; 2: bad input (a file that is
 * not a trust list, a held file of the wrong kind, an unknown firmware).
 */
import type { Command } from 'commander';
import { matchesSerialAndIssuer, Role, role, type TrustList, type TrustListKind } from '../../certs/ctl.ts';
import { FIRMWARE_PROFILES, type FirmwareProfile } from '../../devices/phone/firmware-profiles.ts';
import { trustListVerdict, trustListVerdictAfterTvs } from '../../devices/phone/trust-rules.ts';
import { PhoneTrustStore } from '../../devices/phone/trust-store.ts';
import { SCHEMA_VERSION } from '../events.ts';
import { loadHeldTrustList } from './phone-state.ts';

export interface ProbeItlOptions {
  held?: string;
  heldCtl?: string;
  firmware?: string[];
  json?: boolean;
}

/** What TVS would have to vouch for, for the phone to take the file through TVS (docs/reference/tvs.md §3 QUERY_CERT). */
export interface TvsVouchNeeded {
  subject: string;
  issuer: string;
  serial: string;
  roles: string[];
}

export interface ProbeItlResult {
  firmware: string;
  label: string;
  verdict: 'accepted' | 'accepted-through-tvs' | 'refused' | 'not-read';
  reason: string;
  tvs?: TvsVouchNeeded;
}

export interface ProbeItlReport {
  schemaVersion: number;
  held: { itl: string | null; ctl: string | null };
  offered: { file: string; kind: TrustListKind; signer: string; issuer: string; serial: string };
  results: ProbeItlResult[];
  verdict: 'accepted' | 'refused';
}

export class ProbeInputError extends Error {}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

/** One firmware's answer (trust-rules.ts), with what TVS must vouch for when the rules ask TVS. */
function judge(profile: FirmwareProfile, store: PhoneTrustStore, list: TrustList): ProbeItlResult {
  const base = { firmware: profile.id, label: profile.label };
  const reads = list.kind === 'CTL' ? profile.supportsCtl : profile.supportsItl;
  if (!reads)
    return { ...base, verdict: 'not-read', reason: `${profile.label} does not read ${list.kind} files` };
  const first = trustListVerdict(store, list.kind, list);
  if (first.decision === 'accept') {
    const how =
      first.via === 'leap of faith'
        ? 'nothing held judges it: taken on leap of faith (its own signer record verifies it)'
        : `signed by ${list.signer.name}, a SAST the phone holds`;
    return { ...base, verdict: 'accepted', reason: how };
  }
  if (first.decision === 'refuse') return { ...base, verdict: 'refused', reason: first.why };
  const tvs: TvsVouchNeeded = {
    subject: list.signer.name,
    issuer: list.signer.issuer,
    serial: hex(list.signer.serial),
    roles: first.roles.map((r) => role(r).name),
  };
  // The phone reaches TVS only with a TVS record (role 21) in the ITL it holds (docs/reference/tvs.md §2).
  if (store.records('ITL', [Role.TVS]).length === 0) {
    return {
      ...base,
      verdict: 'refused',
      reason: `signer ${list.signer.name} is unknown and the held ITL has no TVS record (role 21) to reach TVS with`,
    };
  }
  // TVS answers with the signer's certificate; the new file must then verify with it (docs/reference/trust-files.md §4 step 2b).
  // Offline, the certificate is the one the file carries for its signer, if it carries one.
  const own = new PhoneTrustStore();
  own.set(list.kind, list);
  const cert = own.held(list.kind)?.certs.find((c) => c && matchesSerialAndIssuer(c, list.signer));
  if (cert) {
    const after = trustListVerdictAfterTvs(list, { ok: true, cert, roles: [...first.roles] });
    if (after.decision === 'refuse') return { ...base, verdict: 'refused', reason: after.why, tvs };
  }
  return {
    ...base,
    verdict: 'accepted-through-tvs',
    reason: `signer ${list.signer.name} is not in what the phone holds: accepted only if TVS (trusted through the held ITL's TVS record) vouches for it`,
    tvs,
  };
}

/** The probe itself: pure, on files. Throws ProbeInputError for bad input. */
export function probeItl(offeredPath: string, o: ProbeItlOptions): ProbeItlReport {
  const store = new PhoneTrustStore();
  const heldFiles: [string | undefined, string, TrustListKind][] = [
    [o.held, '--held', 'ITL'],
    [o.heldCtl, '--held-ctl', 'CTL'],
  ];
  for (const [path, flag, kind] of heldFiles) {
    if (!path) continue;
    const r = loadHeldTrustList(flag, path, undefined);
    if (!r.ok) throw new ProbeInputError(r.error);
    if (r.value.kind !== kind)
      throw new ProbeInputError(
        `${flag} ${path}: the file's header names ${r.value.filename}, a ${r.value.kind}, not a ${kind}`,
      );
    store.set(kind, r.value);
  }
  if (store.empty)
    throw new ProbeInputError(
      'give the trust list the phone holds: --held ITL.tlv and/or --held-ctl CTL.tlv',
    );
  const offered = loadHeldTrustList('NEW', offeredPath, undefined);
  if (!offered.ok) throw new ProbeInputError(offered.error);
  const list = offered.value;
  let profiles = FIRMWARE_PROFILES;
  if (o.firmware?.length) {
    profiles = o.firmware.map((id) => {
      const p = FIRMWARE_PROFILES.find((x) => x.id === id);
      if (!p)
        throw new ProbeInputError(
          `--firmware ${id}: no such profile; use one of ${FIRMWARE_PROFILES.map((x) => x.id).join(', ')}`,
        );
      return p;
    });
  }
  const results = profiles.map((p) => judge(p, store, list));
  const readers = results.filter((r) => r.verdict !== 'not-read');
  if (readers.length === 0)
    throw new ProbeInputError(`none of the firmware asked for reads ${list.kind} files`);
  return {
    schemaVersion: SCHEMA_VERSION,
    held: { itl: o.held ?? null, ctl: o.heldCtl ?? null },
    offered: {
      file: list.filename,
      kind: list.kind,
      signer: list.signer.name,
      issuer: list.signer.issuer,
      serial: hex(list.signer.serial),
    },
    results,
    verdict: readers.some((r) => r.verdict === 'refused') ? 'refused' : 'accepted',
  };
}

function text(r: ProbeItlReport): string {
  const lines = [
    `${r.offered.kind} ${r.offered.file} signed by ${r.offered.signer} (issuer ${r.offered.issuer}, serial ${r.offered.serial})`,
  ];
  for (const x of r.results) {
    lines.push(`  ${x.firmware.padEnd(16)} ${x.verdict}: ${x.reason}`);
    if (x.tvs) {
      lines.push(`    TVS must vouch for: subject ${x.tvs.subject}`);
      lines.push(`                        issuer  ${x.tvs.issuer}`);
      lines.push(`                        serial  ${x.tvs.serial}`);
      lines.push(`                        with a role of ${x.tvs.roles.join(' / ')}`);
    }
  }
  lines.push(`verdict: ${r.verdict}`);
  return `${lines.join('\n')}\n`;
}

export function registerProbeItlCommand(program: Command): void {
  const probe =
    program.commands.find((c) => c.name() === 'probe') ??
    program.command('probe').description('probe real systems as a lab device would');
  probe
    .command('itl')
    .description(
      'offline: would a phone holding OLD accept NEW (directly, through TVS, or not), per firmware',
    )
    .argument('<new>', 'the trust list offered to the phone (ITLFile.tlv or CTLFile.tlv)')
    .option('--held <file>', 'the ITL the phone holds today')
    .option('--held-ctl <file>', 'the CTL the phone holds today (mixed mode)')
    .option(
      '--firmware <id...>',
      `only these firmware profiles: ${FIRMWARE_PROFILES.map((p) => p.id).join(', ')}`,
    )
    .option('--json', 'the report as JSON (schemaVersion 1)')
    .addHelpText(
      'after',
      [
        '',
        'Exit codes:',
        '  0  every firmware that reads the file accepts it (directly, or through TVS when TVS vouches as shown)',
        '  1  some firmware refuses it',
        '  2  bad input: a file that is not a trust list, a held file of the wrong kind, unknown firmware',
        '',
        'Example:',
        '  uclab probe itl --held before/ITLFile.tlv after/ITLFile.tlv',
      ].join('\n'),
    )
    .action((offered: string, o: ProbeItlOptions) => {
      try {
        const r = probeItl(offered, o);
        process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : text(r));
        process.exitCode = r.verdict === 'accepted' ? 0 : 1;
      } catch (e) {
        if (!(e instanceof ProbeInputError)) throw e;
        process.stderr.write(`uclab probe itl: ${e.message}\n`);
        process.exitCode = 2;
      }
    });
}
