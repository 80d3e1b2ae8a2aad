// A report file: every variant of the run, each with the same picture, ladder, screens and logs as
// the live page, from the view embedded in the file. Needs no network and no server.
import { render } from 'preact';
import { html } from 'uclab/html.js';
import { moveSelection, Panels, scrollLogsToEnd } from 'uclab/panels.js';
import { viewFromSnapshot } from 'uclab/store.js';

const data = JSON.parse(document.getElementById('uclab-report').textContent);
const variants = data.variants.map((v) => ({ ...v, view: viewFromSnapshot(v.view) }));
const state = { current: 0, ui: { selected: null, device: null, showAll: false } };
const scenarios = [...new Set(variants.map((v) => v.scenario))];

function choose(i) {
  if (i < 0 || i >= variants.length) return;
  state.current = i;
  state.ui = { selected: null, device: null, showAll: false };
  draw();
}

function Steps({ v }) {
  return html`<ol class="step-list report-steps">
    ${v.steps.map(
      (s) => html`<li class=${`step state-${s.held ? (s.type === 'expect' ? 'held' : 'done') : 'failed'}`}>
        <span class="step-mark">${s.held ? '✓' : '✗'}</span> ${s.index}. ${s.title}
        <div class="step-explain">${s.explain}</div>
        ${s.type === 'expect' || !s.held ? html`<div class=${s.held ? 'saw' : 'why'}>saw: ${s.error ?? s.saw}</div>` : null}
      </li>`,
    )}
  </ol>`;
}

function Report() {
  const v = variants[state.current];
  return html`<div class="app report">
    <header class="top">
      <h1>uclab <span class="muted">report · ${data.generated}</span></h1>
      ${
        scenarios.length > 1
          ? html`<label class="field">
              <span>scenario</span>
              <select
                aria-label="scenario"
                value=${v?.scenario ?? ''}
                onChange=${(e) => {
                  choose(variants.findIndex((x) => x.scenario === e.currentTarget.value));
                }}
              >
                ${scenarios.map((id) => {
                  const bad = variants.some((x) => x.scenario === id && x.outcome !== 'passed');
                  return html`<option value=${id}>${id}${bad ? ' (not passed)' : ''}</option>`;
                })}
              </select>
            </label>`
          : null
      }
      <nav class="variant-tabs" aria-label="variants">
        ${variants.map((x, i) =>
          x.scenario !== v?.scenario
            ? null
            : html`<button
                class=${`tab tone-${x.outcome === 'passed' ? 'ok' : 'bad'}`}
                aria-pressed=${i === state.current}
                onClick=${() => choose(i)}
              >
                ${x.scenario} [${x.variant}] ${x.outcome}
              </button>`,
        )}
      </nav>
    </header>
    ${
      v
        ? html`<div class="steps">
              <div class="scenario-head">
                <div class="scenario-title">${v.title}</div>
                <div class="scenario-variant">
                  variant <b>${v.variant}</b>${': '}${v.explain}${' — '}
                  <span class=${`tone-${v.outcome === 'passed' ? 'ok' : 'bad'}`}>${v.outcome}${v.reason ? `: ${v.reason}` : ''}</span>
                </div>
              </div>
              <${Steps} v=${v} />
            </div>
            <${Panels}
              view=${v.view}
              ui=${state.ui}
              onUi=${(u) => {
                state.ui = { ...state.ui, ...u };
                draw();
              }}
            />`
        : html`<div class="empty">This report holds no variant.</div>`
    }
    <footer class="keys">keys: [ ] previous/next variant · ↑ ↓ exchanges · Esc clear</footer>
  </div>`;
}

function draw() {
  render(html`<${Report} />`, document.getElementById('app'));
  scrollLogsToEnd(state.ui);
}

document.addEventListener('keydown', (e) => {
  if (e.key === '[' || e.key === ']') {
    state.current = Math.max(0, Math.min(variants.length - 1, state.current + (e.key === ']' ? 1 : -1)));
    state.ui = { selected: null, device: null, showAll: false };
  } else {
    const v = variants[state.current];
    const moved = v ? moveSelection(v.view, state.ui, e.key) : null;
    if (!moved) return;
    state.ui = { ...state.ui, ...moved };
  }
  e.preventDefault();
  draw();
  if (state.ui.selected) {
    document
      .querySelector(`[data-row="${CSS.escape(state.ui.selected)}"]`)
      ?.scrollIntoView({ block: 'nearest' });
  }
});

draw();
