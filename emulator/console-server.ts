/**
 * The admin console of a running lab (`uclab console <device>`). `uclab up` listens on a Unix socket in
 * the artifacts folder; each request is one JSON line `{device, command}` and each answer one JSON line
 * `{ok, output}`. A device offers a console by implementing `exec(command)`, the admin CLI of its
 * product (CUCM's `admin:` prompt, Expressway's `xConfiguration`/`xStatus`).
 *
 * One request is for the lab itself: `{"lab": "stop"}` (what `uclab down` sends) asks the process that
 * keeps the lab up to stop it; the answer comes before the lab stops.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import type { Device } from './device.ts';
import type { Lab } from './lab.ts';

export interface ConsoleDevice extends Device {
  /** Runs one admin command as typed on the real product; returns what the product prints. */
  exec(command: string): Promise<string>;
  /** The prompt the product shows, e.g. `admin:`. */
  readonly consolePrompt?: string;
}

export function hasConsole(d: Device): d is ConsoleDevice {
  return typeof (d as Partial<ConsoleDevice>).exec === 'function';
}

export interface ConsoleRequest {
  device: string;
  command: string;
}

/** A request for the lab as a whole rather than one device. */
export interface LabRequest {
  lab: 'stop';
}

export interface ConsoleServerOptions {
  /** Called once a client asked the lab to stop (`{"lab": "stop"}`), after the answer is sent. */
  onStop?: () => void;
  /** Answers the other lab requests (`{"lab": "check"}` of an exercise); null: not one it knows. */
  onLabRequest?: (request: string) => Promise<ConsoleAnswer> | null;
}

export interface ConsoleAnswer {
  ok: boolean;
  output: string;
  prompt?: string;
  /** Structured data for a lab request's answer (an exercise check's report). */
  data?: unknown;
}

/** Marks the answer to a stop request (a symbol: no device output can forge it). */
const STOP = Symbol('stop');

async function answer(
  lab: Lab,
  line: string,
  opts: ConsoleServerOptions,
): Promise<ConsoleAnswer & { [STOP]?: true }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, output: 'the request is not JSON' };
  }
  if (typeof parsed === 'object' && parsed !== null && 'lab' in parsed) {
    const request = (parsed as { lab?: unknown }).lab;
    const other = typeof request === 'string' && request !== 'stop' ? opts.onLabRequest?.(request) : null;
    if (other) return other;
    if (request !== 'stop') return { ok: false, output: 'a lab request is {"lab": "stop"}' };
    if (!opts.onStop) return { ok: false, output: 'this lab cannot be stopped from its console' };
    return { ok: true, output: 'stopping the lab', [STOP]: true };
  }
  const req = parsed as Partial<ConsoleRequest> | null;
  if (
    typeof req !== 'object' ||
    req === null ||
    typeof req.device !== 'string' ||
    typeof req.command !== 'string'
  ) {
    return { ok: false, output: 'a request is {"device": "<name>", "command": "<text>"}' };
  }
  const d = lab.devices.get(req.device);
  if (!d)
    return {
      ok: false,
      output: `no device named ${req.device} (have: ${[...lab.devices.keys()].join(', ')})`,
    };
  if (!hasConsole(d)) return { ok: false, output: `${req.device} (${d.kind}) has no admin console` };
  if (req.command === '') return { ok: true, output: '', prompt: d.consolePrompt ?? 'admin:' };
  try {
    return { ok: true, output: await d.exec(req.command), prompt: d.consolePrompt ?? 'admin:' };
  } catch (e) {
    return { ok: false, output: `command failed: ${(e as Error).message}` };
  }
}

/** Serves the console of `lab` on `path` until the returned server is closed. */
export async function startConsoleServer(
  lab: Lab,
  path: string,
  opts: ConsoleServerOptions = {},
): Promise<Server> {
  if (existsSync(path)) unlinkSync(path);
  const server = createServer((sock) => {
    let buf = '';
    // One request at a time per client, so answers come back in the order the lines were sent.
    let queue: Promise<void> = Promise.resolve();
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        queue = queue
          .then(() => answer(lab, line, opts))
          .catch((e: unknown) => ({ ok: false, output: `console error: ${(e as Error).message}` }))
          .then((a) => {
            if (sock.writable) sock.write(`${JSON.stringify(a)}\n`);
            if (STOP in a) opts.onStop?.();
          });
        nl = buf.indexOf('\n');
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return server;
}
