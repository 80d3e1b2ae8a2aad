/**
 * `uclab up`: brings a scenario's lab up on loopback and keeps it running, so that openssl, curl, tshark
 * or a TFTP client can talk to it. Prints one `lab ready` line on stdout and writes `lab.json` (every
 * device's name, addresses, ports and certificate files, and the `pid` of the process that keeps the
 * lab up) into the artifacts.
 *
 * The lab stops, in order (devices, sockets, address block, timeline written), on SIGINT, SIGTERM or
 * SIGHUP, on `uclab down DIR` (through the console socket), or when the process that started it ends.
 * The last one matters under `npx uclab up`: npm exec does not pass a SIGTERM on to the node process
 * that runs uclab (docs/reference/toolchain.md §3.8), so killing npx used to leave the lab holding its ports.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LabCaptures } from '../capture/lab-captures.ts';
import { startConsoleServer } from '../console-server.ts';
import { exercisePlan } from '../exercise/plan.ts';
import { exerciseBrief, exerciseHeader, exerciseStepLine } from '../exercise/presentation.ts';
import { ExerciseSession } from '../exercise/session.ts';
import type { Lab } from '../lab.ts';
import { stepLine, variantHeader } from '../reporters/pretty.ts';
import { loadScenario, runVariant } from '../runner.ts';
import type { Step } from '../scenario.ts';
import { streamLabEvents } from '../ui/event-log.ts';

/** How often to look whether the parent process is still there (a getppid call: cheap). */
const PARENT_POLL_MS = 250;

/** Why a lab kept up stops; resolves once, with the first reason that comes. */
function stopSignal(): { reason: Promise<string>; stop: (reason: string) => void; dispose: () => void } {
  let stop: (reason: string) => void = () => {};
  const reason = new Promise<string>((resolve) => {
    stop = resolve;
  });
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!signalled) {
      signalled = true;
      stop(signal);
      return;
    }
    // A second signal (Ctrl-C twice): no orderly stop, the default action of the signal.
    for (const s of signals) process.off(s, onSignal);
    process.kill(process.pid, signal);
  };
  for (const s of signals) process.on(s, onSignal);
  // Re-parenting is how a process learns that its parent ended (it gets init or a subreaper).
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== parent) stop(`the process that started it (pid ${parent}) ended`);
  }, PARENT_POLL_MS);
  watch.unref();
  return {
    reason,
    stop: (r) => stop(r),
    dispose: () => {
      for (const s of signals) process.off(s, onSignal);
      clearInterval(watch);
    },
  };
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

export async function upCommand(ref: string, o: UpOptions): Promise<void> {
  // With the parent gone, stdout and stderr may be pipes nobody reads: a write must not end the process
  // before the lab is stopped.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  const stopping = stopSignal();
  try {
    await up(ref, o, stopping);
  } finally {
    stopping.dispose();
  }
}

interface UpOptions {
  variant?: string;
  artifacts: string;
  block?: string;
  steps: boolean;
  /** Bring the fault up as an exercise (emulator/exercise/): the fix is neither shown nor run. */
  exercise?: boolean;
  /** Capture the lab's block into lab.pcapng beside keys.log. */
  pcap?: boolean;
}

async function up(ref: string, o: UpOptions, stopping: ReturnType<typeof stopSignal>): Promise<void> {
  const r = await loadScenario(ref);
  if (!r.ok) {
    say(`uclab: ${r.message}`);
    process.exitCode = 2;
    return;
  }
  const s = r.scenario;
  const plan = o.exercise ? exercisePlan(s) : null;
  if (plan && !plan.ok) {
    say(`uclab: ${plan.error.message}`);
    process.exitCode = 2;
    return;
  }
  const exercise = plan?.ok ? plan.value : null;
  if (exercise && ((o.variant && o.variant !== exercise.fault) || !o.steps)) {
    say(
      `uclab: an exercise brings up ${s.id}'s ${exercise.fault} variant with its steps: drop --variant and --no-steps`,
    );
    process.exitCode = 2;
    return;
  }
  const variant = exercise?.fault ?? o.variant ?? Object.keys(s.variants)[0];
  if (!variant || !s.variants[variant]) {
    say(`uclab: no variant "${o.variant}" in ${s.id} (has: ${Object.keys(s.variants).join(', ')})`);
    process.exitCode = 2;
    return;
  }
  const scenario = o.steps ? s : { ...s, steps: (): Step[] => [] };
  let kept = false;
  const captures = o.pcap ? new LabCaptures({ say }) : null;
  const result = await runVariant(scenario, variant, {
    artifactsDir: o.artifacts,
    artifactsLayout: 'flat',
    block: o.block,
    keepRunning: true,
    // events.jsonl, live: what `uclab ui --attach` follows.
    onLab: async (lab) => {
      await captures?.attach(lab);
      void streamLabEvents(lab);
    },
    onVariantStart: (v) => say(exercise ? exerciseHeader(exercise) : variantHeader(v)),
    onStep: (_v, st) => say(exercise ? exerciseStepLine(st) : stepLine(st)),
    onLabReady: async (lab: Lab) => {
      kept = true;
      const consolePath = consoleSocketPath(lab.artifacts.pathOf('console.sock'));
      const session = exercise ? new ExerciseSession(lab, exercise) : null;
      const consoleServer = consolePath
        ? await startConsoleServer(lab, consolePath, {
            onStop: () => stopping.stop('uclab down'),
            onLabRequest: (request) => session?.handle(request) ?? null,
          })
        : null;
      const x = exercise ? { scenario: s.id, variant } : null;
      const labJson = writeLabJson(lab, { console: consolePath, pid: process.pid, exercise: x });
      if (exercise) say(exerciseBrief(exercise, o.artifacts));
      process.stdout.write(`lab ready ${lab.block.cidr} ${labJson}\n`);
      const reason = await stopping.reason;
      say(`uclab: stopping the lab (${reason})`);
      consoleServer?.close();
      if (consolePath) removeFile(consolePath);
      // What stays in the artifacts describes a lab that is no longer up: `uclab down` says so.
      writeLabJson(lab, { console: null, pid: null, exercise: x });
      return reason;
    },
  });
  await captures?.settled();
  if (result.outcome === 'broken') {
    say(`uclab: ${result.reason}`);
    process.exitCode = 2;
    return;
  }
  if (kept) say(`uclab: lab stopped; its addresses and ports are free`);
}

/**
 * A Unix socket path holds at most 107 bytes on Linux (sun_path) and Node cuts a longer one without a
 * word, so in a deep artifacts folder (a CI workspace) the socket would land beside it under a cut
 * name. It then lives in the temp folder instead; lab.json names it either way, and `uclab console`
 * and `uclab down` read it from there.
 */
function consoleSocketPath(inArtifacts: string | null): string | null {
  if (!inArtifacts || Buffer.byteLength(inArtifacts) <= 100) return inArtifacts;
  return join(tmpdir(), `uclab-console-${process.pid}.sock`);
}

function writeLabJson(
  lab: Lab,
  extra: {
    console: string | null;
    pid: number | null;
    exercise?: { scenario: string; variant: string } | null;
  },
): string | null {
  const path = lab.artifacts.pathOf('lab.json');
  if (path) {
    // `exercise` (scenario and variant) tells uclab check and the page that this lab is an exercise.
    const exercise = extra.exercise ? { exercise: extra.exercise } : {};
    writeFileSync(
      path,
      `${JSON.stringify({ ...lab.describe({ console: extra.console }), pid: extra.pid, ...exercise }, null, 2)}\n`,
    );
  }
  return path;
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
