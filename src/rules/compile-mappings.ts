import type { Interaction } from '../intake/epd-event.js';
import { isPlaceholder } from '../shared/check-secret.js';
import type { CompiledPath } from './compile-fhir-path.js';
import { MappingError, type MappingIssue } from './mapping-error.js';
import type { DecisionAidEntry, TriggerEntry } from './mapping-schema.js';
import { parseMappingFile, type FieldPath, type ParsedMappingFile } from './parse-mapping-file.js';
import { resolveResults } from './resolve-results.js';
import type { RecipientAgePolicy } from './recipient-policy.js';
import { defaultRepresentativeCodes, type RepresentativeCodes } from './select-guardians.js';
import { expandValueSets, readValueSets, type RemoteExpansions } from './expand-value-sets.js';
import { indexTriggers, type TriggerIndex } from './trigger-index.js';
import type { AidAuth, DecisionAid, DeliveryConfig, KeyMoment, RecipientRole, SamplingRule } from './types.js';

/** A code filter with its FHIRPath parsed: any Coding at `path` in `system` with this `code` or `prefix`. */
export interface CompiledCodeFilter {
  path: CompiledPath;
  system: string;
  code?: string;
  prefix?: string;
  /** The value set this filter came from, as the mapping names it (skip reasons name the set, not every code). */
  valueSet?: string;
}

/** A trigger ready for evaluation: FHIRPath parsed, durations in ms, and where it was written. */
export interface CompiledTrigger {
  id: string;
  file: string;
  line?: number;
  keyMoment: KeyMoment;
  resourceType: string;
  interactions: ReadonlySet<Interaction>;
  condition?: CompiledPath;
  /** Empty: no code filter. Otherwise any one matching filter passes. */
  codes: readonly CompiledCodeFilter[];
  patient: { minAge?: number; maxAge?: number; departments?: readonly string[] };
  decisionAidId: string;
  /** A fixed list, or (with `recipientsByAge`) every role the age bands may invite. */
  recipients: readonly RecipientRole[];
  /** Set for `recipients: by-age` or a `byAge` table: the roles follow the patient's age on the day. */
  recipientsByAge?: RecipientAgePolicy;
  delayMs: number;
  throttleMs: number;
  /** The relationship codes (`system|code`) that make a RelatedPerson a representative of a child. */
  representativeCodes: RepresentativeCodes;
  /** `key-moment`: the window holds back the same aid for the same key moment only; `decision-aid`: for any. */
  throttleScope: 'key-moment' | 'decision-aid';
  /** The trigger's own sampling; absent: the aid's, if it has one (see evaluate-rules.ts). */
  sampling?: SamplingRule;
}

/** All mapping files, checked and compiled once at start. */
export interface CompiledMappings {
  decisionAids: ReadonlyMap<string, DecisionAid>;
  triggers: readonly CompiledTrigger[];
  /** Triggers per resource type, so an event only meets the rules written for its type. */
  triggersByType: ReadonlyMap<string, readonly CompiledTrigger[]>;
  /** Triggers per resource type and code, so cost does not grow with rules for other codes. */
  triggerIndex: TriggerIndex;
  resourceTypes: ReadonlySet<string>;
  files: string[];
  /** Where each decision aid is declared, so later checks (its results against the Questionnaires) point at a line. */
  aidSources: ReadonlyMap<string, { file: string; line?: number }>;
}

/** A mapping file's name (for messages) and its text. */
export interface MappingSource {
  name: string;
  text: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** 10 s: a platform slower than that is treated as down; the job retries later. */
const DEFAULT_TIMEOUT_MS = 10_000;
/** 14 days: long enough for a family to open the link after a clinic visit, short enough to limit a leaked link. */
const DEFAULT_LINK_VALIDITY_MS = 14 * 24 * 3_600_000;
/** HMAC-SHA256 keys shorter than this are guessable; `openssl rand -hex 32` gives 64 characters. */
const MIN_LINK_SECRET_LENGTH = 32;

/**
 * Checks and compiles mapping files given as text (no disk access): schema, `${ENV}` and secrets,
 * unique ids across files, decision-aid references, and the value-set files their code filters
 * name (expanded here into one filter per code), local files first, then `remote`: the expansions
 * a terminology server gave for canonical URLs no file provides (fetched at the I/O edge, given here
 * as data). Throws one `MappingError` with every problem.
 */
export function compileMappings(
  files: readonly MappingSource[],
  env: Env,
  valueSetFiles: readonly MappingSource[] = [],
  remote: RemoteExpansions = new Map(),
): CompiledMappings {
  const issues: MappingIssue[] = [];
  const valueSets = readValueSets(valueSetFiles, issues);
  if (!files.length) issues.push({ file: '(mappings)', field: '', message: 'no mapping files given' });
  const parsed = files.flatMap((file) => parseMappingFile(file.name, file.text, env, issues) ?? []);
  // A file that could not be read at all may declare the aid a trigger names: then "unknown" would be noise.
  const allFilesRead = parsed.length === files.length;
  checkUniqueIds(parsed, 'decisionAids', issues);
  checkUniqueIds(parsed, 'triggers', issues);
  const decisionAids = new Map<string, DecisionAid>();
  const declaredAids = new Set(parsed.flatMap((file) => file.declaredAidIds.map((declared) => declared.id)));
  const triggers: CompiledTrigger[] = [];
  const guardianChecks: (() => void)[] = []; // after the loop: an aid may be declared in a later file
  for (const file of parsed) {
    for (const { index, entry } of file.decisionAids) {
      const aid = resolveDecisionAid(entry, env, (path, message) =>
        issues.push(file.issue(['decisionAids', index, ...path], message)),
      );
      if (aid && !decisionAids.has(aid.id)) decisionAids.set(aid.id, aid);
    }
    for (const { index, entry } of file.triggers) {
      if (declaredAids.has(entry.decisionAid)) {
        const codes = expandValueSets(entry.codes, valueSets, remote, (path, message) =>
          issues.push(file.issue(['triggers', index, 'codes', ...path], message)),
        );
        if (codes) {
          const trigger = toCompiledTrigger({ ...entry, codes }, file.name, file.lineOf(['triggers', index]));
          triggers.push(trigger);
          guardianChecks.push(() =>
            checkKoppeltaalRecipients(trigger, decisionAids, (message) =>
              issues.push(file.issue(['triggers', index, 'recipients'], message)),
            ),
          );
        }
      } else if (allFilesRead) {
        const known = [...declaredAids].join(', ') || 'none';
        issues.push(
          file.issue(
            ['triggers', index, 'decisionAid'],
            `unknown decision aid "${entry.decisionAid}" (declared: ${known})`,
          ),
        );
      }
    }
  }
  for (const check of guardianChecks) check();
  if (issues.length) throw new MappingError(sortIssues(issues));
  return {
    decisionAids,
    triggers,
    triggersByType: groupByType(triggers),
    triggerIndex: indexTriggers(triggers),
    resourceTypes: new Set(triggers.map((trigger) => trigger.resourceType)),
    files: files.map((file) => file.name),
    aidSources: new Map(
      parsed.flatMap((file) =>
        file.declaredAidIds.map(({ index, id }) => [
          id,
          { file: file.name, line: file.lineOf(['decisionAids', index]) },
        ]),
      ),
    ),
  };
}

function checkUniqueIds(
  files: readonly ParsedMappingFile[],
  section: 'decisionAids' | 'triggers',
  issues: MappingIssue[],
): void {
  const first = new Map<string, string>();
  for (const file of files) {
    for (const { index, id } of section === 'decisionAids' ? file.declaredAidIds : file.declaredTriggerIds) {
      const path = [section, index, 'id'];
      const earlier = first.get(id);
      if (earlier) issues.push(file.issue(path, `duplicate id "${id}", first declared at ${earlier}`));
      else first.set(id, `${file.name}:${file.lineOf(path) ?? '?'}`);
    }
  }
}

type Report = (path: FieldPath, message: string) => void;

function resolveDecisionAid(entry: DecisionAidEntry, env: Env, report: Report): DecisionAid | undefined {
  const delivery = resolveDelivery(entry.delivery, env, (path, message) => report(['delivery', ...path], message));
  const results = resolveResults(entry, env, (path, message) => report(['results', ...path], message));
  if (!delivery || (entry.results && !results)) return undefined;
  const sampling = entry.sampling ? { ...entry.sampling, salt: entry.sampling.salt ?? entry.id } : undefined;
  return {
    id: entry.id,
    title: entry.title,
    activityDefinition: entry.activityDefinition,
    koppeltaal: entry.koppeltaal,
    delivery,
    ...(results ? { results } : {}),
    ...(sampling ? { sampling } : {}),
  };
}

// Secrets are looked up here, once, so a missing one stops the start instead of the first invitation.
function resolveDelivery(delivery: DecisionAidEntry['delivery'], env: Env, report: Report): DeliveryConfig | undefined {
  const secret = (path: FieldPath, name: string): string | undefined => {
    const value = env[name];
    if (value && isPlaceholder(value)) report(path, `${name} is still a placeholder; set the real secret`);
    else if (value) return value;
    else report(path, `environment variable ${name} is not set (it holds a secret, so it has no default)`);
    return undefined;
  };
  if (delivery.type === 'signed-link') {
    const key = secret(['secretEnv'], delivery.secretEnv);
    if (key === undefined) return undefined;
    if (key.length < MIN_LINK_SECRET_LENGTH) {
      report(
        ['secretEnv'],
        `${delivery.secretEnv} is shorter than ${MIN_LINK_SECRET_LENGTH} characters (try: openssl rand -hex 32)`,
      );
      return undefined;
    }
    return {
      type: 'signed-link',
      baseUrl: delivery.baseUrl,
      secret: key,
      validForMs: delivery.validFor ?? DEFAULT_LINK_VALIDITY_MS,
    };
  }
  const written = delivery.auth;
  let auth: AidAuth | undefined = { type: 'none' };
  if (written.type === 'bearer') {
    const token = secret(['auth', 'tokenEnv'], written.tokenEnv);
    auth = token === undefined ? undefined : { type: 'bearer', token };
  } else if (written.type === 'header') {
    const value = secret(['auth', 'valueEnv'], written.valueEnv);
    auth = value === undefined ? undefined : { type: 'header', name: written.name, value };
  }
  if (!auth) return undefined;
  const { url, body, linkField } = delivery;
  return {
    type: 'http-api',
    url,
    auth,
    bodyTemplate: body,
    linkField,
    timeoutMs: delivery.timeout ?? DEFAULT_TIMEOUT_MS,
  };
}

function toCompiledTrigger(
  entry: Omit<TriggerEntry, 'codes'> & { codes: CompiledCodeFilter[] },
  file: string,
  line: number | undefined,
): CompiledTrigger {
  return {
    id: entry.id,
    file,
    line,
    keyMoment: entry.keyMoment,
    resourceType: entry.resourceType,
    interactions: new Set(entry.interactions),
    condition: entry.condition,
    codes: entry.codes,
    patient: entry.patient,
    decisionAidId: entry.decisionAid,
    ...entry.recipients,
    delayMs: entry.delay ?? 0,
    throttleMs: entry.throttle ?? 0,
    throttleScope: entry.throttleScope,
    representativeCodes: entry.representatives?.codes
      ? new Set(entry.representatives.codes.map(({ system, code }) => `${system}|${code}`))
      : defaultRepresentativeCodes(entry.representatives?.stepAndFosterParents),
    ...(entry.sampling ? { sampling: { ...entry.sampling, salt: entry.sampling.salt ?? entry.id } } : {}),
  };
}

/**
 * KT2Task (Koppeltaal 2.0, v0.8) allows a Patient, Practitioner or CareTeam as owner, not a
 * RelatedPerson: a Koppeltaal aid can only invite the patient, so a trigger that may invite a
 * guardian for one is refused here rather than failing each invitation later.
 */
function checkKoppeltaalRecipients(
  trigger: CompiledTrigger,
  aids: ReadonlyMap<string, DecisionAid>,
  report: (message: string) => void,
): void {
  if (!aids.get(trigger.decisionAidId)?.koppeltaal || !trigger.recipients.includes('guardian')) return;
  report(
    `may invite a guardian for Koppeltaal aid "${trigger.decisionAidId}", but a KT2Task's owner cannot be a ` +
      'RelatedPerson (Koppeltaal 2.0 v0.8): set recipients: [patient]',
  );
}

function groupByType(triggers: readonly CompiledTrigger[]): Map<string, CompiledTrigger[]> {
  const byType = new Map<string, CompiledTrigger[]>();
  for (const trigger of triggers) {
    const list = byType.get(trigger.resourceType) ?? [];
    list.push(trigger);
    byType.set(trigger.resourceType, list);
  }
  return byType;
}

// Reading order: file by file, top to bottom, so the list matches the way people fix them.
function sortIssues(issues: MappingIssue[]): MappingIssue[] {
  return [...issues].sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
}
