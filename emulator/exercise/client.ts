/**
 * Asking a lab kept up by `uclab up --exercise` about its exercise, over its console socket (the one
 * `uclab console` and `uclab down` use, named in lab.json). The check itself runs in the lab's process,
 * where the devices are: a phone can only be power-cycled, and Jabber sign in again, where they live.
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { ConsoleAnswer } from '../console-server.ts';
import { err, ok, type Result, type UclabError } from '../result.ts';
import type { ExerciseData } from './session.ts';

/** What lab.json says of an exercise (`uclab up --exercise` writes it). */
export interface ExerciseLabJson {
  scenario: string;
  variant: string;
}

export interface ExerciseFolder {
  dir: string;
  lab: string;
  console: string;
  exercise: ExerciseLabJson;
}

/** Reads DIR/lab.json: a folder that is not an exercise lab's, or one no longer up, is a typed error. */
export function openExerciseFolder(dir: string): Result<ExerciseFolder, UclabError> {
  const file = join(dir, 'lab.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return err({
      code: 'exercise.no-lab',
      message: `${dir} has no lab.json: name the artifacts folder of a lab started with uclab up --exercise`,
    });
  }
  let o: Record<string, unknown>;
  try {
    const v = JSON.parse(text) as unknown;
    o = typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
  } catch (e) {
    return err({ code: 'exercise.bad-lab', message: `${file} is not JSON: ${(e as Error).message}` });
  }
  const x = o.exercise as Partial<ExerciseLabJson> | undefined;
  if (
    typeof x !== 'object' ||
    x === null ||
    typeof x.scenario !== 'string' ||
    typeof x.variant !== 'string'
  ) {
    return err({
      code: 'exercise.not-exercise',
      message: `${file}: this lab is not an exercise (start one with uclab up <scenario> --exercise)`,
    });
  }
  if (typeof o.console !== 'string') {
    return err({
      code: 'exercise.not-running',
      message: `${file}: the lab is not running any more (start it again with uclab up ${x.scenario} --exercise)`,
    });
  }
  return ok({
    dir,
    lab: typeof o.lab === 'string' ? o.lab : x.scenario,
    console: o.console,
    exercise: { scenario: x.scenario, variant: x.variant },
  });
}

/** Sends one lab request (`check`, `hint`, `exercise`) and waits for its answer (bounded). */
export function askExercise(
  folder: ExerciseFolder,
  request: 'check' | 'hint' | 'exercise',
  timeoutMs = 120_000,
): Promise<Result<{ output: string; data: ExerciseData | null }, UclabError>> {
  return new Promise((resolve) => {
    const sock = connect(folder.console);
    let buf = '';
    let settled = false;
    const done = (r: Result<{ output: string; data: ExerciseData | null }, UclabError>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () =>
        done(
          err({
            code: 'exercise.timeout',
            message: `the lab at ${folder.dir} did not answer "${request}" within ${timeoutMs} ms`,
          }),
        ),
      timeoutMs,
    );
    sock.setEncoding('utf8');
    sock.once('connect', () => sock.write(`${JSON.stringify({ lab: request })}\n`));
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let a: ConsoleAnswer;
      try {
        a = JSON.parse(buf.slice(0, nl)) as ConsoleAnswer;
      } catch {
        return done(
          err({ code: 'exercise.bad-answer', message: 'the lab answered something that is not JSON' }),
        );
      }
      if (!a.ok) return done(err({ code: 'exercise.refused', message: a.output }));
      done(ok({ output: a.output, data: (a.data as ExerciseData | undefined) ?? null }));
    });
    sock.once('error', (e) =>
      done(
        err({
          code: 'exercise.not-running',
          message: `no running lab at ${folder.dir} (its console ${folder.console}: ${e.message})`,
        }),
      ),
    );
    sock.once('close', () =>
      done(err({ code: 'exercise.not-running', message: `the lab at ${folder.dir} closed the connection` })),
    );
  });
}
