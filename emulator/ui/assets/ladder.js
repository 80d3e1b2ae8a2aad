// The ladder: one lane per device, every exchange in time order as an arrow from the lane that opened
// it to the lane that answered, notes on one lane, scenario steps across all lanes. A failed exchange
// is red and says why in one line; clicking a row (or moving to it with the keyboard) selects it.
import { Component } from 'preact';
import { html, since, TONE_OF_OUTCOME } from 'uclab/html.js';
import { laneOf } from 'uclab/store.js';

/** How many of the latest rows are drawn unless the trainer asks for all (a long lab stays fast). */
export const VISIBLE_ROWS = 400;

const MARK = { ok: '✓', refused: '✗', failed: '✗', warn: '!', pending: '…', info: '' };

/** Grid lines: each lane is two half-columns, so a lane's centre is the line between them. */
function spanOf(row, lanes, lane) {
  const a = lanes.indexOf(lane(row.from));
  const b = row.to ? lanes.indexOf(lane(row.to)) : -1;
  if (row.shape === 'exchange' && a >= 0 && b >= 0 && a !== b) {
    return { kind: 'arrow', from: Math.min(a, b) * 2 + 2, to: Math.max(a, b) * 2 + 2, right: a < b };
  }
  const at = a >= 0 ? a : b;
  if (at >= 0) return { kind: 'note', from: at * 2 + 1, to: at * 2 + 3 };
  return { kind: 'wide', from: 1, to: lanes.length * 2 + 1 };
}

class Row extends Component {
  shouldComponentUpdate(next) {
    return (
      next.row !== this.props.row ||
      next.selected !== this.props.selected ||
      next.lanesKey !== this.props.lanesKey
    );
  }

  render({ row, lanes, lane, selected, onSelect }) {
    const tone = TONE_OF_OUTCOME[row.outcome] ?? 'info';
    const cls = `row shape-${row.shape} out-${row.outcome} tone-${tone}${selected ? ' selected' : ''}`;
    const select = () => onSelect(row.id);
    if (row.shape === 'step') {
      return html`<div class=${cls} data-row=${row.id} aria-selected=${selected} onClick=${select}>
        <div class="time">${since(row.t)}</div>
        <div class="step-banner">
          <span class="mark">${row.outcome === 'info' ? '▶' : MARK[row.outcome]}</span> ${row.title}
          ${row.reason ? html`<span class="why">${row.reason}</span>` : null}
        </div>
      </div>`;
    }
    const span = spanOf(row, lanes, lane);
    // On the fleet's lane, which phone it was.
    const member = [row.from, row.to].find((d) => d && lane(d) !== d);
    const outside =
      span.kind !== 'arrow' && row.to && !lanes.includes(lane(row.from))
        ? `from ${row.from}: `
        : member
          ? `${member}: `
          : '';
    return html`<div class=${cls} data-row=${row.id} aria-selected=${selected} onClick=${select}>
      <div class="time">${since(row.t)}</div>
      <div class="lanes" style=${`--lanes:${lanes.length}`}>
        <div
          class=${`cell ${span.kind}${span.right === false ? ' leftward' : ''}`}
          style=${`grid-column:${span.from} / ${span.to}`}
        >
          <div class="label">
            <span class="proto">${row.protocol}</span>
            <span class="title">${outside}${row.title}</span>
            ${MARK[row.outcome] ? html`<span class="mark">${MARK[row.outcome]}</span>` : null}
          </div>
          ${span.kind === 'arrow' ? html`<div class="shaft"></div>` : null}
          ${row.reason && span.kind !== 'arrow' ? html`<div class="why">${row.reason}</div>` : null}
        </div>
        ${
          // Under an arrow the reason takes the row's whole width: one line, read from the back.
          row.reason && span.kind === 'arrow' ? html`<div class="why wide-why">${row.reason}</div>` : null
        }
      </div>
    </div>`;
  }
}

export function Ladder({ view, lanes, selected, onSelect, showAll, onShowAll }) {
  const ids = showAll ? view.order : view.order.slice(-VISIBLE_ROWS);
  const hidden = view.order.length - ids.length;
  const lanesKey = lanes.join('|');
  const lane = (name) => laneOf(view, name);
  return html`<div class="ladder" role="list" aria-label="exchanges in time order">
    <div class="lane-heads" style=${`--lanes:${lanes.length}`}>
      <div class="time">time</div>
      <div class="lanes">
        ${lanes.map((l) => {
          const d = view.devices.get(l);
          return html`<div class="lane-head">
            <div class="lane-name">${l}</div>
            <div class="lane-kind">${d?.kind ?? ''}</div>
          </div>`;
        })}
      </div>
    </div>
    ${
      hidden > 0
        ? html`<button class="show-all" onClick=${onShowAll}>show ${hidden} earlier exchanges</button>`
        : null
    }
    ${ids.map((id) => {
      const row = view.rows.get(id);
      return html`<${Row}
        key=${id}
        row=${row}
        lanes=${lanes}
        lane=${lane}
        lanesKey=${lanesKey}
        selected=${selected === id}
        onSelect=${onSelect}
      />`;
    })}
    ${view.order.length === 0 ? html`<div class="empty">No exchange yet.</div>` : null}
  </div>`;
}
