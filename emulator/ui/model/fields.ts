/**
 * Reading events as untrusted data. The page renders events that may come from a file on disk (a lab
 * attached with `--attach`, a `--events` stream) or from an event kind added after this code was
 * written, so every field is read through a checked accessor: a missing or mistyped field makes the
 * rendering generic, never a crash.
 */

/** An event as the view model reads it: the header is checked, the payload is unknown. */
export interface RawEvent {
  seq: number;
  t: number;
  time: string;
  lab: string;
  device: string;
  kind: string;
  [field: string]: unknown;
}

/** The event header fields, left out when a payload is summarised. */
export const HEADER_FIELDS = new Set(['schemaVersion', 'seq', 'time', 't', 'lab', 'device', 'kind']);

/** The value as an event, when its header is well formed; null otherwise (the line is skipped). */
export function asRawEvent(v: unknown): RawEvent | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.kind !== 'string' || typeof o.device !== 'string') return null;
  if (typeof o.seq !== 'number' || !Number.isFinite(o.seq)) return null;
  return {
    ...o,
    seq: o.seq,
    t: typeof o.t === 'number' && Number.isFinite(o.t) ? o.t : 0,
    time: typeof o.time === 'string' ? o.time : '',
    lab: typeof o.lab === 'string' ? o.lab : '',
    device: o.device,
    kind: o.kind,
  };
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function bool(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

export function obj(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** `{address, port}` when both are there. */
export function endpoint(v: unknown): { address: string; port: number } | null {
  const o = obj(v);
  const address = str(o?.address);
  const port = num(o?.port);
  return address !== null && port !== null ? { address, port } : null;
}

/** A TLS alert as `name(code)`, e.g. `unknown_ca(48)`; null when the value is not an alert. */
export function alertText(v: unknown): string | null {
  const o = obj(v);
  const name = str(o?.name);
  const code = num(o?.code);
  return name !== null && code !== null ? `${name}(${code})` : null;
}

/** A value in one short line, for a generic rendering: strings as they are, the rest as JSON. */
export function shortValue(v: unknown, max = 120): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The payload of an event, without its header, as label/value pairs in the order the event has them. */
export function payloadFields(e: RawEvent): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (HEADER_FIELDS.has(k)) continue;
    out.push({ label: k, value: shortValue(v, 2000) });
  }
  return out;
}
