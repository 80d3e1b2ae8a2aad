// The page's copy of the view (emulator/ui/model/view.ts): a reset replaces it, patches update it.
// Entities are replaced, never edited in place, so a component can tell a changed row by identity.

export function emptyView() {
  return {
    lab: {
      name: '',
      block: null,
      started: null,
      stopped: null,
      events: 0,
      lastSeq: 0,
      dropped: { rows: 0, logs: 0 },
      limits: { rows: 2000, logs: 5000 },
      fleet: null,
    },
    devices: new Map(),
    links: new Map(),
    rows: new Map(),
    order: [],
    logs: [],
    screens: new Map(),
    steps: new Map(),
    layout: null,
    // A revision per collection: a panel redraws only when what it shows has changed.
    rev: { lab: 0, layout: 0, device: 0, link: 0, row: 0, log: 0, screen: 0, step: 0 },
  };
}

/** A view from a whole snapshot (a `reset` message, or one variant of a report file). */
export function viewFromSnapshot(snap) {
  const v = emptyView();
  v.lab = snap.lab;
  for (const d of snap.devices) v.devices.set(d.name, d);
  for (const l of snap.links) v.links.set(l.id, l);
  for (const r of snap.rows) {
    v.rows.set(r.id, r);
    v.order.push(r.id);
  }
  v.logs = snap.logs.slice();
  for (const s of snap.screens) v.screens.set(s.device, s);
  for (const s of snap.steps) v.steps.set(s.index, s);
  v.layout = snap.layout;
  for (const k of Object.keys(v.rev)) v.rev[k] = 1;
  return v;
}

/** Where a row of this seq goes in the ladder's order (rows mostly arrive in order: look from the end). */
function insertAt(order, rows, seq) {
  let i = order.length;
  while (i > 0 && rows.get(order[i - 1]).seq > seq) i--;
  return i;
}

/**
 * The page keeps the same window as the server (the header's `limits`): the oldest rows and log lines
 * go, so a page left open on a long-running lab holds flat memory too.
 */
function trim(v) {
  const rows = v.lab.limits?.rows ?? 2000;
  if (v.order.length > rows) {
    const gone = v.order.splice(0, v.order.length - rows);
    for (const id of gone) v.rows.delete(id);
  }
  const logs = v.lab.limits?.logs ?? 5000;
  if (v.logs.length > logs) v.logs.splice(0, v.logs.length - logs);
}

/** Applies patches in order; returns the view (the same object, with new collections where changed). */
export function applyPatches(v, patches) {
  for (const p of patches) {
    if (p.k in v.rev) v.rev[p.k] += 1;
    switch (p.k) {
      case 'lab':
        v.lab = p.v;
        break;
      case 'layout':
        v.layout = p.v;
        break;
      case 'device':
        v.devices.set(p.v.name, p.v);
        break;
      case 'link':
        v.links.set(p.v.id, p.v);
        break;
      case 'row':
        if (!v.rows.has(p.v.id)) {
          const at = insertAt(v.order, v.rows, p.v.seq);
          if (at === v.order.length) v.order.push(p.v.id);
          else v.order.splice(at, 0, p.v.id);
        }
        v.rows.set(p.v.id, p.v);
        break;
      case 'log':
        v.logs.push(p.v);
        break;
      case 'screen':
        v.screens.set(p.v.device, p.v);
        break;
      case 'step':
        v.steps.set(p.v.index, p.v);
        break;
      default:
        // A patch kind from a newer server: ignored rather than guessed at.
        break;
    }
  }
  trim(v);
  return v;
}

/** Whether a device is one of the lab's fleet of phones (drawn as the fleet's box, lane and tiles). */
export function inFleet(v, name) {
  const f = v.lab.fleet;
  return !!f && v.devices.get(name)?.kind === f.kind;
}

/** The lane a device's exchanges are drawn on: its own, or the fleet's. */
export function laneOf(v, name) {
  return inFleet(v, name) ? v.lab.fleet.lane : name;
}

/** Devices as ladder lanes: left to right as the picture has them, else as the timeline named them. */
export function lanesOf(v) {
  const pos = new Map((v.layout?.nodes ?? []).map((n) => [n.name, n]));
  return [...v.devices.values()]
    .filter((d) => !inFleet(v, d.name))
    .sort((a, b) => {
      const pa = pos.get(a.name);
      const pb = pos.get(b.name);
      if (pa && pb) return pa.x - pb.x || pa.y - pb.y;
      if (pa || pb) return pa ? -1 : 1;
      return a.firstSeq - b.firstSeq;
    })
    .map((d) => d.name);
}
