// The live page: follows the server's event stream (server-sent events: a `reset`, then patches) and
// draws the lab; the controls drive the run through the server's small JSON API.
import { render } from 'preact';
import { Controls, KEYS, StepPanel } from 'uclab/controls.js';
import { html } from 'uclab/html.js';
import { moveSelection, Panels, scrollLogsToEnd } from 'uclab/panels.js';
import { applyPatches, emptyView, viewFromSnapshot } from 'uclab/store.js';

const state = {
  generation: 0,
  view: emptyView(),
  control: {
    mode: 'idle',
    scenario: null,
    variant: null,
    stepping: true,
    waiting: null,
    running: false,
    outcome: null,
    reason: null,
    attached: null,
    error: null,
  },
  catalogue: [],
  choice: { scenario: null, variant: null, stepping: true },
  ui: { selected: null, device: null, showAll: false },
  connected: false,
  applied: 0,
  draws: 0,
  drawMs: 0,
};

async function post(path, body = {}) {
  const r = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await r.json().catch(() => ({ ok: false, message: `HTTP ${r.status}` }));
  if (!answer.ok) {
    state.control = { ...state.control, error: answer.message };
    schedule();
  }
  return answer;
}

const api = {
  start: () =>
    post('/api/run', {
      scenario: state.choice.scenario,
      variant: state.choice.variant ?? undefined,
      stepping: state.choice.stepping,
    }),
  next: () => post('/api/next'),
  runToEnd: () => post('/api/continue'),
  restart: () => post('/api/restart'),
};

function App() {
  return html`<div class="app">
    <header class="top">
      <h1>uclab <span class="muted">trainer's view</span></h1>
      <${Controls}
        control=${state.control}
        catalogue=${state.catalogue}
        choice=${state.choice}
        onChoice=${(c) => {
          state.choice = { ...state.choice, ...c };
          schedule();
        }}
        api=${api}
      />
    </header>
    ${state.connected ? null : html`<div class="banner tone-warn">connecting to the lab…</div>`}
    <${StepPanel} control=${state.control} steps=${state.view.steps} api=${api} />
    <${Panels}
      view=${state.view}
      ui=${state.ui}
      onUi=${(u) => {
        state.ui = { ...state.ui, ...u };
        schedule();
      }}
    />
    <footer class="keys">${KEYS}</footer>
  </div>`;
}

const root = document.getElementById('app');
let pending = false;
let scrollToSelection = false;

function draw() {
  pending = false;
  const started = performance.now();
  const ladder = document.querySelector('.ladder-panel');
  const atBottom = ladder ? ladder.scrollTop + ladder.clientHeight >= ladder.scrollHeight - 40 : true;
  render(html`<${App} />`, root);
  document.body.dataset.events = String(state.view.lab.events);
  document.body.dataset.applied = String(state.applied);
  document.body.dataset.generation = String(state.generation);
  const after = document.querySelector('.ladder-panel');
  if (scrollToSelection && state.ui.selected) {
    document
      .querySelector(`[data-row="${CSS.escape(state.ui.selected)}"]`)
      ?.scrollIntoView({ block: 'nearest' });
  } else if (after && atBottom && !state.ui.selected) {
    after.scrollTop = after.scrollHeight;
  }
  scrollToSelection = false;
  scrollLogsToEnd(state.ui);
  // How much main-thread time drawing has cost (bench/ui.bench.ts reads it).
  state.draws += 1;
  state.drawMs += performance.now() - started;
  document.body.dataset.draws = String(state.draws);
  document.body.dataset.drawMs = state.drawMs.toFixed(1);
}

function schedule() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(draw);
}

function onReset(msg) {
  state.generation = msg.generation;
  state.view = viewFromSnapshot(msg.view);
  state.control = msg.control;
  state.ui = { selected: null, device: null, showAll: false };
  if (msg.control.scenario) {
    state.choice = { ...state.choice, scenario: msg.control.scenario.id, variant: msg.control.variant };
  }
  schedule();
}

function connect() {
  const es = new EventSource('/events');
  es.addEventListener('open', () => {
    state.connected = true;
    schedule();
  });
  es.addEventListener('error', () => {
    state.connected = false;
    schedule();
  });
  es.addEventListener('reset', (m) => onReset(JSON.parse(m.data)));
  es.addEventListener('patch', (m) => {
    const msg = JSON.parse(m.data);
    if (msg.generation !== state.generation) return;
    applyPatches(state.view, msg.patches);
    state.applied += msg.patches.length;
    schedule();
  });
  es.addEventListener('control', (m) => {
    const msg = JSON.parse(m.data);
    if (msg.generation !== state.generation) return;
    state.control = msg.control;
    schedule();
  });
}

document.addEventListener('keydown', (e) => {
  const t = e.target;
  // Keys go to the field being typed in (a select jumps to an option by letter); a checkbox types nothing.
  const typing = t instanceof HTMLSelectElement || (t instanceof HTMLInputElement && t.type !== 'checkbox');
  if (typing || e.altKey || e.ctrlKey || e.metaKey) return;
  const key = e.key;
  const lower = key.length === 1 ? key.toLowerCase() : key;
  if (lower === 'n' || (key === 'ArrowRight' && state.control.waiting)) {
    if (state.control.waiting) void api.next();
  } else if (lower === 'c') void api.runToEnd();
  else if (lower === 'r') void api.restart();
  else if (lower === 's') {
    if (state.choice.scenario) void api.start();
  } else if (/^[1-9]$/.test(key)) {
    const s = state.catalogue.find((x) => x.id === state.choice.scenario);
    const v = s?.variants[Number(key) - 1];
    if (v) state.choice = { ...state.choice, variant: v.name };
  } else {
    const moved = moveSelection(state.view, state.ui, key);
    if (!moved) return;
    state.ui = { ...state.ui, ...moved };
    scrollToSelection = true;
  }
  e.preventDefault();
  schedule();
});

fetch('/api/catalogue')
  .then((r) => r.json())
  .then((c) => {
    state.catalogue = c.scenarios;
    if (!state.choice.scenario && c.initial) state.choice = { ...state.choice, ...c.initial };
    schedule();
  })
  .catch(() => {
    state.control = { ...state.control, error: 'the catalogue could not be loaded' };
    schedule();
  });
connect();
schedule();
