/**
 * Commands beyond running scenarios: inspecting files, driving one device model against any server.
 */
import type { Command } from 'commander';
import { registerCatalogueCommand } from './catalogue.ts';
import { registerConsoleCommand } from './console.ts';
import { registerDownCommand } from './down.ts';
import { registerInitCommand } from './init.ts';
import { registerInspectCommand } from './inspect.ts';
import { registerPhoneBootCommand } from './phone-boot.ts';
import { registerPlanCommands } from './plan.ts';
import { registerProbeItlCommand } from './probe-itl.ts';
import { registerProbeCommand } from './probe-origin.ts';
import { registerUiCommand } from './ui.ts';

export function registerExtraCommands(program: Command): void {
  registerInspectCommand(program);
  registerDownCommand(program);
  registerInitCommand(program);
  registerConsoleCommand(program);
  registerCatalogueCommand(program);
  registerProbeCommand(program);
  registerProbeItlCommand(program);
  registerPhoneBootCommand(program);
  registerUiCommand(program);
  registerPlanCommands(program);
}
