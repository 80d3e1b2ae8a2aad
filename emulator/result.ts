/**
 * Errors are values. A codec, a certificate store or a device operation that can fail for a reason a
 * user should read returns a `Result`; exceptions are kept for programming errors.
 */
export type Result<T, E = UclabError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const err = <E>(error: E): { ok: false; error: E } => ({ ok: false, error });

/** The common shape of every error value: a stable machine code and a sentence for a person. */
export interface UclabError {
  /** Stable identifier, e.g. `tlv.truncated`, `capf.bad-auth-string`. */
  readonly code: string;
  /** What went wrong, in words a UC engineer understands. */
  readonly message: string;
}

/** A malformed byte stream: names the format, the offset and what was expected there. */
export interface FormatError extends UclabError {
  readonly format: string;
  readonly offset: number;
}

export function formatError(format: string, offset: number, code: string, message: string): FormatError {
  return { format, offset, code: `${format}.${code}`, message: `${format}: ${message} (at byte ${offset})` };
}

/** Unwraps a result where failure is a programming error (tests, builders fed with our own data). */
export function unwrap<T, E extends UclabError>(r: Result<T, E>): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
