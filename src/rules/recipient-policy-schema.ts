import { z } from 'zod';
import { DEFAULT_RECIPIENT_AGE_POLICY, rolesOfPolicy, type RecipientAgePolicy } from './recipient-policy.js';
import { RECIPIENT_ROLES, type RecipientRole } from './types.js';

/** Ages in whole years; 150 catches a birth year typed where an age belongs. */
const age = z
  .int({ error: 'must be a whole number of years' })
  .min(0, { error: 'must be 0 or more' })
  .max(150, { error: 'must be 150 or less' });

const roleList = z
  .array(z.enum(RECIPIENT_ROLES))
  .min(1)
  .refine((roles) => new Set(roles).size === roles.length, { error: 'lists a recipient twice' });

const band = z.strictObject({ fromAge: age, recipients: roleList });

const byAgeTable = z.strictObject({
  byAge: z
    .array(band)
    .min(1)
    .superRefine((bands, ctx) => {
      if (bands[0]?.fromAge !== 0)
        ctx.addIssue({
          code: 'custom',
          message: 'the first band must start at fromAge 0, so every age has recipients',
          path: [0, 'fromAge'],
        });
      bands.forEach((current, index) => {
        const previous = bands[index - 1];
        if (previous && current.fromAge <= previous.fromAge) {
          ctx.addIssue({
            code: 'custom',
            message: `fromAge must go up: ${current.fromAge} follows ${previous.fromAge}`,
            path: [index, 'fromAge'],
          });
        }
      });
    }),
});

/** What a trigger's `recipients` compiles to: the roles it may invite, and the age bands when by age. */
export interface CompiledRecipients {
  /** A fixed list, or every role the age policy may invite. */
  recipients: readonly RecipientRole[];
  /** Set when the roles depend on the patient's age on the day of the key moment. */
  recipientsByAge?: RecipientAgePolicy;
}

/** Says "is required" instead of zod's "expected number, received undefined", like parse-mapping-file does. */
const requiredMessage: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined;

/** The shapes `recipients` may take, said once for every wrong one. */
const SHAPES =
  'must be a list of roles ([patient, guardian]), by-age, or { byAge: [{ fromAge: 0, recipients: [guardian] }, ...] }';

/**
 * A trigger's `recipients`: a fixed list (`[patient, guardian]`), `by-age` (the paediatric
 * default policy), or `{ byAge: [...] }` (this trigger's own age bands). Why a hand-made dispatch
 * rather than `z.union`: a union reports "invalid input" for a table with one wrong band; this way
 * the message names the band and the field.
 */
export const recipientsSchema = z.unknown().transform((value, ctx): CompiledRecipients => {
  if (value === 'by-age')
    return { recipients: rolesOfPolicy(DEFAULT_RECIPIENT_AGE_POLICY), recipientsByAge: DEFAULT_RECIPIENT_AGE_POLICY };
  const schema = Array.isArray(value) ? roleList : value !== null && typeof value === 'object' ? byAgeTable : undefined;
  if (!schema) {
    ctx.addIssue({ code: 'custom', message: value === undefined ? 'is required' : SHAPES });
    return z.NEVER;
  }
  const parsed = schema.safeParse(value, { error: requiredMessage });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path as (string | number)[];
      // Same words as the rest of the file's checks: one "unknown field" per unknown key, at that key.
      if (issue.code === 'unrecognized_keys')
        for (const key of issue.keys) ctx.addIssue({ code: 'custom', message: 'unknown field', path: [...path, key] });
      else ctx.addIssue({ code: 'custom', message: issue.message, path });
    }
    return z.NEVER;
  }
  if (Array.isArray(parsed.data)) return { recipients: parsed.data };
  const policy = parsed.data.byAge;
  return { recipients: rolesOfPolicy(policy), recipientsByAge: policy };
});
