// Each phone's screen as its user sees it: the registration line, the latest status message, the
// Status Messages list, the Trust List menu (the MD5 of the CTL and ITL held) and the call's icon.
import { html } from 'uclab/html.js';

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

export function Screens({ view, range }) {
  const screens = [...view.screens.values()];
  if (screens.length === 0) return null;
  const highlight = (seq) => range !== null && seq >= range[0] && seq <= range[1];
  return html`<div class="screens">
    ${screens.map((s) => html`<${Screen} key=${s.device} s=${s} highlight=${highlight} />`)}
  </div>`;
}
