/**
 * Commands beyond running scenarios: inspecting files, driving one device model against any server.
 */
import type { Command } from 'commander';
import { registerCatalogueCommand } from './catalogue.ts';
import { registerConsoleCommand } from './console.ts';
import { registerInspectCommand } from './inspect.ts';
import { registerPhoneBootCommand } from './phone-boot.ts';
import { registerPlanCommands } from './plan.ts';
import { registerProbeCommand } from './probe-origin.ts';

export function registerExtraCommands(program: Command): void {
  registerInspectCommand(program);
  registerConsoleCommand(program);
  registerCatalogueCommand(program);
  registerProbeCommand(program);
  registerPhoneBootCommand(program);
  registerPlanCommands(program);
}
