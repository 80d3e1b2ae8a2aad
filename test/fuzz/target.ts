/**
 * What the fuzz harness knows about a parser, and how it judges one input.
 *
 * Every parser here is fed hostile bytes from peers or files. The contract ("bad input never crashes a
 * server: typed errors naming where") is: return a `Result`; a failure carries a string `code`
 * and `message`. Anything thrown is an untyped exception, a finding. A stream framer must decode the
 * same bytes to the same results whether they arrive whole or in chunks.
 */
import { isDeepStrictEqual } from 'node:util';

/** A stream framer: TVS, CAPF, SCCP and SIP share this shape. */
export interface Pushable {
  push(chunk: Buffer): readonly { ok: boolean }[];
}

export interface FuzzTarget {
  /** Short name, also the fixture folder: `tvs`, `trust-list`, ... */
  readonly name: string;
  /** What is parsed, for the report. */
  readonly description: string;
  /** Valid inputs made by the project's own encoders: what mutation starts from. */
  seeds(): Promise<Buffer[]>;
  /** Strings worth inserting (field names, delimiters, lengths). */
  readonly tokens?: readonly string[];
  /** Inputs are cut to this many bytes (the format's own maximum, or a little past it). */
  readonly maxLength: number;
  /** Parses one whole input: a `Result`, or a plain value for parsers that cannot fail. */
  parse(input: Buffer): unknown;
  /** The stream framer of the format: each input is also fed to it whole and in chunks. */
  framer?(): Pushable;
}

export type Outcome =
  | { kind: 'accepted' }
  | { kind: 'rejected'; code: string }
  | { kind: 'untyped'; signature: string; detail: string };

/** A stable name for an exception: type, message with numbers blanked, first frame in this project. */
export function signatureOf(e: unknown): { signature: string; detail: string } {
  if (!(e instanceof Error)) return { signature: `non-Error thrown: ${typeof e}`, detail: String(e) };
  const frame =
    (e.stack ?? '')
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .find((l) => /\/(certs|devices|emulator)\//.test(l) && !l.includes('node_modules')) ?? '';
  const where = frame.replace(/^at\s+/, '').replace(/^.*?\/((certs|devices|emulator)\/[^:]+:\d+).*$/, '$1');
  const message = e.message.split('\n')[0]!.replace(/\d+/g, 'N').slice(0, 120);
  return { signature: `${e.name}: ${message}${where ? ` @ ${where}` : ''}`, detail: e.stack ?? e.message };
}

/** Runs a parser on one input and says what happened. */
export function classify(run: () => unknown): Outcome {
  let r: unknown;
  try {
    r = run();
  } catch (e) {
    return { kind: 'untyped', ...signatureOf(e) };
  }
  if (r !== null && typeof r === 'object' && 'ok' in r && typeof r.ok === 'boolean') {
    if (r.ok) return { kind: 'accepted' };
    const error = (r as { error?: { code?: unknown; message?: unknown } }).error;
    if (typeof error?.code === 'string' && typeof error.message === 'string') {
      return { kind: 'rejected', code: error.code };
    }
    return {
      kind: 'untyped',
      signature: 'error value without a string code and message',
      detail: String(error),
    };
  }
  return { kind: 'accepted' };
}

/** What a framer made of the chunks: every result up to and including the first error. */
export function feed(make: () => Pushable, chunks: readonly Buffer[]): unknown[] {
  const f = make();
  const out: unknown[] = [];
  for (const c of chunks) {
    for (const r of f.push(c)) {
      out.push(r);
      if (!r.ok) return out;
    }
  }
  return out;
}

export type FramerVerdict =
  | { kind: 'agree' }
  | { kind: 'untyped'; signature: string; detail: string }
  | { kind: 'disagree'; signature: string; detail: string };

/** Feeds the input whole and in `chunks`; both must give equal results and neither may throw. */
export function compareFramer(make: () => Pushable, input: Buffer, chunks: readonly Buffer[]): FramerVerdict {
  let whole: unknown[];
  let parts: unknown[];
  try {
    whole = feed(make, [input]);
    parts = feed(make, chunks);
  } catch (e) {
    return { kind: 'untyped', ...signatureOf(e) };
  }
  if (isDeepStrictEqual(whole, parts)) return { kind: 'agree' };
  const at = whole.findIndex((w, i) => !isDeepStrictEqual(w, parts[i]));
  const show = (r: unknown) => (r === undefined ? 'nothing' : JSON.stringify(r)?.slice(0, 160));
  return {
    kind: 'disagree',
    signature: `result ${at < 0 ? whole.length : at}: whole ${kindOf(whole[at])} vs chunked ${kindOf(parts[at < 0 ? whole.length : at])}`,
    detail: `whole: ${show(whole[at])}\nchunked (${chunks.length} chunks): ${show(parts[at < 0 ? whole.length : at])}`,
  };
}

function kindOf(r: unknown): string {
  if (r === undefined) return 'nothing';
  const o = r as { ok?: boolean; error?: { code?: string } };
  return o.ok ? 'ok' : `error ${o.error?.code ?? '?'}`;
}
