/**
 * `uclab console <device>`: the admin CLI of a device in a lab that `uclab up` keeps running. With
 * `-c COMMAND` runs one command and exits; otherwise an interactive prompt (`admin:` for CUCM).
 */
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { ConsoleAnswer } from '../console-server.ts';

function socketPath(artifacts: string): string {
  try {
    const lab = JSON.parse(readFileSync(join(artifacts, 'lab.json'), 'utf8')) as { console?: string };
    if (lab.console) return lab.console;
  } catch {
    /* fall through to the default */
  }
  return join(artifacts, 'console.sock');
}

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('the admin CLI of a device in a running lab (started with uclab up)')
    .argument('<device>', 'device name, as in lab.json')
    .option('--artifacts <dir>', 'the artifacts folder of the running lab', 'artifacts')
    .option('-c, --command <command>', 'run one command and exit')
    .action(async (device: string, o: { artifacts: string; command?: string }) => {
      const sock = connect(socketPath(o.artifacts));
      await new Promise<void>((resolve, reject) => {
        sock.once('connect', () => resolve());
        sock.once('error', (e) =>
          reject(new Error(`no running lab at ${o.artifacts} (start one with uclab up): ${e.message}`)),
        );
      });
      const answers: ((a: ConsoleAnswer) => void)[] = [];
      let buf = '';
      sock.setEncoding('utf8');
      sock.on('data', (chunk: string) => {
        buf += chunk;
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          answers.shift()?.(JSON.parse(buf.slice(0, nl)) as ConsoleAnswer);
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
        }
      });
      const ask = (command: string) =>
        new Promise<ConsoleAnswer>((resolve) => {
          answers.push(resolve);
          sock.write(`${JSON.stringify({ device, command })}\n`);
        });
      const hello = await ask('');
      if (!hello.ok) {
        process.stderr.write(`uclab console: ${hello.output}\n`);
        process.exitCode = 2;
        sock.end();
        return;
      }
      if (o.command !== undefined) {
        const a = await ask(o.command);
        process.stdout.write(a.output.endsWith('\n') || a.output === '' ? a.output : `${a.output}\n`);
        process.exitCode = a.ok ? 0 : 1;
        sock.end();
        return;
      }
      const rl = createInterface({
        input: process.stdin,
        output: process.stdout,
        prompt: `${hello.prompt ?? 'admin:'}`,
      });
      rl.prompt();
      for await (const line of rl) {
        const command = line.trim();
        if (command === 'quit' || command === 'exit') break;
        if (command !== '') {
          const a = await ask(command);
          process.stdout.write(a.output.endsWith('\n') || a.output === '' ? a.output : `${a.output}\n`);
        }
        rl.prompt();
      }
      rl.close();
      sock.end();
    });
}
