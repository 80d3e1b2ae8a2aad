/**
 * CUCM `show ctl` / `show itl`, laid out as in docs/reference/trust-files.md §1.7 (TAC-118893): checksums, length,
 * modification date, the header table, one table per record, the eToken lines and the verdict.
 *
 * Columns are separated by tabs as on the real CLI: the docs/reference/trust-files.md §1.7 printout only lines up with 8-column
 * tab stops, and names shorter than 8 characters (TAG, DNSNAME, CANAME) take two tabs. A row whose
 * value is not printed still ends with a tab, as in the real `show itl` rows of seed 003.
 *
 * Approximations (labelled, docs/reference/README.md §4): the signature hex rows (8 bytes per row, `%x`, no
 * indent); the whole `show itl` wording (CTL → ITL); tag 5 printed as ISSUENAME by `show itl`
 * (seed 003 shows it so); the "not found" text for the ITL.
 */
import { createHash } from 'node:crypto';
import { colonHex, spacedHex } from './cisco-dn.ts';
import {
  parseTrustList,
  RECORD_TAG_NAMES,
  Role,
  sameDn,
  type TrustList,
  type TrustListKind,
  verifyTrustList,
} from './ctl.ts';
import { HEADER_TAG_NAMES, readU16, type TlvElement } from './tlv.ts';

export interface ShowCtlOptions {
  /** The file's modification time; default: the header TIMESTAMP. */
  readonly modified?: Date;
  /** IANA zone for the date line; default UTC. */
  readonly timeZone?: string;
  /** After a failed verification, say why (`uclab inspect`); CUCM's own `show ctl` does not. */
  readonly explain?: boolean;
}

/** `Fri Mar 06 19:45:13 CET 2015` (the `date` format CUCM prints). */
export function cucmDate(d: Date, timeZone = 'UTC'): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    year: 'numeric',
    timeZoneName: 'short',
  }).formatToParts(d);
  const p = (t: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === t)?.value ?? '';
  // `date` prints zone abbreviations (EDT, CET): en-US knows the American ones, en-GB the European ones.
  let zone = p('timeZoneName');
  if (zone.startsWith('GMT')) {
    const gb = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' })
      .formatToParts(d)
      .find((x) => x.type === 'timeZoneName')?.value;
    if (gb && !gb.startsWith('GMT')) zone = gb;
  }
  return `${p('weekday')} ${p('month')} ${p('day')} ${p('hour')}:${p('minute')}:${p('second')} ${zone} ${p('year')}`;
}

/** One table row: tag, name, length, value, tab separated (see the module comment). */
export function row(
  tag: number | string,
  name: string,
  length: number | string,
  value: number | string = '',
): string {
  return `${tag}\t${name}${name.length < 8 ? '\t\t' : '\t'}${length}\t${value}`;
}

const TABLE_HEAD = [row('BYTEPOS', 'TAG', 'LENGTH', 'VALUE'), row('-------', '---', '------', '-----')];

/** Expands tabs to 8-column stops and trims the end: how the CLI output looks on a terminal. */
export function expandTabs(line: string): string {
  let out = '';
  for (const ch of line) {
    if (ch === '\t') out += ' '.repeat(8 - (out.length % 8));
    else out += ch;
  }
  return out.trimEnd();
}

function checksumLines(kind: TrustListKind, bytes: Uint8Array): string[] {
  return [
    `The checksum value of the ${kind} file:`,
    `${createHash('md5').update(bytes).digest('hex')}(MD5)`,
    `${createHash('sha1').update(bytes).digest('hex')}(SHA1)`,
  ];
}

const HASH_NAMES: Readonly<Record<number, string>> = { 1: 'SHA-1', 2: 'SHA-256', 3: 'SHA-512' };

/** Signature bytes, 8 per row, each byte in `%x` (leading zero dropped: "2", "a"). */
export function signatureRows(sig: Uint8Array): string[] {
  const rows: string[] = [];
  for (let i = 0; i < sig.length; i += 8) {
    rows.push(Array.from(sig.subarray(i, i + 8), (b) => b.toString(16)).join(' '));
  }
  return rows;
}

function str(e: TlvElement): string {
  const nul = e.value.indexOf(0);
  return Buffer.from(nul >= 0 ? e.value.subarray(0, nul) : e.value).toString('utf8');
}

function headerRows(list: TrustList): string[] {
  const out: string[] = [];
  const walk = (elements: readonly TlvElement[]) => {
    for (const e of elements) {
      // VERSION and HEADERLENGTH have their own lines; padding is not printed.
      if (e.tag === 1 || e.tag === 2 || e.tag === 13) continue;
      const name = HEADER_TAG_NAMES[e.tag] ?? String(e.tag);
      if (e.children) {
        out.push(row(e.tag, name, 2, e.length));
        walk(e.children);
      } else if (e.tag === 4 || e.tag === 6) out.push(row(e.tag, name, e.length, str(e)));
      else if (e.tag === 5) out.push(row(e.tag, name, e.length, colonHex(e.value)));
      else if (e.tag === 12) out.push(row(e.tag, name, e.length), ...signatureRows(e.value));
      else out.push(row(e.tag, name, e.length));
    }
  };
  walk(list.header.elements);
  return out;
}

function recordRows(list: TrustList, index: number): string[] {
  const rec = list.records[index]!;
  const out: string[] = [`${list.kind} Record #:${index + 1}`, '----', ...TABLE_HEAD];
  for (const e of rec.elements) {
    let name = RECORD_TAG_NAMES[e.tag] ?? String(e.tag);
    if (e.tag === 5 && list.kind === 'ITL') name = 'ISSUENAME';
    switch (e.tag) {
      case 1:
        out.push(row(e.tag, name, e.length, readU16(e.value)));
        break;
      case 2:
      case 3:
      case 5:
        out.push(row(e.tag, name, e.length, str(e)));
        break;
      case 4:
        out.push(row(e.tag, name, e.length, rec.role.name));
        break;
      case 6:
        out.push(row(e.tag, name, e.length, colonHex(e.value)));
        break;
      case 9:
        out.push(
          row(
            e.tag,
            name,
            e.length,
            `${spacedHex(createHash('sha1').update(e.value).digest())} (SHA1 Hash HEX)`,
          ),
        );
        break;
      case 11:
        out.push(row(e.tag, name, e.length, spacedHex(e.value)));
        break;
      case 12:
        out.push(row(e.tag, name, e.length, HASH_NAMES[e.value[0]!] ?? String(e.value[0])));
        break;
      default:
        out.push(row(e.tag, name, e.length));
    }
  }
  if (rec.role.code === Role.SAST) {
    const used =
      Buffer.from(rec.serial).equals(Buffer.from(list.signer.serial)) &&
      sameDn(rec.issuerName, list.signer.issuer);
    out.push(`This etoken was ${used ? '' : 'not '}used to sign the ${list.kind} file.`);
  }
  return out;
}

/** The "no file" text (docs/reference/trust-files.md §1.7; the ITL wording is an approximation). */
export function renderNoTrustList(kind: TrustListKind): string {
  const hint =
    kind === 'CTL'
      ? ' Please run CTLClient plugin or run the CLI - utils ctl.. to generate the CTL file.'
      : '';
  return [
    `Length of ${kind} file: 0`,
    `${kind} File not found.${hint}`,
    `Error parsing the ${kind} File.`,
    '',
  ].join('\n');
}

/** Renders an already parsed list. The verdict comes from verifying against the file's own records. */
export function renderTrustList(list: TrustList, opts: ShowCtlOptions = {}): string {
  const k = list.kind;
  const modified = opts.modified ?? new Date(list.timestamp * 1000);
  const lines = [
    ...checksumLines(k, list.bytes),
    `Length of ${k} file: ${list.bytes.length}`,
    `The ${k} File was last modified on ${cucmDate(modified, opts.timeZone)}`,
    `\tParse ${k} File`,
    '\t----------------',
    `Version:\t${list.version.major}.${list.version.minor}`,
    `HeaderLength:\t${list.headerLength} (BYTES)`,
    ...TABLE_HEAD,
    ...headerRows(list),
  ];
  list.records.forEach((_, i) => {
    lines.push(...recordRows(list, i));
  });
  const verdict = verifyTrustList(list);
  lines.push(
    verdict.ok ? `The ${k} file was verified successfully.` : `Verification of the ${k} File Failed`,
  );
  if (!verdict.ok && opts.explain) lines.push(`Reason: ${verdict.error.message}`);
  lines.push('');
  return lines.join('\n');
}

/**
 * `show ctl` / `show itl` for the file TFTP serves (`null`/empty when there is none). A file that
 * does not parse prints its checksums and length, then `Error parsing the CTL File.` and the reason.
 */
export function renderShowTrustList(
  kind: TrustListKind,
  bytes: Uint8Array | null | undefined,
  opts: ShowCtlOptions = {},
): string {
  if (!bytes || bytes.length === 0) return renderNoTrustList(kind);
  const parsed = parseTrustList(bytes, { kind });
  if (!parsed.ok) {
    const lines = [...checksumLines(kind, bytes), `Length of ${kind} file: ${bytes.length}`];
    if (opts.modified)
      lines.push(`The ${kind} File was last modified on ${cucmDate(opts.modified, opts.timeZone)}`);
    lines.push(`Error parsing the ${kind} File.`, parsed.error.message, '');
    return lines.join('\n');
  }
  return renderTrustList(parsed.value, opts);
}

export const renderShowCtl = (bytes: Uint8Array | null | undefined, opts?: ShowCtlOptions): string =>
  renderShowTrustList('CTL', bytes, opts);

export const renderShowItl = (bytes: Uint8Array | null | undefined, opts?: ShowCtlOptions): string =>
  renderShowTrustList('ITL', bytes, opts);
