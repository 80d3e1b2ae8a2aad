/**
 * JUnit XML for CI servers: one test suite per scenario, one test case per variant. A failed
 * expectation is a <failure> with what was expected and what was seen; a broken scenario is an <error>.
 */
import type { VariantResult } from '../runner.ts';

// Every C0 control except tab, line feed and carriage return.
const CONTROL_CHARS = new RegExp(
  `[${[...Array(32).keys()]
    .filter((c) => c !== 9 && c !== 10 && c !== 13)
    .map((c) => `\\x${c.toString(16).padStart(2, '0')}`)
    .join('')}]`,
  'g',
);

function esc(s: string): string {
  return (
    s
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // XML 1.0 forbids most control characters even when escaped.
      .replace(CONTROL_CHARS, '')
  );
}

export function toJUnit(results: VariantResult[], errors: { ref: string; message: string }[] = []): string {
  const byScenario = new Map<string, VariantResult[]>();
  for (const r of results) {
    const list = byScenario.get(r.scenario) ?? [];
    list.push(r);
    byScenario.set(r.scenario, list);
  }
  const suites: string[] = [];
  for (const [id, list] of byScenario) {
    const failures = list.filter((r) => r.outcome === 'failed').length;
    const errs = list.filter((r) => r.outcome === 'broken').length;
    const time = list.reduce((a, r) => a + r.durationMs, 0) / 1000;
    const cases = list.map((r) => {
      const body: string[] = [];
      if (r.outcome === 'failed') {
        const failed = r.steps.filter((s) => !s.held);
        const detail = failed
          .map((s) => `step ${s.index} "${s.title}": expected it to hold; saw: ${s.error ?? s.saw}`)
          .join('\n');
        body.push(`<failure message="${esc(r.reason ?? 'an expectation failed')}">${esc(detail)}</failure>`);
      } else if (r.outcome === 'broken') {
        body.push(`<error message="${esc(r.reason ?? 'scenario broken')}">${esc(r.reason ?? '')}</error>`);
      }
      const out = r.steps
        .map(
          (s) =>
            `${s.held ? 'ok  ' : 'FAIL'} ${s.index}. ${s.title}${s.type === 'expect' ? ` | saw: ${s.saw}` : ''}`,
        )
        .join('\n');
      body.push(`<system-out>${esc(out)}</system-out>`);
      return `    <testcase classname="uclab.${esc(id)}" name="${esc(r.variant)}" time="${(r.durationMs / 1000).toFixed(3)}">\n      ${body.join('\n      ')}\n    </testcase>`;
    });
    suites.push(
      `  <testsuite name="${esc(id)}" tests="${list.length}" failures="${failures}" errors="${errs}" time="${time.toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  for (const e of errors) {
    suites.push(
      `  <testsuite name="${esc(e.ref)}" tests="1" failures="0" errors="1">\n    <testcase classname="uclab.${esc(e.ref)}" name="load">\n      <error message="${esc(e.message)}">${esc(e.message)}</error>\n    </testcase>\n  </testsuite>`,
    );
  }
  const total = results.length + errors.length;
  const failures = results.filter((r) => r.outcome === 'failed').length;
  const errCount = results.filter((r) => r.outcome === 'broken').length + errors.length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="uclab" tests="${total}" failures="${failures}" errors="${errCount}">\n${suites.join('\n')}\n</testsuites>\n`;
}
