/**
 * What is wrong with a plan file, said so a CI team can fix it in one pass: every problem the
 * validation found (not only the first), each with the path of the field (`steps[2].unit`) and, for a
 * YAML or JSON file, where it is in the file (`plan.yaml:14:22`, the form editors and CI logs link).
 */
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { closest } from '../did-you-mean.ts';
import { MAX_PROBLEMS, moreLine, pathText } from '../problems.ts';
import { dataAt, fieldsOf, nearestOption, schemaAt } from '../schema-fields.ts';

export interface PlanProblem {
  /** The path of the field (`steps[2].unit`; `(the plan)` for the whole file). */
  where: string;
  message: string;
  /** `file:line:column` of the field, or of the nearest enclosing one that is there, in a YAML or JSON file. */
  at?: string;
}

export interface PlanError {
  code: 'plan.unreadable' | 'plan.syntax' | 'plan.invalid';
  /** The first problem's path (`steps[2].unit`), or the file (with line:column of a syntax error). */
  where: string;
  message: string;
  /** The problems found, the first one included, in the order validation found them (MAX_PROBLEMS at most). */
  problems: PlanProblem[];
  /** How many more were found than `problems` lists. */
  more: number;
}

/** Finds where a field is in the plan's text: `file:line:column`, or undefined for a plan with no text. */
export type Locate = (path: readonly PropertyKey[], key?: string) => string | undefined;

export function pathOf(path: readonly PropertyKey[]): string {
  return pathText(path) || '(the plan)';
}

export function planError(code: PlanError['code'], problems: PlanProblem[]): PlanError {
  const first = problems[0] ?? { where: '(the plan)', message: 'invalid' };
  return {
    code,
    where: first.where,
    message: first.message,
    problems: problems.slice(0, MAX_PROBLEMS),
    more: Math.max(0, problems.length - MAX_PROBLEMS),
  };
}

/**
 * The schema's issues as problems: one per field and message; an unknown key located at the key
 * itself, with the nearest field the schema has there for that data (`schema`: the plan's; `data`:
 * what was validated, which picks a step's operation).
 */
export function schemaProblems(
  issues: readonly z.core.$ZodIssue[],
  schema: unknown,
  data: unknown,
  locate?: Locate,
): PlanProblem[] {
  const seen = new Set<string>();
  const out: PlanProblem[] = [];
  for (const issue of issues) {
    const where = pathOf(issue.path);
    const id = `${where}\n${issue.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const key = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
    const near =
      key === undefined
        ? nearestOption(issue, data)
        : closest(key, fieldsOf(schemaAt(schema, issue.path, data), dataAt(data, issue.path)));
    const message = near ? `${issue.message} (did you mean "${near}"?)` : issue.message;
    const at = locate?.(issue.path, key);
    out.push({ where, message, ...(at ? { at } : {}) });
  }
  return out;
}

/**
 * A locator over a parsed YAML document (JSON is read the same way: YAML 1.2 holds it): a field's
 * position is its value's; a field that is missing is placed at the mapping it is missing from.
 */
export function yamlLocator(doc: Document, lines: LineCounter, file: string): Locate {
  return (path, key) => {
    let node: unknown = doc.contents;
    let offset = rangeStart(node) ?? 0;
    for (const p of path) {
      if (isMap(node)) {
        const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(p));
        if (!pair) break;
        node = pair.value;
        offset = rangeStart(pair.value) ?? rangeStart(pair.key) ?? offset;
      } else if (isSeq(node) && typeof p === 'number') {
        const item = node.items[p];
        if (item === undefined) break;
        node = item;
        offset = rangeStart(item) ?? offset;
      } else break;
    }
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === key);
      offset = rangeStart(pair?.key) ?? offset;
    }
    const at = lines.linePos(offset);
    return `${file}:${at.line}:${at.col}`;
  };
}

/** A locator for a JSON plan's text, or none when the text cannot be read as YAML. */
export function jsonLocator(text: string, file: string): Locate | undefined {
  try {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
    return doc.errors.length === 0 ? yamlLocator(doc, lines, file) : undefined;
  } catch {
    return undefined;
  }
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range?.[0];
}

/** One line per problem, as `uclab plan` prints them: `file:line:col: path: message`. */
export function problemLines(e: PlanError): string[] {
  const lines = e.problems.map((p) => `${p.at ? `${p.at}: ` : ''}${p.where}: ${p.message}`);
  return [...lines, ...moreLine(e.more)];
}
