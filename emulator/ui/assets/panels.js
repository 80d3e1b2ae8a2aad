// The lab's panels, the same on the live page and in a report file: the picture, the ladder, the
// selected exchange, the phones' screens and the devices' logs.
import { Detail } from 'uclab/detail.js';
import { html, Memo } from 'uclab/html.js';
import { Ladder } from 'uclab/ladder.js';
import { Logs } from 'uclab/logs.js';
import { Picture } from 'uclab/picture.js';
import { Screens } from 'uclab/screens.js';
import { lanesOf } from 'uclab/store.js';

export function Panels({ view, ui, onUi }) {
  const lanes = lanesOf(view);
  const lanesKey = lanes.join('|');
  const row = ui.selected ? view.rows.get(ui.selected) : null;
  const range = row ? [row.logFrom ?? row.seq, row.lastSeq] : null;
  const rangeKey = range ? range.join('-') : '';
  const r = view.rev;
  return html`<div class="panels">
    <section class="panel picture-panel" aria-label="lab picture">
      <h2 class="panel-title">Lab <span class="muted">${view.lab.name} ${view.lab.block ?? ''}</span></h2>
      <${Memo}
        deps=${[view, r.device, r.link, r.layout, ui.device]}
        render=${() =>
          html`<${Picture}
            view=${view}
            selectedDevice=${ui.device}
            onSelectDevice=${(d) => onUi({ device: ui.device === d ? null : d })}
          />`}
      />
    </section>
    <section class="panel ladder-panel" aria-label="ladder">
      <h2 class="panel-title">
        Exchanges <span class="muted">${view.order.length} · ${view.lab.events} events</span>
        ${
          view.lab.dropped?.rows || view.lab.dropped?.logs
            ? html`<span class="dropped" title="a long-running lab: the page keeps the latest window">
                ${view.lab.dropped.rows} earlier exchanges and ${view.lab.dropped.logs} log lines dropped
              </span>`
            : null
        }
      </h2>
      <${Memo}
        deps=${[view, r.row, lanesKey, r.device, ui.selected, ui.showAll]}
        render=${() =>
          html`<${Ladder}
            view=${view}
            lanes=${lanes}
            selected=${ui.selected}
            onSelect=${(id) => onUi({ selected: ui.selected === id ? null : id })}
            showAll=${ui.showAll}
            onShowAll=${() => onUi({ showAll: true })}
          />`}
      />
    </section>
    <section class="panel side-panel" aria-label="details and screens">
      <${Memo} deps=${[row]} render=${() => html`<${Detail} row=${row} />`} />
      <${Memo}
        deps=${[view, r.screen, r.device, rangeKey, ui.device]}
        render=${() =>
          html`<${Screens}
            view=${view}
            range=${range}
            focus=${ui.device}
            onSelect=${(d) => onUi({ device: ui.device === d ? null : d })}
          />`}
      />
    </section>
    <section class="panel logs-panel" aria-label="device logs">
      <${Memo}
        deps=${[view, r.log, lanesKey, rangeKey, ui.device]}
        render=${() => html`<${Logs} view=${view} lanes=${lanes} range=${range} focus=${ui.device} />`}
      />
    </section>
  </div>`;
}

/** ↑/↓ (or k/j) move the selection through the ladder; Esc clears it. */
export function moveSelection(view, ui, key) {
  if (key === 'Escape') return { selected: null };
  const order = view.order;
  if (order.length === 0) return null;
  const i = ui.selected ? order.indexOf(ui.selected) : -1;
  if (key === 'ArrowDown' || key === 'j') return { selected: order[Math.min(order.length - 1, i + 1)] };
  if (key === 'ArrowUp' || key === 'k') return { selected: order[i <= 0 ? 0 : i - 1] };
  return null;
}

/** Without a selection the logs show their latest lines: keep each column scrolled to its end. */
export function scrollLogsToEnd(ui) {
  if (ui.selected) return;
  // All reads, then all writes: one layout, not one per column.
  const lists = [...document.querySelectorAll('.log ol')];
  const ends = lists.map((l) => l.scrollHeight);
  lists.forEach((l, i) => {
    l.scrollTop = ends[i];
  });
}
