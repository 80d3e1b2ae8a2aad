/**
 * `uclab down DIR`: stops the lab that `uclab up --artifacts DIR` keeps running, and waits until its
 * process has ended. It asks through the lab's console socket first (an orderly stop, answered before
 * it happens); when the socket does not answer it sends SIGTERM to the process `lab.json` names.
 * Exit 0: the lab stopped; 1: it did not stop in time; 2: no lab is up in DIR.
 */
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';

const STOP_TIMEOUT_MS = 30_000;
const ASK_TIMEOUT_MS = 5_000;

interface LabJson {
  pid?: number | null;
  console?: string | null;
}

class NothingUp extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `pid` runs uclab (guards against a pid reused since lab.json was written). */
function runsUclab(pid: number): boolean {
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync('/proc/self/cmdline')) return true; // no procfs: trust lab.json
  try {
    return readFileSync(cmdline, 'utf8').includes('uclab');
  } catch {
    return false;
  }
}

function readLab(dir: string): { pid: number; console: string | null } {
  const file = join(dir, 'lab.json');
  let lab: LabJson;
  try {
    lab = JSON.parse(readFileSync(file, 'utf8')) as LabJson;
  } catch (e) {
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no lab.json' : 'its lab.json does not parse';
    throw new NothingUp(
      `no lab is up in ${dir}: ${why} (start one with uclab up SCENARIO --artifacts ${dir})`,
    );
  }
  if (typeof lab.pid !== 'number') {
    throw new NothingUp(`no lab is up in ${dir}: the lab that was there has stopped`);
  }
  if (!alive(lab.pid) || !runsUclab(lab.pid)) {
    throw new NothingUp(`no lab is up in ${dir}: its process (pid ${lab.pid}) is gone`);
  }
  return { pid: lab.pid, console: typeof lab.console === 'string' ? lab.console : null };
}

/** Sends `{"lab": "stop"}` on the console socket; true once the lab answered that it is stopping. */
function askToStop(socketPath: string): Promise<boolean> {
  return new Promise((done) => {
    const sock = connect(socketPath);
    let buf = '';
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      sock.destroy();
      done(ok);
    };
    const timer = setTimeout(() => finish(false), ASK_TIMEOUT_MS);
    sock.once('error', () => finish(false));
    sock.once('connect', () => sock.write(`${JSON.stringify({ lab: 'stop' })}\n`));
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        finish((JSON.parse(buf.slice(0, nl)) as { ok?: boolean }).ok === true);
      } catch {
        finish(false);
      }
    });
  });
}

async function ended(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (alive(pid)) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

export async function down(dir: string): Promise<{ code: 0 | 1 | 2; message: string }> {
  let lab: { pid: number; console: string | null };
  try {
    lab = readLab(dir);
  } catch (e) {
    if (e instanceof NothingUp) return { code: 2, message: `uclab down: ${e.message}` };
    throw e;
  }
  const how = lab.console && (await askToStop(lab.console)) ? 'through its console' : 'with SIGTERM';
  if (how === 'with SIGTERM') {
    try {
      process.kill(lab.pid, 'SIGTERM');
    } catch {
      /* ended meanwhile */
    }
  }
  if (!(await ended(lab.pid, STOP_TIMEOUT_MS))) {
    return {
      code: 1,
      message: `uclab down: the lab in ${dir} (pid ${lab.pid}) was asked to stop ${how} and is still running after ${STOP_TIMEOUT_MS / 1000} s`,
    };
  }
  return { code: 0, message: `uclab down: the lab in ${dir} (pid ${lab.pid}) stopped (asked ${how})` };
}

export function registerDownCommand(program: Command): void {
  program
    .command('down')
    .description('stop the lab that uclab up keeps running in DIR, and wait until it has stopped')
    .argument('[dir]', 'the artifacts folder of the running lab', 'artifacts')
    .action(async (dir: string) => {
      const r = await down(dir);
      process.stderr.write(`${r.message}\n`);
      process.exitCode = r.code;
    });
}
