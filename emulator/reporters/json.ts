/** The machine report: JSON on stdout with a schemaVersion (product.md, command line contract). */
import { SCHEMA_VERSION } from '../events.ts';
import { exitCodeOf, type VariantResult } from '../runner.ts';

export interface RunReport {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: 'uclab';
  exitCode: 0 | 1 | 2;
  summary: { passed: number; failed: number; broken: number; durationMs: number };
  results: VariantResult[];
  /** Scenario files that could not be loaded at all. */
  errors: { ref: string; message: string }[];
}

export function buildReport(
  results: VariantResult[],
  errors: { ref: string; message: string }[] = [],
): RunReport {
  const exitCode = errors.length > 0 ? 2 : exitCodeOf(results);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: 'uclab',
    exitCode,
    summary: {
      passed: results.filter((r) => r.outcome === 'passed').length,
      failed: results.filter((r) => r.outcome === 'failed').length,
      broken: results.filter((r) => r.outcome === 'broken').length + errors.length,
      durationMs: results.reduce((a, r) => a + r.durationMs, 0),
    },
    results,
    errors,
  };
}
