import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { MappingIssue } from './mapping-error.js';
import {
  decisionAidSchema,
  mappingFileSchema,
  triggerSchema,
  type DecisionAidEntry,
  type TriggerEntry,
} from './mapping-schema.js';
import { refusedEnv } from './allowed-env.js';
import { quoteFlowVariables } from './quote-flow-variables.js';
import { substituteEnv } from './substitute-env.js';

/** A path into the YAML document, as zod reports it. */
export type FieldPath = readonly PropertyKey[];

/** What one file declared: valid entries, the ids of all entries (valid or not), and a way to point at a line. */
export interface ParsedMappingFile {
  name: string;
  decisionAids: { index: number; entry: DecisionAidEntry }[];
  triggers: { index: number; entry: TriggerEntry }[];
  /** Ids as written, also of entries with errors, so one mistake does not cause "unknown id" noise elsewhere. */
  declaredAidIds: { index: number; id: string }[];
  declaredTriggerIds: { index: number; id: string }[];
  /** Reports a problem at a field of this file. */
  issue(path: FieldPath, message: string): MappingIssue;
  /** The line a field is on (or its nearest parent, when the field is missing). */
  lineOf(path: FieldPath): number | undefined;
}

/** Field names people reach for when they paste a secret into the file; they get a hint instead of a bare "unknown field". */
const SECRET_FIELDS = new Set(['token', 'secret', 'value', 'password', 'apiKey']);
/** Says where a secret belongs instead. */
const SECRET_HINT =
  'unknown field: secrets are not written in mapping files; put it in an environment variable and name that in tokenEnv, valueEnv or secretEnv';

/** Says "is required" instead of zod's "expected string, received undefined". */
const errorMap: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;

/**
 * Parses one mapping file: YAML with positions, `${ENV}` substitution, then the schema entry by
 * entry. Every problem is appended to `issues` with its line; returns `undefined` only when the
 * file as a whole is unusable.
 */
export function parseMappingFile(
  name: string,
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  issues: MappingIssue[],
): ParsedMappingFile | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(quoteFlowVariables(text), { lineCounter: counter, uniqueKeys: true });
  const lineOfPath = (path: FieldPath) => lineOf(doc, counter, path);
  const issue = (path: FieldPath, message: string): MappingIssue => ({
    file: name,
    line: lineOfPath(path),
    field: formatField(path),
    message,
  });
  if (doc.errors.length) {
    for (const error of doc.errors) {
      // The line is reported in front already; drop the parser's own "at line 3, column 1:" and code frame.
      const message = (error.message.split('\n')[0] ?? error.code).replace(/\s+at line \d+, column \d+:?$/, '');
      issues.push({ file: name, line: error.linePos?.[0].line, field: '', message });
    }
    return undefined;
  }
  const unresolved = new Set<string>();
  const { allowEnv, content } = splitAllowEnv(doc.toJS());
  const allowed = readAllowEnv(allowEnv, (message) => issues.push(issue(['allowEnv'], message)));
  const raw = substituteTree(
    content,
    env,
    [],
    (path, problem) => {
      unresolved.add(formatField(path));
      issues.push(issue(path, problem));
    },
    (name) => refusedEnv(name, allowed),
  );
  const report = (error: z.ZodError, prefix: FieldPath) => {
    for (const found of zodIssues(error, prefix)) {
      if (!unresolved.has(formatField(found.path))) issues.push(issue(found.path, found.message));
    }
  };
  const top = mappingFileSchema.safeParse(raw, { error: errorMap });
  if (!top.success) {
    report(top.error, []);
    return undefined;
  }
  const parsed: ParsedMappingFile = {
    name,
    decisionAids: [],
    triggers: [],
    declaredAidIds: [],
    declaredTriggerIds: [],
    issue,
    lineOf: lineOfPath,
  };
  parseEntries(
    top.data.decisionAids,
    decisionAidSchema,
    'decisionAids',
    parsed.decisionAids,
    parsed.declaredAidIds,
    report,
  );
  parseEntries(top.data.triggers, triggerSchema, 'triggers', parsed.triggers, parsed.declaredTriggerIds, report);
  return parsed;
}

// Entry by entry, so one bad trigger does not hide the problems (or the ids) of the others.
function parseEntries<S extends z.ZodType>(
  values: readonly unknown[],
  schema: S,
  section: string,
  valid: { index: number; entry: z.output<S> }[],
  declared: { index: number; id: string }[],
  report: (error: z.ZodError, prefix: FieldPath) => void,
): void {
  values.forEach((value, index) => {
    const result = schema.safeParse(value, { error: errorMap });
    if (result.success) valid.push({ index, entry: result.data });
    else report(result.error, [section, index]);
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id === 'string') declared.push({ index, id });
  });
}

/** `triggers[2].patient.maxAge` */
export function formatField(path: FieldPath): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`))
    .join('');
}

function zodIssues(error: z.ZodError, prefix: FieldPath): { path: FieldPath; message: string }[] {
  return error.issues.flatMap((found) => {
    const path = [...prefix, ...found.path];
    if (found.code === 'unrecognized_keys') {
      return found.keys.map((key) => ({
        path: [...path, key],
        message: SECRET_FIELDS.has(key) ? SECRET_HINT : 'unknown field',
      }));
    }
    return [{ path, message: found.message }];
  });
}

/** The top-level `allowEnv` apart from the rest of a file (which the schema checks as before). */
function splitAllowEnv(file: unknown): { allowEnv?: unknown; content: unknown } {
  if (file === null || typeof file !== 'object' || Array.isArray(file)) return { content: file };
  const { allowEnv, ...content } = file as Record<string, unknown>;
  return { allowEnv, content };
}

/** The top-level `allowEnv: [NAME, …]`: variables this file may expand besides SDM_MAPPING_…. */
function readAllowEnv(value: unknown, problem: (message: string) => void): Set<string> {
  if (value === undefined) return new Set();
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)))
    return new Set(value as string[]);
  problem('must be a list of environment variable names');
  return new Set();
}

function substituteTree(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path: PropertyKey[],
  onProblem: (path: FieldPath, message: string) => void,
  refuse: (name: string) => string | undefined,
): unknown {
  if (typeof value === 'string') {
    const { text, missing, refused } = substituteEnv(value, env, refuse);
    for (const variable of missing)
      onProblem(path, `environment variable ${variable} is not set (write \${${variable}:-default} for a default)`);
    for (const reason of refused) onProblem(path, reason);
    return text;
  }
  const walk = (item: unknown, key: PropertyKey) => substituteTree(item, env, [...path, key], onProblem, refuse);
  if (Array.isArray(value)) return value.map((item, index) => walk(item, index));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, key)]));
  }
  return value;
}

/** The line a path into a parsed YAML (or JSON) document is on; a missing field points at its nearest parent. */
export function lineOf(doc: Document, counter: LineCounter, path: FieldPath): number | undefined {
  const lineAt = (node: unknown) => (isNode(node) && node.range ? counter.linePos(node.range[0]).line : undefined);
  let node: unknown = doc.contents;
  let line = lineAt(node) ?? 1;
  for (const segment of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      line = lineAt(pair.key) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
      node = node.items[segment];
      line = lineAt(node) ?? line;
    } else {
      break;
    }
  }
  return line;
}
