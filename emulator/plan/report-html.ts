/**
 * `uclab plan PLAN --report FILE.html` (and `uclab merge-reports ... --report FILE.html`): the
 * trainer's view of a fleet run as one self-contained HTML file. It shows the plan's steps with the
 * fleet's outcome counts over them, the summary table by model, firmware and outcome, and per phone
 * group its phones with their end state, the step where each changed and the reason in the phone's
 * own words.
 *
 * Same approach as `uclab run --report` (emulator/ui/report.ts, page.ts): nothing is fetched (no
 * script at all: the page is rendered here; the style is inline and allowed by its hash in the
 * Content-Security-Policy), every string from the run is escaped, and the JSON report rides along
 * in a non-executed `application/json` block for whoever wants the data back.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { err, ok, type Result, type UclabError } from '../result.ts';
import { escapeHtml, scriptSafeJson } from '../ui/page.ts';
import { BROKEN_OUTCOMES, OUTCOMES, type PhoneResult, type PhoneState, type PlanReport } from './report.ts';

/** The states in the order the page shows them, with the words a UC team uses for them. */
export const STATE_LABELS: Readonly<Record<PhoneState, string>> = {
  trusted: 'trusted and registered',
  'recovered-tvs': 'recovered through TVS',
  'lost-trust': 'lost trust (utils itl reset or delete the trust list)',
  unregistered: 'unregistered',
  'lsc-invalid': 'LSC invalid (needs a new LSC)',
  'config-unreadable': 'config unreadable (encrypted config)',
  offline: 'switched off',
};
const STATES: readonly PhoneState[] = [...OUTCOMES, 'offline'];

/** Fill colours of the step bars: good states green and blue, broken ones warm, off grey. */
const COLOURS: Readonly<Record<PhoneState, string>> = {
  trusted: '#2e7d32',
  'recovered-tvs': '#1565c0',
  'lost-trust': '#c62828',
  unregistered: '#ef6c00',
  'lsc-invalid': '#6a1b9a',
  'config-unreadable': '#ad1457',
  offline: '#9e9e9e',
};

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}
.verdict{font-weight:600;padding:6px 10px;display:inline-block;border-radius:4px}
.verdict.passed{background:#e8f5e9;color:#1b5e20}.verdict.failed{background:#ffebee;color:#b71c1c}
table{border-collapse:collapse;margin:6px 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.n{text-align:right;font-variant-numeric:tabular-nums}td.zero{color:#bbb}
.broken{color:#b71c1c;font-weight:600}.legend span{margin-right:14px;white-space:nowrap}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
details{margin:8px 0}summary{cursor:pointer;font-weight:600}
td.reason{font-family:ui-monospace,monospace;font-size:12px;max-width:70em;word-break:break-word}
.meta{color:#555}
`;

const e = (s: string | number | null | undefined): string => escapeHtml(String(s ?? ''));

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

function isBroken(o: PhoneState): boolean {
  return (BROKEN_OUTCOMES as readonly string[]).includes(o);
}

/** A stacked bar of one step's counts (SVG attributes, not inline styles: the CSP allows no style attribute). */
function stepBar(counts: Record<PhoneState, number>, total: number): string {
  const width = 240;
  let x = 0;
  const rects = STATES.filter((s) => counts[s] > 0).map((s) => {
    const w = total > 0 ? (counts[s] / total) * width : 0;
    const r = `<rect x="${x.toFixed(2)}" y="0" width="${w.toFixed(2)}" height="14" fill="${COLOURS[s]}"><title>${e(
      `${counts[s]} ${STATE_LABELS[s]}`,
    )}</title></rect>`;
    x += w;
    return r;
  });
  return `<svg width="${width}" height="14" role="img">${rects.join('')}</svg>`;
}

function stepsSection(r: PlanReport): string {
  const info = new Map(r.steps.map((s) => [s.id, s]));
  const total = r.phones.length;
  const head = r.byStep
    .map((s) => {
      const i = info.get(s.step);
      return `<th data-step="${e(s.step)}">${e(s.step)}<div class="meta">${e(i ? i.title || i.op : '')}</div></th>`;
    })
    .join('');
  const rows = STATES.map((state) => {
    const cells = r.byStep
      .map((s) => {
        const n = s.counts[state] ?? 0;
        return `<td class="n${n === 0 ? ' zero' : ''}" data-step="${e(s.step)}" data-state="${state}">${n}</td>`;
      })
      .join('');
    return `<tr data-state="${state}"><th class="${isBroken(state) ? 'broken' : ''}">${e(STATE_LABELS[state])}</th>${cells}</tr>`;
  }).join('');
  const bars = r.byStep.map((s) => `<td>${stepBar(s.counts, total)}</td>`).join('');
  const activity = r.byStep
    .map((s) => {
      const i = info.get(s.step);
      if (!i) return '<td></td>';
      const parts = [`${i.resets} reset(s)`, `${i.boots} boot(s)`];
      if (i.unsettled.length > 0) parts.push(`${i.unsettled.length} unsettled`);
      const failures = i.adminFailures.map((f) => `<div class="broken">${e(f)}</div>`).join('');
      return `<td class="meta">${e(parts.join(', '))}${failures}</td>`;
    })
    .join('');
  const legend = STATES.map(
    (s) =>
      `<span><svg class="swatch" width="10" height="10"><rect width="10" height="10" fill="${COLOURS[s]}"/></svg>${e(STATE_LABELS[s])}</span>`,
  ).join('');
  return `<section id="steps"><h2>The fleet over the plan's steps</h2>
<table class="by-step"><thead><tr><th>phones after the step</th>${head}</tr></thead>
<tbody>${rows}<tr class="bars"><th>fleet</th>${bars}</tr><tr class="activity"><th>what the step did</th>${activity}</tr></tbody></table>
<div class="legend">${legend}</div></section>`;
}

function summarySection(r: PlanReport): string {
  const rows = r.summary
    .map(
      (s) =>
        `<tr data-group="${e(s.group)}" data-outcome="${e(s.outcome)}"><td>${e(s.group)}</td><td>${e(s.model)}</td><td>${e(
          s.firmware,
        )}</td><td class="${isBroken(s.outcome) ? 'broken' : ''}">${e(STATE_LABELS[s.outcome] ?? s.outcome)}</td><td class="n">${s.phones}</td></tr>`,
    )
    .join('');
  return `<section id="summary"><h2>Summary by model, firmware and outcome</h2>
<table class="summary"><thead><tr><th>group</th><th>model</th><th>firmware</th><th>outcome</th><th>phones</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function phoneRow(p: PhoneResult, steps: readonly string[]): string {
  const states = steps.map((_, i) => p.states[i] ?? '').join(' → ');
  return `<tr data-phone="${e(p.name)}" data-outcome="${e(p.outcome)}"><td>${e(p.name)}</td><td>${e(p.model)}</td><td>${e(
    p.firmware,
  )}</td><td class="${isBroken(p.outcome) ? 'broken' : ''}">${e(STATE_LABELS[p.outcome] ?? p.outcome)}</td><td>${e(
    p.changedAt ?? 'start',
  )}</td><td class="reason">${e(p.reason)}</td><td class="meta">${e(states)}</td></tr>`;
}

function groupsSection(r: PlanReport): string {
  const groups = new Map<string, PhoneResult[]>();
  for (const p of r.phones) groups.set(p.group, [...(groups.get(p.group) ?? []), p]);
  const sections = [...groups.entries()].map(([group, phones]) => {
    const broken = phones.filter((p) => isBroken(p.outcome)).length;
    const counts = STATES.map((s) => [s, phones.filter((p) => p.outcome === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${STATE_LABELS[s]}`)
      .join(', ');
    // Broken groups open, the rest folded: the page stays readable at thousands of phones.
    return `<details class="group" data-group="${e(group)}"${broken > 0 ? ' open' : ''}><summary>${e(group)}: ${phones.length} phone(s), ${e(
      counts,
    )}</summary>
<table class="phones"><thead><tr><th>phone</th><th>model</th><th>firmware</th><th>end state</th><th>changed after</th><th>reason (the phone's words)</th><th>state after each step</th></tr></thead>
<tbody>${phones.map((p) => phoneRow(p, r.plan.steps)).join('')}</tbody></table></details>`;
  });
  return `<section id="groups"><h2>Phones by group</h2>${sections.join('\n')}</section>`;
}

/** The whole page for one report (a run, or shards merged). */
export function planReportHtml(r: PlanReport): string {
  const verdict = `${r.broken} of ${r.phones.length} phones broken (allowed ${r.allowBroken}): ${
    r.passed ? 'plan passes' : 'plan fails'
  }`;
  const shards =
    r.shards.of > 1 ? `shards ${r.shards.covered.map((s) => `${s}/${r.shards.of}`).join(', ')} merged; ` : '';
  const csp = [
    "default-src 'none'",
    `style-src ${sha256(CSS)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `uclab plan ${r.plan.id}: ${r.passed ? 'passes' : 'fails'}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body data-mode="plan-report">
<header><h1>${e(r.plan.title ?? r.plan.id)}</h1>
<div class="meta">plan ${e(r.plan.id)} (${e(r.plan.digest)}); ${e(shards)}fleet of ${r.fleetSize}; ${(r.durationMs / 1000).toFixed(1)} s</div>
<p class="verdict ${r.passed ? 'passed' : 'failed'}">${e(verdict)}</p></header>
${stepsSection(r)}
${summarySection(r)}
${groupsSection(r)}
<script type="application/json" id="uclab-plan-report">${scriptSafeJson(r)}</script>
</body>
</html>
`;
}

/** Writes the page; a file that cannot be written is an error value naming it. */
export function writePlanReportHtml(file: string, report: PlanReport): Result<string, UclabError> {
  try {
    writeFileSync(file, planReportHtml(report));
    return ok(file);
  } catch (x) {
    return err({
      code: 'plan.report.write',
      message: `cannot write the report ${file}: ${(x as Error).message}`,
    });
  }
}
