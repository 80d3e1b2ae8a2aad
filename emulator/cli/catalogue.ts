/** `uclab catalogue`: prints (or writes, or checks) the catalogue page generated from the scenarios. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';

export function registerCatalogueCommand(program: Command): void {
  program
    .command('catalogue')
    .description('print the catalogue page (markdown) generated from the scenario metadata')
    .option('--write <file>', 'write it to a file (docs/catalogue.md)')
    .option('--check <file>', 'exit 1 when the file differs from what the scenarios generate')
    .action(async (o: { write?: string; check?: string }) => {
      const { loadCatalogue } = await import('../runner.ts');
      const { renderCataloguePage } = await import('../catalogue-page.ts');
      const { scenarios, broken } = await loadCatalogue();
      for (const b of broken) process.stderr.write(`broken: ${b.message}\n`);
      const page = renderCataloguePage(scenarios);
      if (o.check) {
        let current = '';
        try {
          current = readFileSync(o.check, 'utf8');
        } catch {
          /* a missing file differs */
        }
        if (current !== page) {
          process.stderr.write(`${o.check} is out of date: run npm run catalogue\n`);
          process.exitCode = 1;
        }
      } else if (o.write) writeFileSync(o.write, page);
      else process.stdout.write(page);
      if (broken.length > 0) process.exitCode = 2;
    });
}
