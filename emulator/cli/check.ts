/**
 * `uclab check DIR [--hint] [--json]`: whether the trainee has repaired the exercise running in DIR
 * (`uclab up <scenario> --exercise --artifacts DIR`). The lab runs the solving variant's checks against
 * itself (emulator/exercise/check.ts) and answers over its console socket; this prints each line held
 * or not held. Exit 0 solved, 1 not solved yet, 2 DIR is not a running exercise lab.
 *
 * `--hint` adds the next hint while it is not solved, and the full explanation once it is.
 */
import type { Command } from 'commander';
import type { CheckReport } from '../exercise/check.ts';
import { askExercise, openExerciseFolder } from '../exercise/client.ts';

function fail(message: string): void {
  process.stderr.write(`uclab check: ${message}\n`);
  process.exitCode = 2;
}

export function reportText(r: CheckReport): string {
  const lines = [`exercise ${r.scenario}:`];
  for (const l of r.lines) {
    const mark = l.type === 'action' ? (l.held ? '•' : '✘') : l.held ? '✔ held    ' : '✘ not held';
    lines.push(`  ${mark}  ${l.title}`);
    if (l.type === 'expect' || !l.held) lines.push(`      saw: ${l.saw}`);
  }
  const expects = r.lines.filter((l) => l.type === 'expect');
  const notHeld = r.lines.filter((l) => !l.held).length;
  lines.push(
    r.solved
      ? `solved: ${expects.length} of ${expects.length} held`
      : `not solved: ${notHeld} of ${r.lines.length} did not hold (uclab check --hint for a hint)`,
  );
  return `${lines.join('\n')}\n`;
}

export async function checkCommand(dir: string, o: { hint?: boolean; json?: boolean }): Promise<void> {
  // A reader that goes away (`| head`) must not turn a verdict into a crash.
  process.stdout.on('error', () => {});
  const folder = openExerciseFolder(dir);
  if (!folder.ok) return fail(folder.error.message);
  const checked = await askExercise(folder.value, 'check');
  if (!checked.ok) return fail(checked.error.message);
  const data = checked.value.data;
  if (data?.kind !== 'check')
    return fail(`the lab at ${dir} answered "${checked.value.output}", not a check`);
  let hint: string | null = null;
  if (o.hint && !data.report.solved) {
    const h = await askExercise(folder.value, 'hint');
    if (!h.ok) return fail(h.error.message);
    const d = h.value.data;
    hint = d?.kind === 'hint' && !d.solved ? `hint ${d.index} of ${d.of}: ${d.hint}` : h.value.output;
  }
  if (o.json) {
    process.stdout.write(
      `${JSON.stringify({ schemaVersion: 1, ...data.report, hint, explanation: data.explanation }, null, 2)}\n`,
    );
  } else {
    process.stdout.write(reportText(data.report));
    if (data.explanation) process.stdout.write(`\n${data.explanation}`);
    if (hint) process.stdout.write(`\n${hint}\n`);
  }
  process.exitCode = data.report.solved ? 0 : 1;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(
      'check an exercise lab (uclab up <scenario> --exercise): is the symptom gone? exit 0 solved, 1 not yet, 2 not an exercise lab',
    )
    .argument('<dir>', 'the artifacts folder of the exercise lab')
    .option('--hint', 'also print the next hint (the full explanation once solved)')
    .option('--json', 'print the check as JSON on stdout')
    .action((dir: string, o: { hint?: boolean; json?: boolean }) => checkCommand(dir, o));
}
