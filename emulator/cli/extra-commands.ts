/**
 * Commands that drive a single device model outside a scenario: inspecting files, booting an emulated
 * phone against any TFTP server, probing an origin server as Expressway X14.2 would.
 */
import type { Command } from 'commander';

export function registerExtraCommands(_program: Command): void {}
