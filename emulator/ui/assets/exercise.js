// The exercise panel of the live page: shown while the page is attached to a lab started with
// `uclab up <scenario> --exercise`. "Check my fix" asks the lab whether the symptom is gone (the same
// check as `uclab check DIR`), "Hint" gives the next hint. Every string is set as text, never as HTML.

const POLL_MS = 2000;

function el(tag, attrs = {}, text = '') {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

async function post(path) {
  const r = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  return r.json();
}

function panel() {
  const root = el('section', { class: 'exercise', 'aria-label': 'exercise', hidden: '' });
  const title = el('h2', {}, 'Exercise');
  const task = el('p', { class: 'exercise-task' });
  const buttons = el('div', { class: 'exercise-buttons' });
  const check = el('button', { class: 'primary', type: 'button' }, 'Check my fix');
  const hint = el('button', { type: 'button' }, 'Hint');
  buttons.append(check, hint);
  const verdict = el('p', { class: 'exercise-verdict', role: 'status', 'aria-live': 'polite' });
  const lines = el('ol', { class: 'exercise-lines' });
  const text = el('pre', { class: 'exercise-text' });
  root.append(title, task, buttons, verdict, lines, text);

  const busy = (on) => {
    check.disabled = on;
    hint.disabled = on;
  };
  check.addEventListener('click', async () => {
    busy(true);
    verdict.textContent = 'checking…';
    verdict.className = 'exercise-verdict';
    lines.replaceChildren();
    try {
      const a = await post('/api/exercise/check');
      if (!a.ok || a.data?.kind !== 'check') {
        verdict.textContent = a.message ?? a.output ?? 'the check did not run';
        verdict.className = 'exercise-verdict tone-bad';
        return;
      }
      const report = a.data.report;
      verdict.textContent = report.solved ? 'Solved: the symptom is gone.' : 'Not solved yet.';
      verdict.className = `exercise-verdict ${report.solved ? 'tone-ok' : 'tone-bad'}`;
      for (const l of report.lines) {
        const li = el('li', { class: l.held ? 'held' : 'not-held' });
        const mark = l.type === 'action' ? (l.held ? 'done' : 'failed') : l.held ? 'held' : 'not held';
        li.append(el('span', { class: 'exercise-mark' }, mark), ' ', el('span', {}, l.title));
        if (l.type === 'expect' || !l.held) li.append(el('div', { class: 'exercise-saw' }, `saw: ${l.saw}`));
        lines.append(li);
      }
      text.textContent = a.data.explanation ?? '';
    } finally {
      busy(false);
    }
  });
  hint.addEventListener('click', async () => {
    busy(true);
    try {
      const a = await post('/api/exercise/hint');
      const d = a.data;
      text.textContent = !a.ok
        ? (a.message ?? 'no hint')
        : d?.kind === 'hint' && !d.solved
          ? `Hint ${d.index} of ${d.of}: ${d.hint}`
          : (d?.explanation ?? a.output);
    } finally {
      busy(false);
    }
  });

  let shown = null;
  const poll = async () => {
    try {
      const r = await fetch('/api/exercise');
      const { exercise } = await r.json();
      const key = exercise ? `${exercise.scenario}\n${exercise.task}` : null;
      if (key !== shown) {
        shown = key;
        root.hidden = !exercise;
        task.textContent = exercise ? exercise.task : '';
        verdict.textContent = '';
        lines.replaceChildren();
        text.textContent = '';
      }
    } catch {
      // The server went away: the panel keeps what it shows.
    }
    setTimeout(poll, POLL_MS);
  };
  void poll();
  return root;
}

document.body.append(panel());
