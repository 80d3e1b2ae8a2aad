/**
 * Ladder rows for the device event kinds (devices/cucm/events.ts, devices/phone/events.ts,
 * devices/expressway/events.ts, devices/cucm/call-control.ts): each known kind becomes a message
 * between two lanes or a note on one lane, with a one-line title and, when it failed, why. A kind not
 * in this table, or one whose fields are not what the table expects, gets the generic rendering
 * (generic.ts), so an event added later still shows.
 */
import { alertText, bool, list, num, obj, type RawEvent, str } from './fields.ts';
import type { Fact, RowOutcome } from './view.ts';

/** A row as a renderer describes it; the view model adds ids, sequence numbers and log ranges. */
export interface RowSpec {
  shape: 'exchange' | 'note';
  from: string;
  to: string | null;
  protocol: string;
  title: string;
  outcome: RowOutcome;
  reason: string | null;
  facts: Fact[];
  text: string | null;
}

/** What a renderer may ask about the lab: the lane of a device named in an event's payload. */
export interface LaneLookup {
  /** The lane of a device named `name` (case-insensitive), or of the device with that address. */
  laneOf(nameOrAddress: string): string | null;
}

/** A renderer's answer for an event that is on the ladder already in another form. */
export const SKIP = 'skip' as const;

type Renderer = (e: RawEvent, lab: LaneLookup) => RowSpec | typeof SKIP | null;

function note(
  e: RawEvent,
  protocol: string,
  title: string,
  outcome: RowOutcome = 'info',
  reason: string | null = null,
  facts: Fact[] = [],
  text: string | null = null,
): RowSpec {
  return { shape: 'note', from: e.device, to: null, protocol, title, outcome, reason, facts, text };
}

function message(
  from: string,
  to: string,
  protocol: string,
  title: string,
  outcome: RowOutcome,
  reason: string | null = null,
  facts: Fact[] = [],
): RowSpec {
  return { shape: 'exchange', from, to, protocol, title, outcome, reason, facts, text: null };
}

const SECURITY_MODES: Record<number, string> = { 1: 'non-secure', 2: 'authenticated', 3: 'encrypted' };

/** A `host:port` or host as a lane: the device of that name or address, when the lab has one. */
function laneOfHost(hostPort: string | null, lab: LaneLookup): string | null {
  if (!hostPort) return null;
  const host = hostPort.replace(/:\d+$/, '');
  return lab.laneOf(host);
}

/** `<ip>` or `host` out of a URL, for an MRA target. */
function hostOfUrl(url: string | null): string | null {
  if (!url) return null;
  const m = /^[a-z]+:\/\/([^/:]+)/i.exec(url);
  return m?.[1] ?? null;
}

const RENDERERS: Record<string, Renderer> = {
  // ------------------------------------------------------------------ CUCM (devices/cucm/events.ts)
  'cucm.registered': (e, lab) => {
    const name = str(e.deviceName);
    const protocol = str(e.protocol);
    const mode = num(e.securityMode);
    if (!name || !protocol) return null;
    const how = `${protocol}/${(str(e.transport) ?? '').toUpperCase()}`;
    const title = `${protocol === 'SIP' ? 'REGISTER → 200 OK' : 'RegisterAck'} · ${how} · ${SECURITY_MODES[mode ?? 0] ?? `mode ${mode}`}`;
    const facts: Fact[] = [
      { label: 'device', value: name },
      { label: 'transport', value: how },
      { label: 'security mode', value: `${mode} (${SECURITY_MODES[mode ?? 0] ?? '?'})` },
    ];
    const cipher = str(e.cipher);
    if (cipher) facts.push({ label: 'cipher', value: cipher });
    const phone = lab.laneOf(name);
    return phone
      ? message(e.device, phone, protocol, title, 'ok', null, facts)
      : note(e, protocol, `${name} registered · ${how}`, 'ok', null, facts);
  },
  'cucm.registration-refused': (e, lab) => {
    const name = str(e.deviceName);
    const reason = str(e.reason) ?? '';
    const protocol = str(e.protocol) ?? 'registration';
    const how = `${protocol}/${(str(e.transport) ?? '').toUpperCase()}`;
    const phone = name ? lab.laneOf(name) : null;
    const title = `registration refused · ${how}${name ? ` · ${name}` : ''}`;
    return phone
      ? message(e.device, phone, protocol, title, 'refused', reason)
      : note(e, protocol, title, 'refused', reason);
  },
  'cucm.unregistered': (e) =>
    note(e, str(e.protocol) ?? 'registration', `${str(e.deviceName) ?? '?'} unregistered`, 'info', null, [
      { label: 'reason', value: str(e.reason) ?? '' },
    ]),
  'cucm.reset': (e, lab) => {
    const name = str(e.deviceName);
    const phone = name ? lab.laneOf(name) : null;
    const title = `reset · ${str(e.reason) ?? ''}`;
    return phone
      ? message(e.device, phone, str(e.protocol) ?? 'reset', title, 'info')
      : note(e, 'reset', `${name ?? '?'} ${title}`);
  },
  'cucm.alarm': (e) => {
    const days = num(e.daysLeft);
    return note(
      e,
      'alarm',
      `${str(e.alarm) ?? 'alarm'} · ${str(e.unit) ?? '?'} (${str(e.file) ?? ''})`,
      days !== null && days < 0 ? 'failed' : 'warn',
      days !== null ? (days < 0 ? `expired ${-days} day(s) ago` : `expires in ${days} day(s)`) : null,
      [
        { label: 'store', value: str(e.store) ?? '' },
        { label: 'expires', value: str(e.expires) ?? '' },
      ],
    );
  },
  'cucm.cert-changed': (e) =>
    note(e, 'certificate', `${str(e.unit) ?? '?'} certificate changed`, 'info', null, [
      { label: 'subject', value: str(e.subject) ?? '' },
      { label: 'serial', value: str(e.serial) ?? '' },
    ]),
  'cucm.file-changed': (e) =>
    note(e, 'TFTP file', `${str(e.file) ?? '?'} generated · ${num(e.size) ?? '?'} bytes`, 'info', null, [
      { label: 'MD5', value: str(e.md5) ?? '' },
    ]),
  'cucm.admin': (e) => {
    const output = str(e.output) ?? '';
    const failed = /\b(fail|error|invalid|not found|denied)/i.test(output.split('\n').slice(-3).join(' '));
    return note(e, 'admin', `admin:${str(e.command) ?? ''}`, failed ? 'failed' : 'info', null, [], output);
  },
  'cucm.capf': (e, lab) => {
    const name = str(e.deviceName);
    const statusName = str(e.statusName) ?? String(num(e.status) ?? '?');
    const ok = /success/i.test(statusName);
    const title = `CAPF ${str(e.operation) ?? ''} · ${statusName}`;
    const phone = name ? lab.laneOf(name) : null;
    return phone
      ? message(e.device, phone, 'CAPF', title, ok ? 'ok' : 'failed', ok ? null : statusName)
      : note(e, 'CAPF', `${name ?? '?'} ${title}`, ok ? 'ok' : 'failed', ok ? null : statusName);
  },
  'cucm.call': (e, lab) => {
    const caller = str(e.caller);
    const called = str(e.called);
    const result = str(e.result);
    const security = str(e.security);
    const from = caller ? lab.laneOf(caller) : null;
    const to = called ? lab.laneOf(called) : null;
    const ok = result === 'connected';
    const title = `call ${str(e.dialled) ?? ''}${security ? ` · ${security}` : ''}${str(e.icon) ? ` (${str(e.icon)} icon)` : ''}`;
    const reason = ok ? null : (str(e.reason) ?? 'failed');
    if (from && to) return message(from, to, 'call', title, ok ? 'ok' : 'failed', reason);
    return note(e, 'call', title, ok ? 'ok' : 'failed', reason);
  },
  // ------------------------------------------------------------------ phone (devices/phone/events.ts)
  'phone.registration': (e) => {
    const state = str(e.state);
    if (!state) return null;
    // Registering and registered are on the ladder already (the status message, CUCM's answer).
    if (state === 'registering' || state === 'registered') return SKIP;
    const detail = str(e.detail) ?? '';
    const outcome: RowOutcome = state === 'registered' ? 'ok' : state === 'rejected' ? 'failed' : 'info';
    return note(
      e,
      'registration',
      `${state}${str(e.transport) ? ` · ${str(e.transport)}` : ''}`,
      outcome,
      state === 'rejected' ? detail : null,
      [
        { label: 'detail', value: detail },
        { label: 'server', value: str(e.server) ?? '' },
        { label: 'secure', value: String(bool(e.secure) ?? false) },
      ],
    );
  },
  'phone.boot': (e) => {
    const ctl = obj(e.ctl);
    const itl = obj(e.itl);
    const config = obj(e.config);
    const reg = obj(e.registration);
    if (!ctl || !itl || !config) return null;
    const bad = /fail|untrusted|not-authorized|malformed|decrypt-failed/;
    const steps: [string, string][] = [
      ['CTL', str(ctl.outcome) ?? '?'],
      ['ITL', str(itl.outcome) ?? '?'],
      ['config', str(config.outcome) ?? '?'],
      ['registration', str(reg?.state) ?? '?'],
    ];
    const failed = steps.find(([, o]) => bad.test(o));
    return note(
      e,
      'boot',
      `boot: ${steps.map(([k, o]) => `${k} ${o}`).join(', ')}`,
      failed ? 'failed' : str(reg?.state) === 'registered' ? 'ok' : 'info',
      failed ? `${failed[0]} ${failed[1]}${str(reg?.detail) ? `: ${str(reg?.detail)}` : ''}` : null,
      [
        { label: 'model', value: str(e.model) ?? '' },
        { label: 'firmware', value: str(e.firmware) ?? '' },
        { label: 'CTL MD5', value: str(ctl.md5) ?? 'Not Installed' },
        { label: 'ITL MD5', value: str(itl.md5) ?? 'Not Installed' },
        { label: 'config file', value: str(config.file) ?? '' },
        ...list(e.status).map((s, i) => ({ label: `status ${i + 1}`, value: String(s) })),
      ],
    );
  },
  'phone.trust-list': (e) => {
    const which = str(e.list) ?? '?';
    const change = str(e.change) ?? '?';
    const facts: Fact[] = [
      { label: 'MD5 held', value: str(e.md5) ?? 'Not Installed' },
      { label: 'signer', value: str(e.signer) ?? '' },
    ];
    for (const r of list(e.records)) {
      const o = obj(r);
      if (o)
        facts.push({
          label: str(o.role) ?? 'record',
          value: `${str(o.name) ?? ''}${str(o.ipAddress) ? ` (${str(o.ipAddress)})` : ''}`,
        });
    }
    const refused = change === 'refused';
    return note(
      e,
      'trust list',
      `${which} ${change}${refused ? '' : ` · ${str(e.reason) ?? ''}`}`,
      refused ? 'refused' : 'ok',
      refused ? (str(e.reason) ?? '') : null,
      facts,
    );
  },
  'phone.config': (e) => {
    const outcome = str(e.outcome) ?? '?';
    const ok = ['verified', 'plain', 'decrypted'].includes(outcome);
    const via = str(e.via);
    return note(
      e,
      'config',
      `${str(e.file) ?? 'config'} ${outcome}${via ? ` via ${via}` : ''}`,
      ok ? 'ok' : outcome === 'not-found' ? 'warn' : 'failed',
      ok ? null : (str(e.reason) ?? outcome),
      [
        { label: 'signer', value: str(e.signer) ?? '' },
        { label: 'device security mode', value: String(num(e.deviceSecurityMode) ?? '') },
      ],
    );
  },
  'phone.tvs': (e, lab) => {
    const outcome = str(e.outcome) ?? '?';
    const ok = outcome === 'vouched' || outcome === 'cached';
    const server = laneOfHost(str(e.server), lab);
    const title = `TVS query · ${outcome}`;
    const facts: Fact[] = [
      { label: 'subject', value: str(e.subject) ?? '' },
      { label: 'issuer', value: str(e.issuer) ?? '' },
      { label: 'serial', value: str(e.serial) ?? '' },
      { label: 'roles', value: list(e.roles).join(', ') },
      { label: 'server', value: str(e.server) ?? '(cache)' },
    ];
    const reason = ok ? null : (str(e.reason) ?? outcome);
    return server && server !== e.device
      ? message(e.device, server, 'TVS', title, ok ? 'ok' : 'refused', reason, facts)
      : { ...note(e, 'TVS', title, ok ? 'ok' : 'refused', reason, facts) };
  },
  'phone.capf': (e, lab) => {
    const outcome = str(e.outcome) ?? '?';
    const ok = /install|delete|success|none/i.test(outcome) && !/fail/i.test(outcome);
    const server = laneOfHost(str(e.server), lab);
    const lsc = obj(e.lsc);
    const facts: Fact[] = [
      {
        label: 'LSC',
        value: lsc
          ? `${str(lsc.subject) ?? ''} (issuer ${str(lsc.issuer) ?? ''}, serial ${str(lsc.serial) ?? ''})`
          : 'none',
      },
    ];
    const reason = ok ? null : (str(e.detail) ?? outcome);
    return server && server !== e.device
      ? message(e.device, server, 'CAPF', `CAPF · ${outcome}`, ok ? 'ok' : 'failed', reason, facts)
      : note(e, 'CAPF', `CAPF · ${outcome}`, ok ? 'ok' : 'failed', reason, facts);
  },
  'phone.call': (e) => {
    const state = str(e.state) ?? '?';
    const ok = state === 'connected';
    return note(
      e,
      'call',
      `call with ${str(e.peer) ?? '?'} · ${state} · ${str(e.media) ?? ''} · ${str(e.icon) ?? 'no'} icon`,
      ok ? 'ok' : 'failed',
      ok ? null : (str(e.reason) ?? 'failed'),
    );
  },
  'phone.media': (e) =>
    note(
      e,
      'media',
      `${str(e.media) ?? 'RTP'} from ${str(e.peer) ?? '?'} · ${num(e.received) ?? '?'} packets, ${list(e.payloadBytes).join('/')}-byte payloads`,
      (num(e.rejected) ?? 0) > 0 ? 'warn' : 'info',
    ),
  // ------------------------------------------------------------------ Expressway (devices/expressway/events.ts)
  'expressway.admin': (e) =>
    note(e, 'admin', str(e.command) ?? '', bool(e.ok) === false ? 'failed' : 'info', null, [], str(e.output)),
  'expressway.trust-store': (e) => {
    const accepted = bool(e.accepted) ?? true;
    return note(
      e,
      'trust store',
      `trusted CA ${str(e.action) ?? ''} · ${list(e.subjects).length} certificate(s)`,
      accepted ? 'ok' : 'refused',
      accepted ? null : (str(e.message) ?? ''),
      [
        ...list(e.subjects).map((s) => ({ label: 'subject', value: String(s) })),
        { label: 'message', value: str(e.message) ?? '' },
      ],
    );
  },
  'expressway.server-certificate': (e) => {
    const accepted = bool(e.accepted) ?? true;
    return note(
      e,
      'certificate',
      `server certificate upload · ${accepted ? 'accepted' : 'refused'}`,
      accepted ? 'ok' : 'refused',
      accepted ? null : (str(e.message) ?? ''),
      [
        { label: 'subject', value: str(e.subject) ?? '' },
        ...list(e.warnings).map((w) => ({ label: 'warning', value: String(w), tone: 'warn' as const })),
      ],
    );
  },
  'expressway.discovery': (e, lab) => {
    const ok = str(e.outcome) === 'discovered';
    const publisher = lab.laneOf(str(e.publisher) ?? '');
    const title = `Unified CM discovery · TLS verify ${str(e.tlsVerify) ?? '?'} · ${str(e.outcome) ?? '?'}`;
    const reason = ok ? null : (str(e.message) ?? '');
    const facts = [
      ...list(e.nodes).map((n) => ({ label: 'node', value: String(n) })),
      { label: 'detail', value: str(e.detail) ?? '' },
    ];
    return publisher && publisher !== e.device
      ? message(e.device, publisher, 'discovery', title, ok ? 'ok' : 'failed', reason, facts)
      : note(e, 'discovery', title, ok ? 'ok' : 'failed', reason, facts);
  },
  'expressway.traversal-zone': (e, lab) => {
    const ok = str(e.state) === 'active';
    const peer = lab.laneOf(str(e.peer) ?? '') ?? str(e.peer) ?? '?';
    const client = str(e.role) === 'client';
    const alert = alertText(e.alert);
    return message(
      client ? e.device : peer,
      client ? peer : e.device,
      'Traversal',
      `traversal zone :${num(e.port) ?? '?'} · ${str(e.state) ?? '?'} (${e.device})`,
      ok ? 'ok' : 'failed',
      ok ? null : `${str(e.detail) ?? ''}${alert ? ` (alert ${alert})` : ''}`,
      [{ label: 'peer certificate CN', value: str(e.peerCn) ?? '' }],
    );
  },
  'expressway.traversal-test': (e) => {
    const ok = str(e.result) === 'Success';
    return note(
      e,
      'traversal test',
      `secure traversal test · ${str(e.result) ?? '?'}`,
      ok ? 'ok' : 'failed',
      ok ? null : (str(e.description) ?? ''),
      [
        { label: 'Expressway-E', value: str(e.expresswayE) ?? '' },
        { label: 'TLS verify name', value: str(e.tlsVerifyName) ?? '' },
      ],
    );
  },
  'expressway.mra-request': (e, lab) => {
    const status = num(e.status);
    const ok = status !== null && status < 400;
    const target = str(e.target);
    const origin = obj(e.origin);
    const to = laneOfHost(hostOfUrl(target), lab);
    const title = `${str(e.method) ?? 'GET'} ${target ?? str(e.path) ?? ''} → ${status ?? '?'} ${str(e.reason) ?? ''}`;
    const reason = ok
      ? null
      : `${status} ${str(e.reason) ?? ''}${origin && bool(origin.accepted) === false ? `: ${str(origin.reason) ?? ''}` : ''}`;
    const facts: Fact[] = [
      { label: 'outcome', value: str(e.outcome) ?? '' },
      { label: 'user', value: str(e.username) ?? '' },
      { label: 'MRA path', value: str(e.path) ?? '' },
    ];
    if (origin)
      facts.push({
        label: `origin check (${str(origin.kind) ?? ''})`,
        value: str(origin.reason) ?? '',
        tone: bool(origin.accepted) ? 'ok' : 'bad',
      });
    return to && to !== e.device
      ? message(e.device, to, 'HTTPS', title, ok ? 'ok' : 'failed', reason, facts)
      : note(e, 'HTTPS', title, ok ? 'ok' : 'failed', reason, facts);
  },
  'jabber.sign-in': (e) => {
    const ok = str(e.outcome) === 'signed-in';
    const failed = obj(e.failed);
    const facts: Fact[] = list(e.requests).map((r, i) => {
      const o = obj(r);
      const status = num(o?.status);
      return {
        label: `request ${i + 1} · ${str(o?.step) ?? ''}`,
        value: `${status ?? str(o?.error) ?? '?'} ${str(o?.reason) ?? ''} ${str(o?.url) ?? ''}`.trim(),
        tone: status !== null && status < 400 ? 'ok' : 'bad',
      };
    });
    return note(
      e,
      'sign-in',
      `Jabber sign-in ${str(e.user) ?? ''} · ${str(e.outcome) ?? '?'}`,
      ok ? 'ok' : 'failed',
      ok
        ? null
        : `${str(e.shown) ?? ''}${failed ? ` (${str(failed.step) ?? ''}: ${str(e.reason) ?? ''})` : ''}`,
      facts,
    );
  },
  // ------------------------------------------------------------------ the lab and its actors
  action: (e) => {
    const name = str(e.name) ?? '';
    const detail = str(e.detail) ?? '';
    // An admin command is shown once, with its output, by `cucm.admin`.
    if (name === 'cli') return SKIP;
    const failed = /\bfail|refus|cannot|denied/i.test(detail);
    return note(
      e,
      name === 'cli' ? 'admin' : 'action',
      name === 'cli' ? detail : `${name}: ${detail}`,
      failed ? 'failed' : 'info',
      failed ? detail : null,
    );
  },
};

export function renderDeviceEvent(e: RawEvent, lab: LaneLookup): RowSpec | typeof SKIP | null {
  const r = RENDERERS[e.kind];
  if (!r) return null;
  try {
    return r(e, lab);
  } catch {
    // A renderer met a shape it did not expect: the generic rendering shows the event instead.
    return null;
  }
}

export function isKnownDeviceKind(kind: string): boolean {
  return kind in RENDERERS;
}
