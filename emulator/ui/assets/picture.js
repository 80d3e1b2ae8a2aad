// The lab picture: each device as a box (name, kind, address, listening ports, its state at a glance)
// where the layout put it, and a line for each pair of devices that have exchanged something,
// coloured by how their last exchange went. SVG with a viewBox, so it scales to its panel.
import { html } from 'uclab/html.js';
import { inFleet } from 'uclab/store.js';

// The same sizes as emulator/ui/layout.ts uses to place the boxes.
const W = 390;
const PORTS_PER_LINE = 3;

function boxHeight(d) {
  return 74 + Math.ceil(d.ports.length / PORTS_PER_LINE) * 22 + d.badges.length * 30;
}

/** Positions from the layout; devices it does not place yet go in a row beneath. */
function positions(view) {
  const pos = new Map();
  let width = 0;
  let height = 0;
  for (const n of view.layout?.nodes ?? []) {
    if (!view.devices.has(n.name)) continue;
    pos.set(n.name, n);
    width = Math.max(width, n.x + n.w + 16);
    height = Math.max(height, n.y + n.h + 16);
  }
  let x = 16;
  const y = height + 16;
  let rowH = 0;
  for (const d of view.devices.values()) {
    if (pos.has(d.name) || inFleet(view, d.name)) continue;
    const h = boxHeight(d);
    pos.set(d.name, { name: d.name, x, y, w: W, h });
    x += W + 40;
    rowH = Math.max(rowH, h);
  }
  if (rowH > 0) height = y + rowH + 16;
  width = Math.max(width, x);
  return { pos, width: Math.max(width, 320), height: Math.max(height, 120) };
}

/** Where the line between two boxes leaves the first one (towards the other's centre). */
function edgePoint(a, b) {
  const ax = a.x + a.w / 2;
  const ay = a.y + a.h / 2;
  const dx = b.x + b.w / 2 - ax;
  const dy = b.y + b.h / 2 - ay;
  if (dx === 0 && dy === 0) return [ax, ay];
  const sx = dx === 0 ? Number.POSITIVE_INFINITY : a.w / 2 / Math.abs(dx);
  const sy = dy === 0 ? Number.POSITIVE_INFINITY : a.h / 2 / Math.abs(dy);
  const s = Math.min(sx, sy);
  return [ax + dx * s, ay + dy * s];
}

function portLines(d) {
  const names = d.ports.map((p) => (p.service ? `${p.port} ${p.service}` : `${p.port}/${p.proto}`));
  const lines = [];
  for (let i = 0; i < names.length; i += PORTS_PER_LINE)
    lines.push(names.slice(i, i + PORTS_PER_LINE).join(' · '));
  return lines;
}

function Device({ d, p, selected, onSelect }) {
  const ports = portLines(d);
  const badgesTop = 66 + ports.length * 22;
  return html`<g
    class=${`device ${d.running ? '' : 'stopped'} ${selected ? 'selected' : ''}`}
    transform=${`translate(${p.x},${p.y})`}
    data-device=${d.name}
    onClick=${() => onSelect(d.name)}
  >
    <rect class="box" width=${p.w} height=${p.h} rx="10" />
    <text class="name" x="14" y="30">${d.name}</text>
    <text class="meta" x="14" y="54">${d.kind ?? 'device'}${d.address ? ` · ${d.address}` : ''}</text>
    ${ports.map((line, i) => html`<text class="ports" x="14" y=${78 + i * 22}>${line}</text>`)}
    ${d.badges.map(
      (b, i) => html`<g class=${`badge tone-${b.tone}`} transform=${`translate(10,${badgesTop + i * 30})`}>
        <rect width=${p.w - 20} height="26" rx="5" />
        <text x="10" y="19">${b.label}: ${b.value}</text>
      </g>`,
    )}
  </g>`;
}

export function Picture({ view, selectedDevice, onSelectDevice }) {
  const { pos, width, height } = positions(view);
  const links = [...view.links.values()].filter((l) => pos.has(l.from) && pos.has(l.to));
  return html`<svg
    class="picture"
    viewBox=${`0 0 ${width} ${height}`}
    preserveAspectRatio="xMidYMin meet"
    role="img"
    aria-label="lab picture"
  >
    ${links.map((l) => {
      const a = pos.get(l.from);
      const b = pos.get(l.to);
      const [x1, y1] = edgePoint(a, b);
      const [x2, y2] = edgePoint(b, a);
      const mx = (x1 + x2) / 2;
      const my = (y1 + y2) / 2;
      return html`<g class=${`link tone-${l.lastTone}`} data-link=${l.id}>
        <line x1=${x1} y1=${y1} x2=${x2} y2=${y2} />
        <text class="link-label" x=${mx} y=${my - 8} text-anchor="middle">${l.services.join(', ')}</text>
        <text x=${mx} y=${my + 20} text-anchor="middle" class="link-label link-count">
          ${l.count}×${l.failed > 0 ? ` · ${l.failed} failed` : ''}
        </text>
      </g>`;
    })}
    ${[...view.devices.values()]
      .filter((d) => !inFleet(view, d.name))
      .map(
        (d) =>
          html`<${Device}
          key=${d.name}
          d=${d}
          p=${pos.get(d.name)}
          selected=${selectedDevice === d.name}
          onSelect=${onSelectDevice}
        />`,
      )}
  </svg>`;
}
