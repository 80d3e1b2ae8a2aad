// Each phone's screen as its user sees it: the registration line, the latest status message, the
// Status Messages list, the Trust List menu (the MD5 of the CTL and ITL held) and the call's icon.
import { html } from 'uclab/html.js';
import { inFleet } from 'uclab/store.js';

function LockIcon() {
  return html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
    <rect x="5" y="10" width="14" height="11" rx="2" />
    <path d="M8 10V7a4 4 0 0 1 8 0v3" fill="none" stroke-width="2.5" />
  </svg>`;
}

function ShieldIcon() {
  return html`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
    <path d="M12 2 4 5v6c0 5 3.5 9.5 8 11 4.5-1.5 8-6 8-11V5z" />
  </svg>`;
}

const ICON_NAME = {
  lock: 'Encrypted (lock)',
  shield: 'Authenticated (shield)',
  none: 'Not secure (no icon)',
};

function Screen({ s, highlight }) {
  const latest = s.status[s.status.length - 1];
  return html`<section class="phone" data-phone=${s.device} aria-label=${`screen of ${s.device}`}>
    <header>
      <span class="phone-name">${s.device}</span>
      <span class="phone-model">${s.model ?? s.kind ?? ''}</span>
    </header>
    <div class="lcd">
      <div class=${`reg tone-${s.registration?.tone ?? 'info'}`}>
        <span class="dot"></span>
        ${s.registration ? `${s.registration.state}${s.registration.detail ? ` — ${s.registration.detail}` : ''}` : 'no registration yet'}
      </div>
      ${latest ? html`<div class=${`status-now tone-${latest.tone}`}>${latest.text}</div>` : null}
      ${
        s.call
          ? html`<div class=${`call tone-${s.call.tone}`}>
              ${s.call.icon === 'lock' ? html`<${LockIcon} />` : s.call.icon === 'shield' ? html`<${ShieldIcon} />` : null}
              call with ${s.call.peer}: ${s.call.state}, ${s.call.media}, ${ICON_NAME[s.call.icon] ?? s.call.icon}
            </div>`
          : null
      }
      <div class="menu">
        <div class="menu-title">Status Messages</div>
        ${s.status.length === 0 ? html`<div class="muted">none</div>` : null}
        ${s.status.map(
          (m) =>
            html`<div class=${`msg tone-${m.tone}${highlight(m.seq) ? ' in-range' : ''}`}>${m.text}</div>`,
        )}
      </div>
      ${
        s.kind !== 'jabber'
          ? html`<div class="menu trust">
              <div class="menu-title">Trust List</div>
              <div>CTL File: <code>${s.trustList.ctl ?? '—'}</code></div>
              <div>ITL File: <code>${s.trustList.itl ?? '—'}</code></div>
              ${s.capf ? html`<div class=${`tone-${s.capf.tone}`}>LSC: ${s.capf.status} (${s.capf.operation})</div>` : null}
            </div>`
          : null
      }
    </div>
  </section>`;
}

/**
 * A fleet's phones as tiles, coloured by registration, each with its latest status message: a class
 * sees at a glance which phones lost trust. Clicking a tile shows that phone's screen beneath.
 */
function FleetTiles({ screens, focus, onSelect }) {
  const counts = new Map();
  for (const s of screens) {
    const state = s.registration?.state ?? 'not booted';
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return html`<section class="fleet" aria-label="the fleet's phones">
    <header>
      ${screens.length} phones:
      ${[...counts].map(([state, n]) => html`<span class="fleet-count">${n} ${state}</span>`)}
    </header>
    <div class="tiles">
      ${screens.map((s) => {
        const latest = s.status[s.status.length - 1];
        return html`<button
          key=${s.device}
          class=${`tile tone-${s.registration?.tone ?? 'info'}${focus === s.device ? ' selected' : ''}`}
          data-tile=${s.device}
          title=${`${s.device} ${s.model ?? ''}: ${s.registration?.state ?? 'not booted'}${latest ? ` — ${latest.text}` : ''}`}
          onClick=${() => onSelect(s.device)}
        >
          <span class="tile-name">${s.device.slice(-4)}</span>
          <span class="tile-status">${latest?.text ?? ''}</span>
        </button>`;
      })}
    </div>
  </section>`;
}

export function Screens({ view, range, focus = null, onSelect = () => {} }) {
  const screens = [...view.screens.values()];
  if (screens.length === 0) return null;
  const highlight = (seq) => range !== null && seq >= range[0] && seq <= range[1];
  const fleet = screens.filter((s) => inFleet(view, s.device));
  const own = screens.filter((s) => !inFleet(view, s.device));
  // Beneath the tiles, one phone's screen: the one chosen, else the first whose registration is not
  // right (unregistered, rejected), as a class asks "what does that one say?".
  const wrong = (s) => s.registration?.tone === 'bad' || s.registration?.tone === 'warn';
  const shown = fleet.find((s) => s.device === focus) ?? fleet.find(wrong) ?? null;
  return html`<div class="screens">
    ${fleet.length > 0 ? html`<${FleetTiles} screens=${fleet} focus=${shown?.device} onSelect=${onSelect} />` : null}
    ${shown ? html`<${Screen} key=${shown.device} s=${shown} highlight=${highlight} />` : null}
    ${own.map((s) => html`<${Screen} key=${s.device} s=${s} highlight=${highlight} />`)}
  </div>`;
}
