/**
 * `uclab inspect <file>`: CTL, ITL, .sgn, .enc.sgn, PEM, DER and PKCS#7 files printed as CUCM prints
 * them. `--trust FILE` (repeatable) adds certificates to check a signed file's signature with.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { inspectFile } from '../../certs/inspect.ts';
import { collect, readTrustFiles } from './trust-option.ts';

export function registerInspectCommand(program: Command): void {
  program
    .command('inspect')
    .description('print a CTL, ITL, .sgn, .enc.sgn, PEM, DER or PKCS#7 file as CUCM prints it')
    .argument('<file...>', 'files to print')
    .option(
      '--trust <file>',
      'a certificate file (PEM bundle or DER) to verify a .sgn/.enc.sgn signature with; repeat for more',
      collect,
    )
    .action((files: string[], o: { trust?: string[] }) => {
      const trust = readTrustFiles(o.trust ?? []);
      if (!trust.ok) {
        process.stderr.write(`uclab inspect: ${trust.message}\n`);
        process.exitCode = 2;
        return;
      }
      const trusted = trust.certs;
      for (const file of files) {
        let bytes: Buffer;
        try {
          bytes = readFileSync(file);
        } catch (e) {
          process.stderr.write(`uclab inspect: cannot read ${file}: ${(e as Error).message}\n`);
          process.exitCode = 2;
          continue;
        }
        const r = inspectFile(bytes, basename(file), { trusted });
        if (r.ok) process.stdout.write(r.value.endsWith('\n') ? r.value : `${r.value}\n`);
        else {
          process.stderr.write(`uclab inspect: ${file}: ${r.error.message}\n`);
          process.exitCode = 1;
        }
      }
    });
}
