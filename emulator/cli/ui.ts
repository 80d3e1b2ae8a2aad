/**
 * `uclab ui [scenario]`: the trainer's page on loopback. Runs a scenario from the page (fault or fix,
 * step by step or to the end) or follows a lab kept up by `uclab up` (`--attach <artifacts>`). Prints
 * the page's URL on stdout and serves until SIGINT or SIGTERM.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { startUiServer } from '../ui/server.ts';

interface UiOptions {
  variant?: string;
  port?: string;
  host: string;
  open?: boolean;
  attach?: string;
  step: boolean;
  artifacts?: string;
}

/** Opens the URL in the desktop's browser where there is one; says so where there is not. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  try {
    const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
    child.on('error', () =>
      process.stderr.write(`uclab ui: no browser to open (${cmd} is missing): open ${url}\n`),
    );
    child.unref();
  } catch {
    process.stderr.write(`uclab ui: no browser to open: open ${url}\n`);
  }
}

export async function uiCommand(ref: string | undefined, o: UiOptions): Promise<void> {
  const port = o.port === undefined ? 0 : Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`uclab ui: --port ${o.port} is not a port number\n`);
    process.exitCode = 2;
    return;
  }
  if (ref && o.attach) {
    process.stderr.write('uclab ui: name a scenario or --attach a lab, not both\n');
    process.exitCode = 2;
    return;
  }
  let server: Awaited<ReturnType<typeof startUiServer>>;
  try {
    server = await startUiServer({
      host: o.host,
      port,
      artifactsDir: o.artifacts ?? null,
      initial: ref ? { scenario: ref, variant: o.variant ?? null, stepping: o.step } : null,
    });
  } catch (e) {
    process.stderr.write(`uclab ui: cannot serve on ${o.host}:${port}: ${(e as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (o.host !== '127.0.0.1' && o.host !== '::1' && o.host !== 'localhost') {
    process.stderr.write(`uclab ui: serving on ${o.host}: anyone who can reach it can drive the lab\n`);
  }
  if (o.attach) {
    const r = await server.session.attach(o.attach);
    if (!r.ok) {
      process.stderr.write(`uclab ui: ${r.message}\n`);
      await server.close();
      process.exitCode = 2;
      return;
    }
  } else if (ref) {
    const r = await server.session.start(ref, o.variant, o.step);
    if (!r.ok) {
      process.stderr.write(`uclab ui: ${r.message}\n`);
      await server.close();
      process.exitCode = 2;
      return;
    }
  }
  process.stdout.write(`uclab ui: ${server.url}\n`);
  if (o.open) openBrowser(server.url);
  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  await server.close();
}

export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description(
      "serve the trainer's page on loopback: run a scenario step by step (fault or fix) or follow a lab kept up by uclab up",
    )
    .argument('[scenario]', 'scenario id or file to start on the page')
    .option('--variant <name>', 'the variant to start (default: the first)')
    .option('--no-step', 'run the steps without pausing before each')
    .option('--attach <dir>', 'follow the lab kept up by uclab up with this artifacts folder')
    .option('--port <port>', 'port to serve on (default: a free one)')
    .option('--host <address>', 'address to serve on (loopback unless told otherwise)', '127.0.0.1')
    .option('--open', 'open the page in the desktop browser')
    .option('--artifacts <dir>', "keep the runs' PKI, trust lists, logs and key log in this folder")
    .action(uiCommand);
}
