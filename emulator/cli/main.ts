/**
 * The `uclab` command line (product.md, "Command line"). Machine output is JSON on stdout with a
 * `schemaVersion`; logs and timelines go to stderr. Exit codes: 0 all held, 1 an expectation failed,
 * 2 a scenario or the command itself is broken.
 */
import '../../devices/index.ts';
import { appendFileSync, writeFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { buildReport } from '../reporters/json.ts';
import { toJUnit } from '../reporters/junit.ts';
import { stepLine, summaryTable, variantFooter, variantHeader } from '../reporters/pretty.ts';
import { loadCatalogue, loadScenario, runScenario, type VariantResult } from '../runner.ts';
import { RunReport } from '../ui/report.ts';
import { explainScenario } from './explain.ts';
import { registerExtraCommands } from './extra-commands.ts';
import { upCommand } from './up.ts';

const program = new Command();
program
  .name('uclab')
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
  .option('--artifacts <dir>', 'write PKI, trust lists, configs, key log and logs per scenario here')
  .option('--events <file>', 'stream every lab event as JSON lines to this file ("-" for stdout)')
  .option(
    '--report <file>',
    'write one self-contained HTML file: picture, ladder, screens and logs per variant',
  )
  .option('--quiet', 'print only the summary on stderr')
  .action(
    async (
      refs: string[],
      o: {
        all?: boolean;
        tag?: string;
        variant?: string;
        json?: boolean;
        junit?: string;
        artifacts?: string;
        events?: string;
        report?: string;
        quiet?: boolean;
      },
    ) => {
      const htmlReport = o.report ? new RunReport() : null;
      const errors: { ref: string; message: string }[] = [];
      const scenarios = [];
      if (o.all || o.tag) {
        const cat = await loadCatalogue();
        for (const b of cat.broken) errors.push({ ref: b.file, message: b.message });
        scenarios.push(...cat.scenarios.filter((s) => !o.tag || s.tags.includes(o.tag)));
      }
      for (const ref of refs) {
        const r = await loadScenario(ref);
        if (r.ok) scenarios.push(r.scenario);
        else errors.push({ ref, message: r.message });
      }
      if (scenarios.length === 0 && errors.length === 0) {
        process.stderr.write('uclab run: name at least one scenario, or --all (uclab list shows them)\n');
        process.exitCode = 2;
        return;
      }
      for (const e of errors) process.stderr.write(`uclab: ${e.message}\n`);
      const results: VariantResult[] = [];
      for (const s of scenarios) {
        if (o.variant && !s.variants[o.variant] && (o.all || o.tag)) continue;
        const rs = await runScenario(s, {
          variant: o.variant,
          artifactsDir: o.artifacts ?? null,
          onLab: (lab) => {
            htmlReport?.watch(lab);
            if (!o.events) return;
            const out = o.events;
            lab.timeline.subscribe(undefined, (e) => {
              const line = `${JSON.stringify(e)}\n`;
              if (out === '-') process.stdout.write(line);
              else appendFileSync(out, line);
            });
          },
          onVariantStart: (v) => {
            if (!o.quiet) process.stderr.write(`${variantHeader(v)}\n`);
          },
          onStep: (_v, r) => {
            if (!o.quiet) process.stderr.write(`${stepLine(r)}\n`);
          },
        });
        for (const r of rs) if (!o.quiet) process.stderr.write(`${variantFooter(r)}\n`);
        results.push(...rs);
      }
      process.stderr.write(`${summaryTable(results)}\n`);
      const report = buildReport(results, errors);
      if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      if (o.junit) writeFileSync(o.junit, toJUnit(results, errors));
      const written = o.report ? await htmlReport?.write(o.report, results) : null;
      if (written && !written.ok) process.stderr.write(`uclab: ${written.error.message}\n`);
      process.exitCode = report.exitCode;
    },
  );

program
  .command('explain')
  .description('narrate a scenario for trainees: each variant, step by step, what happens and why')
  .argument('<scenario>', 'scenario id or file')
  .action(async (ref: string) => {
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
    'bring a scenario lab up and keep it running until SIGINT/SIGTERM; prints one "lab ready" line and writes lab.json',
  )
  .argument('<scenario>', 'scenario id or file')
  .option('--variant <name>', 'which variant to bring up (default: the first)')
  .option('--artifacts <dir>', 'folder for lab.json, certificates, trust lists, key log', 'artifacts')
  .option('--block <prefix>', 'claim this loopback block, e.g. 127.50.1 (default: a free one)')
  .option('--no-steps', 'only start the devices; do not run the scenario steps')
  .action(upCommand);

registerExtraCommands(program);

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
