/**
 * The `uclab` command line (product.md, "Command line"). Machine output is JSON on stdout with a
 * `schemaVersion`; logs and timelines go to stderr. Exit codes: 0 all held, 1 an expectation failed,
 * 2 a scenario or the command itself is broken.
 */
// Commands load their implementation (and with it the device models) only when they run, so that
// `uclab down`, `init`, `console` and `--help` start quickly.
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerCheckCommand } from './check.ts';
import { registerExtraCommands } from './extra-commands.ts';
import type { RunCommandOptions } from './run.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command();
program
  .name('uclab')
  .version(version, '-V, --version', 'print the uclab version')
  // Program options only before the command: `probe origin --version X14.0` is the probe's own option.
  .enablePositionalOptions()
  .description(
    'A lab for Cisco UC security: CUCM, IP phones and Expressway on real sockets with real TLS and X.509.\n' +
      'Scenarios reproduce certificate and trust-list faults end to end, each beside its fix.',
  )
  .showHelpAfterError()
  .exitOverride();

program
  .command('list')
  .description('list the scenarios of the catalogue (id, seed, title); --json for machines')
  .option('--json', 'print JSON on stdout')
  .option('--tag <tag>', 'only scenarios with this tag')
  .action(async (o: { json?: boolean; tag?: string }) => {
    const { loadCatalogue } = await import('../runner.ts');
    const { scenarios, broken } = await loadCatalogue();
    const list = scenarios.filter((s) => !o.tag || s.tags.includes(o.tag));
    if (o.json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            schemaVersion: 1,
            scenarios: list.map((s) => ({
              id: s.id,
              seed: s.seed,
              title: s.title,
              tags: s.tags,
              variants: Object.keys(s.variants),
            })),
            errors: broken,
          },
          null,
          2,
        )}\n`,
      );
    } else {
      const w = Math.max(2, ...list.map((s) => s.id.length));
      for (const s of list) process.stdout.write(`${s.id.padEnd(w)}  seed ${s.seed.padEnd(3)}  ${s.title}\n`);
      for (const b of broken) process.stderr.write(`broken: ${b.message}\n`);
    }
    if (broken.length > 0) process.exitCode = 2;
  });

program
  .command('run')
  .description('run scenarios (ids or files) and check their expectations; exit 0 held, 1 failed, 2 broken')
  .argument('[scenario...]', 'scenario ids (see uclab list) or paths to scenario files')
  .option('--all', 'run the whole catalogue')
  .option('--tag <tag>', 'run the scenarios with this tag')
  .option('--variant <name>', 'run only this variant (e.g. fault or fix)')
  .option('--json', 'print the JSON report on stdout')
  .option('--junit <file>', 'write a JUnit XML report')
  .option(
    '--report <file>',
    'write one self-contained HTML file: picture, ladder, screens and logs per variant',
  )
  .option('--artifacts <dir>', 'write PKI, trust lists, configs, key log and logs per scenario here')
  .option('--events <file>', 'stream every lab event as JSON lines to this file ("-" for stdout)')
  .option('--quiet', 'print only the summary on stderr, and one line for each variant that did not pass')
  .option(
    '--jobs <n>',
    'run this many variants at once, each in its own lab (default: 8 per core, at most 16); output keeps catalogue order',
  )
  .option(
    '--workers <n>',
    'share the variants out over this many worker threads (default: one per core and per 64 variants, none below 128 variants; 0: all in this thread, as --report does)',
  )
  .option(
    '--pcap',
    "capture each lab's address block into lab.pcapng beside its keys.log (needs --artifacts; dumpcap or tshark)",
  )
  .action(async (refs: string[], o: RunCommandOptions) => (await import('./run.ts')).runCommand(refs, o));

program
  .command('explain')
  .description('narrate a scenario for trainees: each variant, step by step, what happens and why')
  .argument('<scenario>', 'scenario id or file')
  .action(async (ref: string) => {
    const { loadScenario } = await import('../runner.ts');
    const { explainScenario } = await import('./explain.ts');
    const r = await loadScenario(ref);
    if (!r.ok) {
      process.stderr.write(`uclab: ${r.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stdout.write(explainScenario(r.scenario));
  });

program
  .command('up')
  .description(
    'bring a scenario lab up and keep it running until SIGINT/SIGTERM, uclab down, or the process that started it ends; prints one "lab ready" line and writes lab.json',
  )
  .argument('<scenario>', 'scenario id or file')
  .option('--variant <name>', 'which variant to bring up (default: the first)')
  .option('--artifacts <dir>', 'folder for lab.json, certificates, trust lists, key log', 'artifacts')
  .option('--block <prefix>', 'claim this loopback block, e.g. 127.50.1 (default: a free one)')
  .option('--no-steps', 'only start the devices; do not run the scenario steps')
  .option(
    '--pcap',
    "capture the lab's address block into lab.pcapng in the artifacts folder (dumpcap or tshark)",
  )
  .option(
    '--exercise',
    'bring the fault up as an exercise: the fix is not shown; repair it, then run uclab check DIR',
  )
  .action(async (ref: string, o: Parameters<typeof import('./up.ts').upCommand>[1]) =>
    (await import('./up.ts')).upCommand(ref, o),
  );

registerExtraCommands(program);
registerCheckCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else {
    process.stderr.write(`uclab: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}
