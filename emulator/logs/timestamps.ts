/**
 * The time stamps the products' logs carry, rendered from an event's time (the lab's own clock, which is
 * the wall clock: architecture decision 4). The lab has no time zone of its own: every stamp is UTC, and
 * the stamps that name their offset say `+00:00`.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function p(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function parts(d: Date) {
  return {
    Y: d.getUTCFullYear(),
    M: d.getUTCMonth() + 1,
    D: d.getUTCDate(),
    h: p(d.getUTCHours()),
    m: p(d.getUTCMinutes()),
    s: p(d.getUTCSeconds()),
    ms: p(d.getUTCMilliseconds(), 3),
  };
}

/** `08:43:16.534`: CUCM's SDI, CAPF and TVS traces (seed 002 lines 544, 730; seed 003 line 1234). */
export function clockMs(d: Date): string {
  const t = parts(d);
  return `${t.h}:${t.m}:${t.s}.${t.ms}`;
}

/**
 * `09:13:17.561856`: the phone console (seed 002 line 534). The lab's clock has milliseconds, so the
 * last three digits are zeros.
 */
export function clockMicros(d: Date): string {
  return `${clockMs(d)}000`;
}

/** `16:01:16`: a phone's status messages (seed 002 line 573). */
export function clockSeconds(d: Date): string {
  const t = parts(d);
  return `${t.h}:${t.m}:${t.s}`;
}

/** `07/26/2012 08:43:16.534`: CUCM's SDL trace (seed 000 line 79). */
export function sdlDateTime(d: Date): string {
  const t = parts(d);
  return `${p(t.M)}/${p(t.D)}/${t.Y} ${clockMs(d)}`;
}

/** `2022-07-11T16:55:25.910+00:00`: Expressway's traffic server syslog (seed 004 line 168, local there). */
export function isoWithMs(d: Date): string {
  const t = parts(d);
  return `${t.Y}-${p(t.M)}-${p(t.D)}T${clockMs(d)}+00:00`;
}

/** `2016-03-15T21:27:33+00:00`: Expressway's other syslog lines (seed 003 lines 476, 492). */
export function isoSeconds(d: Date): string {
  const t = parts(d);
  return `${t.Y}-${p(t.M)}-${p(t.D)}T${clockSeconds(d)}+00:00`;
}

/** `Jan 20 02:20:09` (a day below 10 is space-padded, RFC 3164 §4.1.2): the syslog of seed 003 line 1508. */
export function bsdSyslog(d: Date): string {
  const t = parts(d);
  return `${MONTHS[t.M - 1]} ${String(t.D).padStart(2, ' ')} ${clockSeconds(d)}`;
}

/** `2016-02-07 14:51:46,338`: CUCM's platform Java logs, CertMgmt and DRF (seed 003 lines 1288, 1316). */
export function log4j(d: Date): string {
  const t = parts(d);
  return `${t.Y}-${p(t.M)}-${p(t.D)} ${clockSeconds(d)},${t.ms}`;
}
