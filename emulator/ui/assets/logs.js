// Each device's own log side by side (CUCM SDL/SDI trace, phone console, Expressway traffic_server),
// filtered to the selected exchange's events when one is selected, else the latest lines.
import { html, since } from 'uclab/html.js';

const TAIL = 200;

export function Logs({ view, lanes, range }) {
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
  const devices = [
    ...lanes.filter((d) => byDevice.has(d)),
    ...[...byDevice.keys()].filter((d) => !lanes.includes(d)),
  ];
  return html`<div class="logs">
    <div class="logs-head">
      ${range === null ? 'Device logs (latest lines)' : `Device logs for the selected exchange (events ${range[0]}–${range[1]})`}
    </div>
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
