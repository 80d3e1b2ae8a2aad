/**
 * The rendering of an event kind the view model does not know (one added after this code, or by a
 * scenario of its own): a note on the device's lane with its kind and payload, marked as a failure when
 * its fields say so. Nothing on the timeline is left off the page.
 */

import type { RowSpec } from './device-events.ts';
import { bool, HEADER_FIELDS, payloadFields, type RawEvent, shortValue, str } from './fields.ts';

const FAILURE_WORDS = /fail|refus|reject|denied|error|unreachable|timeout|untrusted|impossible/i;

/** Whether an event's own fields say something did not work (`accepted: false`, `outcome: 'failed'`). */
export function signalsFailure(e: RawEvent): boolean {
  if (bool(e.accepted) === false || bool(e.ok) === false || bool(e.held) === false) return true;
  return ['outcome', 'state', 'result', 'status'].some((k) => {
    const v = str(e[k]);
    return v !== null && FAILURE_WORDS.test(v);
  });
}

export function renderGeneric(e: RawEvent): RowSpec {
  const scalars: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (HEADER_FIELDS.has(k)) continue;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      scalars.push(`${k}=${shortValue(v, 60)}`);
    }
    if (scalars.length >= 4) break;
  }
  const failed = signalsFailure(e);
  const reason = failed ? (str(e.reason) ?? str(e.message) ?? str(e.detail) ?? str(e.outcome)) : null;
  return {
    shape: 'note',
    from: e.device,
    to: null,
    protocol: e.kind,
    title: `${e.kind}${scalars.length > 0 ? ` · ${scalars.join(' ')}` : ''}`,
    outcome: failed ? 'failed' : 'info',
    reason,
    facts: payloadFields(e),
    text: null,
  };
}
