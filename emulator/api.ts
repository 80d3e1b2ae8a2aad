/**
 * The public API of the `uclab` package: what a scenario file outside this repository imports.
 *
 *     import { act, defineScenario, expectLog } from 'uclab';
 *
 * The scenario kits (ready-made lab declarations and steps for CUCM, phones, Expressway and
 * application servers) are published beside it as `uclab/kits/<name>`. Everything else in the
 * package is internal and may move between releases.
 */
// Every device kind a lab declaration may name, registered before a scenario's lab is built.
import '../devices/index.ts';

export { type ConsoleDevice, hasConsole } from './console-server.ts';
export type { DeviceDescription } from './device.ts';
export {
  type CertSummary,
  type EventFilter,
  type EventKind,
  type EventMap,
  type LabEvent,
  SCHEMA_VERSION,
  WaitTimeout,
} from './events.ts';
export type { Lab, LabDeclaration } from './lab.ts';
export { definePlan, type PlanInput } from './plan/plan-file.ts';
export {
  exitCodeOf,
  type Outcome,
  type RunOptions,
  runScenario,
  runVariant,
  StepFailed,
  type StepResult,
  type VariantResult,
} from './runner.ts';
export {
  type ActionStep,
  act,
  type Check,
  defineScenario,
  type ExpectStep,
  expectEqual,
  expectLog,
  expectNoLog,
  expectThat,
  type Scenario,
  type ScenarioDefinition,
  type Step,
  type StepContext,
  type Variant,
  type VariantRef,
} from './scenario.ts';
