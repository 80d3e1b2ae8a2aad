/**
 * The page's exercise buttons ("Check my fix", "Hint") for a lab started with `uclab up --exercise`
 * and attached with `uclab ui --attach DIR`: the page asks this server, and this server asks the lab
 * over its console socket, exactly as `uclab check DIR` does (emulator/exercise/client.ts).
 *
 * GET  /api/exercise        what the attached lab is playing: `{exercise: {scenario, task} | null}`
 * POST /api/exercise/check  the check's report (and the explanation once solved)
 * POST /api/exercise/hint   the next hint (the explanation once solved)
 */
import { askExercise, openExerciseFolder } from '../exercise/client.ts';
import type { Session } from './session.ts';

export interface RouteAnswer {
  status: number;
  body: unknown;
}

function folderOf(session: Session) {
  const dir = session.control.mode === 'attach' ? session.control.attached?.dir : undefined;
  if (!dir) return null;
  const f = openExerciseFolder(dir);
  return f.ok ? f.value : null;
}

/** Answers an exercise route, or null when `method path` is not one. */
export async function exerciseRoute(
  method: string,
  path: string,
  session: Session,
): Promise<RouteAnswer | null> {
  if (method === 'GET' && path === '/api/exercise') {
    const folder = folderOf(session);
    if (!folder) return { status: 200, body: { exercise: null } };
    const info = await askExercise(folder, 'exercise', 10_000);
    if (!info.ok) return { status: 200, body: { exercise: null, message: info.error.message } };
    return {
      status: 200,
      body: { exercise: { scenario: folder.exercise.scenario, task: info.value.output } },
    };
  }
  if (method !== 'POST' || (path !== '/api/exercise/check' && path !== '/api/exercise/hint')) return null;
  const folder = folderOf(session);
  if (!folder)
    return {
      status: 400,
      body: {
        ok: false,
        message: 'the page is not attached to an exercise lab (uclab up <scenario> --exercise)',
      },
    };
  const r = await askExercise(folder, path.endsWith('/check') ? 'check' : 'hint');
  if (!r.ok) return { status: 502, body: { ok: false, message: r.error.message } };
  return { status: 200, body: { ok: true, ...r.value } };
}
