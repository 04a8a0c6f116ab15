import { z } from 'zod';
import { R4_RESOURCE_TYPES } from '../intake/r4-resource-types.js';
import { didYouMean } from './closest-name.js';
import { compileFhirPath, type CompiledPath } from './compile-fhir-path.js';
import { defaultCodePath } from './default-code-paths.js';
import { parseIsoDuration } from './parse-iso-duration.js';
import { recipientsSchema } from './recipient-policy-schema.js';
import { KEY_MOMENTS, SAMPLING_PERIODS } from './types.js';

/** Ids travel into job ids, Task identifiers and metric labels: short, URL-safe, no spaces. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Secrets are named, never written: the name of an environment variable. */
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An absolute URI such as `http://snomed.info/sct` or `urn:oid:2.16.840.1.113883.2.4.4.10`. */
const URI_PATTERN = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
/** A canonical URL with an optional `|version`. */
const CANONICAL_PATTERN = /^https?:\/\/[^\s|]+(\|[^\s|]+)?$/;
/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME_PATTERN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A dot path into a JSON answer, e.g. `invitation.url` or `links.0.href`. */
const DOT_PATH_PATTERN = /^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/;
/** FHIR resource type names. */
const RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z]+$/;
/** ATC codes are upper case (R03BA05); a lower-case prefix would silently never match. */
const ATC_SYSTEM = 'http://www.whocc.no/atc';

const id = z
  .string()
  .regex(ID_PATTERN, { error: 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit' });
const envName = z
  .string()
  .regex(ENV_NAME_PATTERN, { error: 'must be the name of an environment variable (letters, digits, _)' });

const httpUrl = z.string().refine(isHttpUrl, { error: 'must be an absolute http(s) URL' });

const duration = z.string().transform((text, ctx) => {
  const ms = parseIsoDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not an ISO 8601 duration (e.g. PT10S, PT2H, P30D)` });
    return z.NEVER;
  }
  return ms;
});

/** A FHIRPath expression, parsed here so a broken one is a load error with a line number. */
const fhirPath = z.string().transform((text, ctx) => {
  try {
    return compileFhirPath(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `FHIRPath does not parse: ${(err as Error).message}` });
    return z.NEVER;
  }
});

const auth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({ type: z.literal('bearer'), tokenEnv: envName }),
  z.strictObject({
    type: z.literal('header'),
    name: z.string().regex(HEADER_NAME_PATTERN, { error: 'not an HTTP header name' }),
    valueEnv: envName,
  }),
]);

const delivery = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('http-api'),
    url: httpUrl,
    auth,
    body: z.record(z.string(), z.unknown(), { error: 'must be a JSON object (the request body template)' }),
    linkField: z.string().regex(DOT_PATH_PATTERN, { error: 'must be a dot path such as invitation.url' }),
    timeout: duration.refine((ms) => ms > 0, { error: 'must be longer than zero' }).optional(),
  }),
  z.strictObject({
    type: z.literal('signed-link'),
    baseUrl: httpUrl,
    secretEnv: envName,
    validFor: duration.refine((ms) => ms > 0, { error: 'must be longer than zero' }).optional(),
  }),
]);

/** A canonical URL that names its version: a result is always read with the exact Questionnaire it answered. */
const VERSIONED_CANONICAL_PATTERN = /^https?:\/\/[^\s|]+\|[^\s|]+$/;
const versionedCanonical = z
  .string()
  .regex(VERSIONED_CANONICAL_PATTERN, { error: 'must be a canonical URL with |version' });
const dotPath = z.string().regex(DOT_PATH_PATTERN, { error: 'must be a dot path such as answers.q1' });

/** `{ minAge: 12 }`: the patient's ages (whole years, both ends included) at which a role may answer. */
const ageBandSchema = z
  .strictObject({
    minAge: z.number().int().min(0).max(150).optional(),
    maxAge: z.number().int().min(0).max(150).optional(),
  })
  .nullish()
  .transform((band) => band ?? {})
  .refine((band) => band.minAge === undefined || band.maxAge === undefined || band.minAge <= band.maxAge, {
    error: 'minAge is above maxAge',
  });

/** The optional `results` of a decision aid: how its platform posts results back (secrets by env name). */
const resultsSchema = z.strictObject({
  auth: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('bearer'), tokenEnv: envName }),
    z.strictObject({ type: z.literal('hmac'), secretEnv: envName }),
  ]),
  invitationField: dotPath,
  resultIdField: dotPath,
  authoredField: dotPath.optional(),
  questionnaires: z
    .array(
      z.strictObject({
        questionnaire: versionedCanonical,
        guardianQuestionnaire: versionedCanonical.optional(),
        optional: z.boolean().default(false),
        answers: z
          .record(z.string().min(1), dotPath)
          .refine((a) => Object.keys(a).length > 0, { error: 'maps no answers' }),
        answeredBy: z
          .strictObject({ patient: ageBandSchema.optional(), guardian: ageBandSchema.optional() })
          .refine((a) => a.patient !== undefined || a.guardian !== undefined, { error: 'names nobody who may answer' })
          .optional(),
        keyMoments: z.array(z.enum(KEY_MOMENTS)).min(1).optional(),
        patientItems: z.array(z.string().min(1)).min(1).optional(),
        store: z
          .strictObject({
            response: z.boolean().optional(),
            scores: z.boolean().optional(),
            items: z.boolean().optional(),
          })
          .optional(),
      }),
    )
    .min(1)
    .refine((list) => isUnique(list.map((q) => q.questionnaire)), { error: 'lists a questionnaire twice' }),
});

/**
 * `sampling: { share: 0.3, period: month }` on a trigger or aid: invite only that share of key
 * moments, drawn per patient and period (see in-sample.ts). `salt` defaults to the entry's id.
 */
const samplingSchema = z.strictObject({
  share: z
    .number({ error: 'must be a number above 0 and at most 1, e.g. 0.3' })
    .gt(0, { error: 'must be above 0 (leave sampling out to invite everyone)' })
    .max(1, { error: 'must be at most 1 (a share, not a percentage)' }),
  period: z.enum(SAMPLING_PERIODS).default('month'),
  salt: z.string().trim().min(1).max(64).optional(),
});

/** One `decisionAids` entry as written (secrets still by env name). */
export const decisionAidSchema = z.strictObject({
  id,
  title: z.string().trim().min(1),
  activityDefinition: z
    .string()
    .regex(CANONICAL_PATTERN, { error: 'must be a canonical URL, optionally with |version' }),
  koppeltaal: z.boolean().default(false),
  delivery,
  results: resultsSchema.optional(),
  sampling: samplingSchema.optional(),
});

const codeFilter = z
  .strictObject({
    path: z.string().optional(),
    system: z.string().regex(URI_PATTERN, { error: 'must be an absolute code system URI' }).optional(),
    code: z.string().min(1).optional(),
    prefix: z.string().min(1).optional(),
    /** A ValueSet file under the mappings directory (`valuesets/asthma.json`) or the canonical URL of one. */
    valueSet: z.string().trim().min(1).optional(),
  })
  .superRefine((filter, ctx) => {
    if (filter.valueSet !== undefined) {
      for (const field of ['system', 'code', 'prefix'] as const)
        if (filter[field] !== undefined)
          ctx.addIssue({ code: 'custom', message: 'give either valueSet or system with code/prefix', path: [field] });
      return;
    }
    if (filter.system === undefined)
      ctx.addIssue({ code: 'custom', message: 'is required (or name a valueSet)', path: ['system'] });
    if ((filter.code === undefined) === (filter.prefix === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give either code or prefix (exactly one)', path: ['code'] });
    }
    const value = filter.code ?? filter.prefix;
    if (filter.system === ATC_SYSTEM && value !== undefined && value !== value.toUpperCase()) {
      ctx.addIssue({
        code: 'custom',
        message: `ATC codes are upper case: write ${value.toUpperCase()}`,
        path: [filter.code ? 'code' : 'prefix'],
      });
    }
  });

/** Ages in whole years; 150 catches a birth year typed where an age belongs. */
const age = z
  .int({ error: 'must be a whole number of years' })
  .min(0, { error: 'must be 0 or more' })
  .max(150, { error: 'must be 150 or less' });

const patientFilter = z
  .strictObject({
    minAge: age.optional(),
    maxAge: age.optional(),
    // A variable may hold several departments, comma-separated: `[${ASTMA_DEPARTMENTS}]`.
    departments: z
      .array(z.string())
      .transform((list) =>
        list
          .flatMap((item) => item.split(','))
          .map((item) => item.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string()).min(1, { error: 'names no department' }))
      .optional(),
  })
  .refine((p) => p.minAge === undefined || p.maxAge === undefined || p.minAge <= p.maxAge, {
    error: 'maxAge is below minAge',
    path: ['maxAge'],
  });

const triggerFields = z.strictObject({
  id,
  keyMoment: z.enum(KEY_MOMENTS),
  resourceType: z
    .string()
    .regex(RESOURCE_TYPE_PATTERN, { error: 'must be a FHIR resource type such as MedicationRequest' })
    .refine((type) => R4_RESOURCE_TYPES.has(type), {
      // Checked before the code paths, so a typo is named as such and not as a missing code path.
      error: (issue) =>
        `"${String(issue.input)}" is not a FHIR R4 resource type${didYouMean(String(issue.input), R4_RESOURCE_TYPES)}`,
    }),
  interactions: z
    .array(z.enum(['create', 'update', 'delete']))
    .min(1)
    .refine(isUnique, { error: 'lists an interaction twice' })
    .default(['create', 'update']),
  condition: fhirPath.optional(),
  codes: z.array(codeFilter).min(1).optional(),
  patient: patientFilter.default({}),
  decisionAid: id,
  recipients: recipientsSchema,
  delay: duration.optional(),
  throttle: duration.optional(),
  /**
   * Who counts as a child's parent or legal representative (WGBO). Without `codes`: v3 parents and
   * guardian, zib roles 11 (Voogd) and 24 (Wettelijke vertegenwoordiger); step- and foster parents
   * only with `stepAndFosterParents: true`. With `codes`: exactly those.
   */
  representatives: z
    .strictObject({
      codes: z
        .array(
          z.strictObject({
            system: z.string().regex(URI_PATTERN, { error: 'must be an absolute code system URI' }),
            code: z.string().min(1),
          }),
        )
        .min(1)
        .optional(),
      stepAndFosterParents: z.boolean().default(false),
    })
    .optional(),
  /**
   * What one throttle window holds back: the same aid for the same key moment (default), or the
   * same aid whatever the key moment (`decision-aid`: one invitation per aid per window).
   */
  throttleScope: z.enum(['key-moment', 'decision-aid']).default('key-moment'),
  sampling: samplingSchema.optional(),
});

/**
 * One `triggers` entry: FHIRPath parsed and tried once on an empty resource of the trigger's type,
 * code paths defaulted per resource type, durations in milliseconds.
 */
export const triggerSchema = triggerFields.transform((trigger, ctx) => {
  const { resourceType } = trigger;
  let failed = false;
  const compileOn = (expression: string | undefined, path: (string | number)[]) => {
    try {
      if (expression !== undefined) return compileFhirPath(expression, resourceType);
      ctx.addIssue({ code: 'custom', message: `no default code path for ${resourceType}: give a path`, path });
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `FHIRPath does not work on ${resourceType}: ${(err as Error).message}`,
        path,
      });
    }
    failed = true;
    return undefined;
  };
  const condition = trigger.condition && compileOn(trigger.condition.expression, ['condition']);
  const codes = (trigger.codes ?? []).map((filter, index) => ({
    path: filter.path
      ? compileOn(filter.path, ['codes', index, 'path'])
      : withLabel(
          compileOn(defaultCodePath(resourceType), ['codes', index, 'path']),
          `the usual codes of ${resourceType}`,
        ),
    system: filter.system,
    code: filter.code,
    prefix: filter.prefix,
    valueSet: filter.valueSet,
  }));
  if (failed) return z.NEVER;
  return { ...trigger, condition, codes: codes as ((typeof codes)[number] & { path: CompiledPath })[] };
});

/** The top level of a mapping file; entries are checked one by one so one bad entry does not hide the others. */
export const mappingFileSchema = z
  .strictObject({ decisionAids: z.array(z.unknown()).optional(), triggers: z.array(z.unknown()).optional() })
  .nullable()
  .transform((file) => ({ decisionAids: file?.decisionAids ?? [], triggers: file?.triggers ?? [] }));

/** A decision aid as the schema outputs it. */
export type DecisionAidEntry = z.output<typeof decisionAidSchema>;
/** A trigger as the schema outputs it. */
export type TriggerEntry = z.output<typeof triggerSchema>;

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isUnique(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}

/** A default code path, named in skip reasons by what it reads rather than by its long expression (see default-code-paths.ts). */
function withLabel(path: CompiledPath | undefined, label: string): CompiledPath | undefined {
  return path && { ...path, label };
}
