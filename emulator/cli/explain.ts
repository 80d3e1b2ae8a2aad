/** `uclab explain`: the scenario narrated for trainees, from the same metadata and steps a run uses. */
import { FIDELITY_LEGEND, fidelityLabel } from '../fidelity/legend.ts';
import { patternFidelity } from '../fidelity/pattern-fidelity.ts';
import type { Scenario } from '../scenario.ts';

function wrap(text: string, indent: string, width = 96): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent.length) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l).join('\n');
}

export function explainScenario(s: Scenario): string {
  const out: string[] = [];
  out.push(`${s.id}: ${s.title}`);
  out.push(`seed ${s.seed}   tags: ${s.tags.join(', ')}`);
  out.push('');
  out.push('What the user sees');
  out.push(wrap(s.symptom, '  '));
  out.push('Why it happens');
  out.push(wrap(s.rootCause, '  '));
  out.push('What fixes it');
  out.push(wrap(s.fix, '  '));
  for (const [name, v] of Object.entries(s.variants)) {
    out.push('');
    out.push(`Variant "${name}"`);
    out.push(wrap(v.explain, '  '));
    const ref = { name, params: v.params };
    const decl = s.lab(ref);
    out.push('  The lab:');
    for (const d of decl.devices) out.push(`    - ${d.name} (${d.kind})`);
    out.push('  Step by step:');
    for (const [i, step] of s.steps(ref).entries()) {
      const mark =
        step.type === 'expect' && step.pattern !== undefined
          ? ` ${fidelityLabel(patternFidelity(step.pattern))}`
          : '';
      out.push(
        `   ${String(i + 1).padStart(2)}. ${step.type === 'expect' ? 'Expect: ' : ''}${step.title}${mark}`,
      );
      out.push(wrap(step.explain, '       '));
    }
  }
  out.push('', FIDELITY_LEGEND);
  return `${out.join('\n')}\n`;
}
