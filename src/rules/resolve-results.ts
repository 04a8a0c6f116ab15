import { isPlaceholder } from '../shared/check-secret.js';
import type { FieldPath } from './parse-mapping-file.js';
import type { DecisionAidEntry } from './mapping-schema.js';
import type { ResultsAuth, ResultsConfig } from './types.js';

/**
 * The `results` of a decision aid with its credential read from the environment, once at load,
 * so a missing secret stops the start instead of refusing the first result. Each aid has its own
 * credential: a platform can post results only for its own aid, never as the EPD or another aid.
 * Its length is checked when the service starts (src/pro/check-result-mappings.ts), since the
 * same variable may also hold an outbound token the platform chose.
 */
export function resolveResults(
  entry: DecisionAidEntry,
  env: Readonly<Record<string, string | undefined>>,
  report: (path: FieldPath, message: string) => void,
): ResultsConfig | undefined {
  const results = entry.results;
  if (!results) return undefined;
  const [field, name] =
    results.auth.type === 'bearer' ? ['tokenEnv', results.auth.tokenEnv] : ['secretEnv', results.auth.secretEnv];
  const value = env[name];
  if (value && isPlaceholder(value)) {
    if (!deliverySecretNames(entry).includes(name))
      report(['auth', field], `${name} is still a placeholder; set a random value (openssl rand -hex 32)`);
    return undefined;
  }
  if (!value) {
    // One missing variable, one message: the delivery has already named it when it uses it too.
    if (!deliverySecretNames(entry).includes(name))
      report(['auth', field], `environment variable ${name} is not set (it holds a secret, so it has no default)`);
    return undefined;
  }
  const auth: ResultsAuth =
    results.auth.type === 'bearer' ? { type: 'bearer', token: value } : { type: 'hmac', secret: value };
  return {
    auth,
    invitationField: results.invitationField,
    resultIdField: results.resultIdField,
    ...(results.authoredField ? { authoredField: results.authoredField } : {}),
    questionnaires: results.questionnaires.map((q) => ({
      questionnaire: q.questionnaire,
      ...(q.guardianQuestionnaire ? { guardianQuestionnaire: q.guardianQuestionnaire } : {}),
      optional: q.optional,
      answers: q.answers,
      ...(q.answeredBy ? { answeredBy: q.answeredBy } : {}),
      ...(q.keyMoments ? { keyMoments: q.keyMoments } : {}),
      ...(q.patientItems ? { patientItems: q.patientItems } : {}),
    })),
  };
}

function deliverySecretNames(entry: DecisionAidEntry): string[] {
  const { delivery } = entry;
  if (delivery.type === 'signed-link') return [delivery.secretEnv];
  if (delivery.auth.type === 'bearer') return [delivery.auth.tokenEnv];
  return delivery.auth.type === 'header' ? [delivery.auth.valueEnv] : [];
}
