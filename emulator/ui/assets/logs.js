// Each device's own log side by side (CUCM SDL/SDI trace, phone console, Expressway traffic_server),
// filtered to the selected exchange's events when one is selected, else the latest lines.
import { html, since } from 'uclab/html.js';

const TAIL = 150;
/** Columns side by side: beyond four a column is too narrow to read from the back of a room. */
const MAX_COLUMNS = 4;

export function Logs({ view, lanes, range, focus }) {
  const byDevice = new Map();
  for (const l of view.logs) {
    if (range !== null && (l.seq < range[0] || l.seq > range[1])) continue;
    let list = byDevice.get(l.device);
    if (!list) {
      list = [];
      byDevice.set(l.device, list);
    }
    list.push(l);
  }
  const all = [
    ...lanes.filter((d) => byDevice.has(d)),
    ...[...byDevice.keys()].filter((d) => !lanes.includes(d)),
  ];
  // The device chosen in the picture first, then the others in lane order.
  const ordered = focus && all.includes(focus) ? [focus, ...all.filter((d) => d !== focus)] : all;
  const devices = ordered.slice(0, MAX_COLUMNS);
  const more = ordered.slice(MAX_COLUMNS);
  return html`<div class="logs">
    <div class="logs-head">
      ${range === null ? 'Device logs (latest lines)' : `Device logs for the selected exchange (events ${range[0]}–${range[1]})`}
    </div>
    ${
      more.length > 0
        ? html`<div class="muted more-logs">
            Also logging: ${more.join(', ')} (click a device in the picture to show its log first).
          </div>`
        : null
    }
    <div class="log-columns" style=${`--cols:${Math.max(devices.length, 1)}`}>
      ${devices.length === 0 ? html`<div class="muted">No log line ${range === null ? 'yet' : 'in this exchange'}.</div>` : null}
      ${devices.map((d) => {
        const lines = byDevice.get(d);
        const shown = range === null ? lines.slice(-TAIL) : lines;
        return html`<section class="log" data-log=${d}>
          <header>${d} <span class="muted">${lines.length} line${lines.length === 1 ? '' : 's'}</span></header>
          <ol>
            ${shown.map(
              (l) =>
                html`<li key=${l.seq} class=${`lvl-${l.level}`}>
                  <span class="t">${since(l.t)}</span> <span class="src">${l.source}</span> ${l.text}
                </li>`,
            )}
          </ol>
        </section>`;
      })}
    </div>
  </div>`;
}
