// The trainer's controls: which scenario and variant, step by step or to the end, start and restart,
// and the held step's explanation shown before it runs. Every control is a real button or field, so
// Tab reaches it; the keys are listed on the page.
import { html } from 'uclab/html.js';

export const KEYS =
  'keys: N next step · C run to end · R restart · S start · 1–9 variant · ↑ ↓ exchanges · Esc clear';

export function Controls({ control, catalogue, choice, onChoice, api }) {
  const scenario = catalogue.find((s) => s.id === choice.scenario) ?? null;
  const status = control.error
    ? html`<span class="status tone-bad">${control.error}</span>`
    : control.running
      ? html`<span class="status tone-info">${control.waiting ? 'paused before a step' : 'running'}</span>`
      : control.outcome
        ? html`<span class=${`status tone-${control.outcome === 'passed' ? 'ok' : 'bad'}`}>
            ${control.outcome.toUpperCase()}${control.reason ? `: ${control.reason}` : ''}
          </span>`
        : control.mode === 'attach'
          ? html`<span class="status tone-info">attached to ${control.attached?.lab}</span>`
          : null;
  return html`<div class="controls">
    <label class="field">
      <span>scenario</span>
      <select
        value=${choice.scenario ?? ''}
        onChange=${(e) => onChoice({ scenario: e.currentTarget.value, variant: null })}
        aria-label="scenario"
      >
        <option value="" disabled>choose a scenario</option>
        ${catalogue.map((s) => html`<option value=${s.id}>${s.id}</option>`)}
      </select>
    </label>
    <div class="variants" role="radiogroup" aria-label="variant">
      ${(scenario?.variants ?? []).map(
        (v, i) => html`<button
          role="radio"
          aria-checked=${(choice.variant ?? scenario?.variants[0]?.name) === v.name}
          class="variant"
          title=${v.explain}
          onClick=${() => onChoice({ ...choice, variant: v.name })}
        >
          <kbd>${i + 1}</kbd> ${v.name}
        </button>`,
      )}
    </div>
    <label class="field check">
      <input
        type="checkbox"
        checked=${choice.stepping}
        onChange=${(e) => onChoice({ ...choice, stepping: e.currentTarget.checked })}
      />
      <span>step by step</span>
    </label>
    <button class="primary" disabled=${!scenario} onClick=${() => api.start()}><kbd>S</kbd> start</button>
    <button disabled=${control.mode === 'idle'} onClick=${() => api.restart()}><kbd>R</kbd> restart</button>
    ${status}
  </div>`;
}

export function StepPanel({ control, steps, api }) {
  const list = [...steps.values()].sort((a, b) => a.index - b.index);
  if (list.length === 0 && !control.scenario) return null;
  const held = control.waiting;
  return html`<div class="steps">
    ${
      control.scenario
        ? html`<div class="scenario-head">
            <div class="scenario-title">${control.scenario.title}</div>
            <div class="scenario-variant">
              variant <b>${control.variant}</b>${': '}${control.scenario.variants.find((v) => v.name === control.variant)?.explain ?? ''}
            </div>
          </div>`
        : null
    }
    ${
      held
        ? html`<div class="held" aria-live="polite">
            <div class="held-title">Next: step ${held.index} of ${list.length} — ${held.title}</div>
            <div class="held-explain">${held.explain}</div>
            <div class="held-buttons">
              <button class="primary big" onClick=${() => api.next()}><kbd>N</kbd> run this step</button>
              <button onClick=${() => api.runToEnd()}><kbd>C</kbd> run to the end</button>
            </div>
          </div>`
        : null
    }
    <ol class="step-list">
      ${list.map((s) => {
        // Held before a step: the steps before it have ended, actions included.
        const state = held && s.index < held.index && s.state === 'running' ? 'done' : s.state;
        return html`<li class=${`step state-${state}${held?.index === s.index ? ' next' : ''}`} title=${s.explain}>
          <span class="step-mark">${{ pending: '○', running: '▶', done: '✓', held: '✓', failed: '✗' }[state]}</span>
          ${s.index}. ${s.title}
          ${s.state === 'failed' && s.saw ? html`<span class="why"> saw: ${s.saw}</span>` : null}
        </li>`;
      })}
    </ol>
  </div>`;
}
