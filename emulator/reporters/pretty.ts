/** The human timeline on stderr: each step with its explanation, each expectation with what was seen. */
import type { StepResult, VariantResult } from '../runner.ts';

const tty = process.stderr.isTTY;
const paint = (code: string, s: string) => (tty ? `\u001b[${code}m${s}\u001b[0m` : s);

export function variantHeader(v: {
  scenario: string;
  variant: string;
  explain: string;
  title: string;
}): string {
  return `\n${paint('1', `▶ ${v.scenario} [${v.variant}]`)} ${v.title}\n  ${paint('2', v.explain)}`;
}

export function stepLine(r: StepResult): string {
  const mark =
    r.type === 'action' ? (r.held ? '•' : paint('31', '✘')) : r.held ? paint('32', '✔') : paint('31', '✘');
  const lines = [
    `  ${mark} ${String(r.index).padStart(2)}. ${r.title} ${paint('2', `(${r.durationMs} ms)`)}`,
  ];
  lines.push(`        ${paint('2', `why: ${r.explain}`)}`);
  if (r.type === 'expect') lines.push(`        saw: ${r.saw}`);
  if (r.error) lines.push(`        ${paint('31', `error: ${r.error}`)}`);
  return lines.join('\n');
}

export function variantFooter(v: VariantResult): string {
  const colour = v.outcome === 'passed' ? '32' : v.outcome === 'failed' ? '31' : '33';
  const tail = v.reason ? `: ${v.reason}` : '';
  return `  ${paint(colour, v.outcome.toUpperCase())} in ${v.durationMs} ms${tail}${v.artifacts ? `\n  artifacts: ${v.artifacts}` : ''}`;
}

/** One line for a variant that did not pass: what `--quiet` still prints, so a broken run says why. */
/** One line saying why a variant did not pass; a broken one names the scenario's file when it has one. */
export function reasonLine(v: VariantResult, file?: string): string {
  const where = file && v.outcome === 'broken' ? `${file}: ` : '';
  return `uclab: ${where}${v.scenario} [${v.variant}] ${v.outcome}: ${v.reason ?? 'no reason recorded'}`;
}

/** The table of variants and the closing count; files that did not load count as broken. */
export function summaryTable(results: VariantResult[], notLoaded = 0): string {
  const rows = results.map((r) => [r.scenario, r.variant, r.outcome, `${r.durationMs} ms`]);
  const head = ['scenario', 'variant', 'outcome', 'time'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const passed = results.filter((r) => r.outcome === 'passed').length;
  const failed = results.filter((r) => r.outcome === 'failed').length;
  const broken = results.filter((r) => r.outcome === 'broken').length + notLoaded;
  const count = `${passed} passed, ${failed} failed, ${broken} broken${notLoaded ? ` (${notLoaded} ${notLoaded === 1 ? 'file' : 'files'} did not load)` : ''}`;
  if (results.length === 0) return count;
  return ['', fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt), '', count].join('\n');
}
