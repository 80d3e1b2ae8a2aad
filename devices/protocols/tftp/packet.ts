/**
 * TFTP packets: RFC 1350 (RRQ, WRQ, DATA, ACK, ERROR) and RFC 2347 option extension (OACK), with the
 * options of RFC 2348 (blksize) and RFC 2349 (tsize, timeout).
 *
 * Decoding never throws: every malformed datagram gives a `FormatError` naming the byte offset.
 * Error codes (`tftp.<code>`): truncated, missing-nul, unknown-opcode, bad-mode, empty-filename,
 * bad-option-value, odd-option-list, trailing-bytes.
 */
import { err, type FormatError, formatError, ok, type Result } from '../../../emulator/result.ts';

const FORMAT = 'tftp';

export const Opcode = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** RFC 1350 §5 error codes, plus 8 from RFC 2347. */
export const TftpErrorCode = {
  NOT_DEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  OPTION_REJECTED: 8,
} as const;

/** The messages tftpd-hpa sends for each code (also what tftp-hpa prints after `Error code N: `). */
export const TFTP_ERROR_TEXT: Record<number, string> = {
  0: 'Undefined error code',
  1: 'File not found',
  2: 'Access violation',
  3: 'Disk full or allocation exceeded',
  4: 'Illegal TFTP operation',
  5: 'Unknown transfer ID',
  6: 'File already exists',
  7: 'No such user',
  8: 'Failure to negotiate RFC2347 options',
};

export type TftpMode = 'netascii' | 'octet' | 'mail';

/** RFC 2348: blksize 8..65464. RFC 2349: timeout 1..255 seconds, tsize any non-negative size. */
export const BLKSIZE_MIN = 8;
export const BLKSIZE_MAX = 65464;
export const TIMEOUT_MIN = 1;
export const TIMEOUT_MAX = 255;
export const DEFAULT_BLKSIZE = 512;

/**
 * Negotiable options. Known options are parsed and range-checked; anything else is kept verbatim in
 * `other` (RFC 2347: a server ignores options it does not know). Names are case-insensitive on the
 * wire and stored lower-case.
 */
export interface TftpOptions {
  blksize?: number;
  tsize?: number;
  timeout?: number;
  other?: Record<string, string>;
}

export type TftpPacket =
  | { op: 'RRQ' | 'WRQ'; filename: string; mode: TftpMode; options: TftpOptions }
  | { op: 'DATA'; block: number; data: Buffer }
  | { op: 'ACK'; block: number }
  | { op: 'ERROR'; code: number; message: string }
  | { op: 'OACK'; options: TftpOptions };

export function hasOptions(o: TftpOptions): boolean {
  return (
    o.blksize !== undefined ||
    o.tsize !== undefined ||
    o.timeout !== undefined ||
    (o.other !== undefined && Object.keys(o.other).length > 0)
  );
}

function optionPairs(o: TftpOptions): [string, string][] {
  const pairs: [string, string][] = [];
  if (o.blksize !== undefined) pairs.push(['blksize', String(o.blksize)]);
  if (o.tsize !== undefined) pairs.push(['tsize', String(o.tsize)]);
  if (o.timeout !== undefined) pairs.push(['timeout', String(o.timeout)]);
  for (const [k, v] of Object.entries(o.other ?? {})) pairs.push([k, v]);
  return pairs;
}

function cstrings(strings: string[]): Buffer {
  return Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from(s, 'latin1'), Buffer.from([0])])));
}

function opcodeBuf(op: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(op, 0);
  return b;
}

export function encodeTftp(p: TftpPacket): Buffer {
  switch (p.op) {
    case 'RRQ':
    case 'WRQ':
      return Buffer.concat([
        opcodeBuf(Opcode[p.op]),
        cstrings([p.filename, p.mode, ...optionPairs(p.options).flat()]),
      ]);
    case 'DATA': {
      const h = Buffer.alloc(4);
      h.writeUInt16BE(Opcode.DATA, 0);
      h.writeUInt16BE(p.block & 0xffff, 2);
      return Buffer.concat([h, p.data]);
    }
    case 'ACK': {
      const h = Buffer.alloc(4);
      h.writeUInt16BE(Opcode.ACK, 0);
      h.writeUInt16BE(p.block & 0xffff, 2);
      return h;
    }
    case 'ERROR': {
      const h = Buffer.alloc(4);
      h.writeUInt16BE(Opcode.ERROR, 0);
      h.writeUInt16BE(p.code, 2);
      return Buffer.concat([h, cstrings([p.message])]);
    }
    case 'OACK':
      return Buffer.concat([opcodeBuf(Opcode.OACK), cstrings(optionPairs(p.options).flat())]);
  }
}

/** Reads NUL-terminated strings from `start` to the end of the packet. */
function readCStrings(buf: Buffer, start: number): Result<{ value: string; offset: number }[], FormatError> {
  const out: { value: string; offset: number }[] = [];
  let o = start;
  while (o < buf.length) {
    const nul = buf.indexOf(0, o);
    if (nul < 0) return err(formatError(FORMAT, o, 'missing-nul', 'string is not NUL-terminated'));
    out.push({ value: buf.toString('latin1', o, nul), offset: o });
    o = nul + 1;
  }
  return ok(out);
}

function parseIntStrict(s: string): number | undefined {
  if (!/^[0-9]{1,10}$/.test(s)) return undefined;
  return Number(s);
}

/** Parses and range-checks an option list (`name NUL value NUL` pairs). */
export function parseOptions(
  items: readonly { value: string; offset: number }[],
  endOffset: number,
): Result<TftpOptions, FormatError> {
  if (items.length % 2 !== 0) {
    const last = items[items.length - 1];
    return err(
      formatError(FORMAT, last?.offset ?? endOffset, 'odd-option-list', 'option name without a value'),
    );
  }
  const o: TftpOptions = {};
  for (let i = 0; i < items.length; i += 2) {
    const name = items[i]!;
    const value = items[i + 1]!;
    const key = name.value.toLowerCase();
    if (key === '') return err(formatError(FORMAT, name.offset, 'bad-option-value', 'empty option name'));
    const n = parseIntStrict(value.value);
    const bad = (why: string) =>
      err(
        formatError(
          FORMAT,
          value.offset,
          'bad-option-value',
          `${key}=${JSON.stringify(value.value)}: ${why}`,
        ),
      );
    if (key === 'blksize') {
      // RFC 2348: "Valid values range between 8 and 65464 octets, inclusive."
      if (n === undefined || n < BLKSIZE_MIN || n > BLKSIZE_MAX)
        return bad(`must be ${BLKSIZE_MIN}..${BLKSIZE_MAX}`);
      o.blksize = n;
    } else if (key === 'tsize') {
      if (n === undefined) return bad('must be a non-negative integer');
      o.tsize = n;
    } else if (key === 'timeout') {
      // RFC 2349: "Valid values range between 1 and 255 seconds, inclusive."
      if (n === undefined || n < TIMEOUT_MIN || n > TIMEOUT_MAX)
        return bad(`must be ${TIMEOUT_MIN}..${TIMEOUT_MAX}`);
      o.timeout = n;
    } else {
      o.other = { ...(o.other ?? {}), [key]: value.value };
    }
  }
  return ok(o);
}

export function decodeTftp(buf: Buffer): Result<TftpPacket, FormatError> {
  if (buf.length < 2) return err(formatError(FORMAT, 0, 'truncated', `${buf.length} bytes, no opcode`));
  const op = buf.readUInt16BE(0);
  switch (op) {
    case Opcode.RRQ:
    case Opcode.WRQ: {
      const strs = readCStrings(buf, 2);
      if (!strs.ok) return strs;
      const [fn, mode, ...rest] = strs.value;
      if (!fn) return err(formatError(FORMAT, 2, 'truncated', 'request without a filename'));
      if (fn.value === '') return err(formatError(FORMAT, 2, 'empty-filename', 'empty filename'));
      if (!mode) return err(formatError(FORMAT, buf.length, 'truncated', 'request without a mode'));
      const m = mode.value.toLowerCase();
      if (m !== 'netascii' && m !== 'octet' && m !== 'mail') {
        return err(
          formatError(FORMAT, mode.offset, 'bad-mode', `unknown transfer mode ${JSON.stringify(mode.value)}`),
        );
      }
      const options = parseOptions(rest, buf.length);
      if (!options.ok) return options;
      return ok({
        op: op === Opcode.RRQ ? 'RRQ' : 'WRQ',
        filename: fn.value,
        mode: m,
        options: options.value,
      });
    }
    case Opcode.DATA:
      if (buf.length < 4)
        return err(formatError(FORMAT, buf.length, 'truncated', 'DATA without a block number'));
      if (buf.length - 4 > BLKSIZE_MAX) {
        return err(
          formatError(FORMAT, 4, 'bad-option-value', `DATA payload ${buf.length - 4} > ${BLKSIZE_MAX}`),
        );
      }
      return ok({ op: 'DATA', block: buf.readUInt16BE(2), data: Buffer.from(buf.subarray(4)) });
    case Opcode.ACK:
      if (buf.length < 4)
        return err(formatError(FORMAT, buf.length, 'truncated', 'ACK without a block number'));
      if (buf.length > 4)
        return err(formatError(FORMAT, 4, 'trailing-bytes', `${buf.length - 4} bytes after ACK`));
      return ok({ op: 'ACK', block: buf.readUInt16BE(2) });
    case Opcode.ERROR: {
      if (buf.length < 4) return err(formatError(FORMAT, buf.length, 'truncated', 'ERROR without a code'));
      // Lenient on the message: some stacks omit the final NUL. Take text up to NUL or end.
      const nul = buf.indexOf(0, 4);
      const message = buf.toString('latin1', 4, nul < 0 ? buf.length : nul);
      return ok({ op: 'ERROR', code: buf.readUInt16BE(2), message });
    }
    case Opcode.OACK: {
      const strs = readCStrings(buf, 2);
      if (!strs.ok) return strs;
      const options = parseOptions(strs.value, buf.length);
      if (!options.ok) return options;
      return ok({ op: 'OACK', options: options.value });
    }
    default:
      return err(formatError(FORMAT, 0, 'unknown-opcode', `unknown opcode ${op}`));
  }
}

/** netascii (RFC 764 via RFC 1350): LF → CR LF, bare CR → CR NUL. */
export function toNetascii(data: Buffer): Buffer {
  let extra = 0;
  for (const b of data) if (b === 0x0a || b === 0x0d) extra++;
  if (extra === 0) return data;
  const out = Buffer.alloc(data.length + extra);
  let o = 0;
  for (const b of data) {
    if (b === 0x0a) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
    } else if (b === 0x0d) {
      out[o++] = 0x0d;
      out[o++] = 0x00;
    } else out[o++] = b;
  }
  return out;
}

/** The inverse of `toNetascii`: CR LF → LF, CR NUL → CR. A CR at the very end is kept. */
export function fromNetascii(data: Buffer): Buffer {
  const out = Buffer.alloc(data.length);
  let o = 0;
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (b === 0x0d && i + 1 < data.length && (data[i + 1] === 0x0a || data[i + 1] === 0x00)) {
      out[o++] = data[i + 1] === 0x0a ? 0x0a : 0x0d;
      i++;
    } else out[o++] = b;
  }
  return out.subarray(0, o);
}
