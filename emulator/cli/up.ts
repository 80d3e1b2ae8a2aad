/**
 * `uclab up`: brings a scenario's lab up on loopback and keeps it running until SIGINT or SIGTERM, so
 * that openssl, curl, tshark or a TFTP client can talk to it. Prints one `lab ready` line on stdout and
 * writes `lab.json` (every device's name, addresses, ports and certificate files) into the artifacts.
 */

import { startConsoleServer } from '../console-server.ts';
import type { Lab } from '../lab.ts';
import { stepLine, variantHeader } from '../reporters/pretty.ts';
import { loadScenario, runVariant } from '../runner.ts';
import type { Step } from '../scenario.ts';
import { streamLabEvents } from '../ui/event-log.ts';

export async function upCommand(
  ref: string,
  o: { variant?: string; artifacts: string; block?: string; steps: boolean },
): Promise<void> {
  const r = await loadScenario(ref);
  if (!r.ok) {
    process.stderr.write(`uclab: ${r.message}\n`);
    process.exitCode = 2;
    return;
  }
  const s = r.scenario;
  const variant = o.variant ?? Object.keys(s.variants)[0];
  if (!variant || !s.variants[variant]) {
    process.stderr.write(
      `uclab: no variant "${o.variant}" in ${s.id} (has: ${Object.keys(s.variants).join(', ')})\n`,
    );
    process.exitCode = 2;
    return;
  }
  const scenario = o.steps ? s : { ...s, steps: (): Step[] => [] };
  const result = await runVariant(scenario, variant, {
    artifactsDir: o.artifacts,
    artifactsLayout: 'flat',
    block: o.block,
    keepRunning: true,
    // events.jsonl, live: what `uclab ui --attach` follows.
    onLab: (lab) => void streamLabEvents(lab),
    onVariantStart: (v) => process.stderr.write(`${variantHeader(v)}\n`),
    onStep: (_v, st) => process.stderr.write(`${stepLine(st)}\n`),
    onLabReady: async (lab: Lab) => {
      const consolePath = lab.artifacts.pathOf('console.sock');
      const consoleServer = consolePath ? await startConsoleServer(lab, consolePath) : null;
      const path = lab.writeLabJson({ console: consolePath });
      process.stdout.write(`lab ready ${lab.block.prefix}.0/24 ${path}\n`);
      await new Promise<void>((resolve) => {
        const done = () => {
          process.off('SIGINT', done);
          process.off('SIGTERM', done);
          resolve();
        };
        process.on('SIGINT', done);
        process.on('SIGTERM', done);
      });
      process.stderr.write('uclab: stopping the lab\n');
      consoleServer?.close();
    },
  });
  if (result.outcome === 'broken') {
    process.stderr.write(`uclab: ${result.reason}\n`);
    process.exitCode = 2;
  }
}
