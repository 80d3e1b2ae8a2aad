/**
 * A device's log lines as the real product prints them, so that an engineer can grep a lab's logs with the
 * same patterns as a customer's: each `log` event gets the prefix the seeds show for its source,
 * in the lab's own time. The event's text stays as the device wrote it; this only adds what the product's
 * log file puts around it.
 *
 * Which source gets which prefix (seed lines of the plain-text copies, docs/reference/seeds.md §5):
 *
 * | source (device kind) | line | from |
 * |---|---|---|
 * | `ccm` HandleSSLError (cucm) | `07/26/2012 08:43:16.534 CCM|<text>|<CLID::StandAloneCluster><NID::<address>><CT::0,0,0,0.0><IP::><DEV::><LVL::Error><MASK::0800>` | seed 000 lines 79-83 |
 * | `ccm` other, `tftp` (cucm) | `10:38:26.621 |<text>` | seed 002 lines 778-784 (CallManager SDI), 544-546 (ctftp SDI) |
 * | `capf`, `tvs` (cucm) | `10:03:06.983 | debug <text>` | seed 002 lines 730-746; seed 003 lines 1234-1248 |
 * | `status` (phone) | `16:01:16 <text>` | seed 002 line 573 |
 * | `console` (phone) | `837: NOT 09:13:17.561856 <text>` | seed 002 lines 534, 564, 870 |
 * | `traffic_server` (expressway) | `2022-07-11T16:55:25.910+00:00 <host> traffic_server[<pid>]: <text>` | seed 004 line 168 |
 * | `tvcs`, `management` (expressway) | `2016-03-15T21:27:33+00:00 <host> tvcs: <text>` | seed 003 lines 479, 492 |
 * | `cli`, `certmonitor`, `tomcat`, `drf` (cucm) | `2016-02-07 14:51:46,338 INFO [main] - <text>` | seed 003 lines 1288, 1316 (CertMgmt, DRF) |
 * | `syslog` (spa-phone) | `Jan 20 02:20:09 <host> <text>` | the syslog form of seed 003 line 1508 |
 * | `access_log`, `error_log`, `ssl_request_log` (provisioning-server) | the text as is: Apache writes its own time | seed 001 line 25 |
 *
 * Modelled (L), because no seed shows the product's prefix for them: the SDL level names other than
 * `Error` and the fixed `<CT::...>`/`<MASK::0800>` fields; the console level words `WRN`, `DBG`; the trace
 * level word `debug` for every CAPF/TVS line (seed 003 line 1244 prints an `ERROR:` line as `debug`, so the
 * word does not follow the severity); the traffic server's pid (a number derived from the device name);
 * the `[main]` thread of the CUCM Java logs (seed 003 shows it for CertMgmt only); the tag of Expressway
 * `cli` lines (the source name); the Jabber, application-server and CUCM Tomcat prefixes (log4j form);
 * the prefix of an unknown source (`<ISO time> <source>: <text>`).
 */
import type { LabEvent } from '../events.ts';
import {
  bsdSyslog,
  clockMicros,
  clockMs,
  clockSeconds,
  isoSeconds,
  isoWithMs,
  log4j,
  sdlDateTime,
} from './timestamps.ts';

export type LogLevel = LabEvent<'log'>['level'];

export interface LogLineContext {
  /** The device's kind (`cucm`, `phone`, `expressway-c`, ...), as its `device.started` event gives it. */
  kind: string;
  /** The device's name: the host name of its syslog lines. */
  device: string;
  /** The device's lab address: CUCM's SDL trace names its node by address (seed 000: `<NID::192.168.5.17>`). */
  address: string;
  /**
   * This line's number among the device's lines of the same source, from 1: the phone console numbers its
   * lines (seed 002: `837: NOT ...`).
   */
  line: number;
}

/** The part of a `log` event the formatter reads. */
export type LogEventLike = Pick<LabEvent<'log'>, 'time' | 'source' | 'level' | 'text'>;

/** CUCM's SDL trace levels; seed 000 shows `Error`, the others are CUCM's trace level names (L). */
const SDL_LEVEL: Record<LogLevel, string> = {
  error: 'Error',
  warning: 'Special',
  info: 'Significant',
  debug: 'Detailed',
};

/** The 79xx console's level words; seed 002 shows `NOT` and `ERR`. */
const CONSOLE_LEVEL: Record<LogLevel, string> = { error: 'ERR', warning: 'WRN', info: 'NOT', debug: 'DBG' };

const LOG4J_LEVEL: Record<LogLevel, string> = {
  error: 'ERROR',
  warning: 'WARN',
  info: 'INFO',
  debug: 'DEBUG',
};

/**
 * A stamp a device wrote into a console line itself (`NOT 09:13:17.561856 `, PhoneConsole does): it is
 * replaced by the lab-time one, keeping its level word.
 */
const OWN_CONSOLE_STAMP = /^(NOT|ERR|WRN|DBG|INF) \d\d:\d\d:\d\d\.\d{6} /;

/** An access-log line already carries its client address and time (`<ip> - - [...] "GET ..."`). */
const ACCESS_LOG_LINE = /^\S+ \S+ \S+ \[[^\]]+\] "/;

/** The SDL trace's fields after the text (seed 000 lines 81-83); `<CT::...>` as the seed shows it. */
function sdlTail(address: string, level: LogLevel): string {
  return `|<CLID::StandAloneCluster><NID::${address}><CT::0,0,0,0.0><IP::><DEV::><LVL::${SDL_LEVEL[level]}><MASK::0800>`;
}

/** A stable pid per device, in the range Linux gives daemons started at boot (L). */
export function modelledPid(device: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < device.length; i++) {
    h ^= device.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 1000 + (h % 30000);
}

type Render = (e: LogEventLike, d: Date, ctx: LogLineContext) => string;

const sdi: Render = (e, d) => `${clockMs(d)} |${e.text}`;
const traceDebug: Render = (e, d) => `${clockMs(d)} | debug ${e.text}`;
const platformJava: Render = (e, d) => `${log4j(d)} ${LOG4J_LEVEL[e.level]} [main] - ${e.text}`;
const expresswaySyslog =
  (tag: string): Render =>
  (e, d, ctx) =>
    `${isoSeconds(d)} ${ctx.device} ${tag}: ${e.text}`;

const ccm: Render = (e, d, ctx) =>
  e.text.startsWith('HandleSSLError')
    ? `${sdlDateTime(d)} CCM|${e.text}${sdlTail(ctx.address, e.level)}`
    : sdi(e, d, ctx);

const consoleLine: Render = (e, d, ctx) => {
  const own = OWN_CONSOLE_STAMP.exec(e.text);
  const level = own?.[1] ?? CONSOLE_LEVEL[e.level];
  const text = own ? e.text.slice(own[0].length) : e.text;
  return `${ctx.line}: ${level} ${clockMicros(d)} ${text}`;
};

/** By `source`, or by `source@kind` where two kinds of device use one source name differently. */
const FORMATS: Record<string, Render> = {
  ccm,
  tftp: sdi,
  capf: traceDebug,
  tvs: traceDebug,
  'cli@cucm': platformJava,
  certmonitor: platformJava,
  drf: (e, d) => `${log4j(d)} ${LOG4J_LEVEL[e.level]} [NetServerWorker] - ${e.text}`,
  tomcat: (e, d, ctx) => (ACCESS_LOG_LINE.test(e.text) ? e.text : platformJava(e, d, ctx)),
  status: (e, d) => `${clockSeconds(d)} ${e.text}`,
  console: consoleLine,
  traffic_server: (e, d, ctx) =>
    `${isoWithMs(d)} ${ctx.device} traffic_server[${modelledPid(ctx.device)}]: ${e.text}`,
  tvcs: expresswaySyslog('tvcs'),
  management: expresswaySyslog('management'),
  'cli@expressway-c': expresswaySyslog('cli'),
  'cli@expressway-e': expresswaySyslog('cli'),
  jabber: (e, d) => `${log4j(d)} ${LOG4J_LEVEL[e.level]} ${e.text}`,
  syslog: (e, d, ctx) => `${bsdSyslog(d)} ${ctx.device} ${e.text}`,
  access_log: (e) => e.text,
  error_log: (e) => e.text,
  ssl_request_log: (e) => e.text,
  app: platformJava,
};

const fallback: Render = (e, d) => `${d.toISOString()} ${e.source}: ${e.text}`;

/** One `log` event as its product's log line. */
export function formatLogLine(e: LogEventLike, ctx: LogLineContext): string {
  const render = FORMATS[`${e.source}@${ctx.kind}`] ?? FORMATS[e.source] ?? fallback;
  return render(e, new Date(e.time), ctx);
}

/**
 * A device's whole log (its `log` events in timeline order) as product lines, numbering each source's
 * lines from 1: what `logs/<device>.log` holds.
 */
export function formatDeviceLog(
  events: readonly LogEventLike[],
  ctx: Omit<LogLineContext, 'line'>,
): string[] {
  const counts = new Map<string, number>();
  return events.map((e) => {
    const line = (counts.get(e.source) ?? 0) + 1;
    counts.set(e.source, line);
    return formatLogLine(e, { ...ctx, line });
  });
}
