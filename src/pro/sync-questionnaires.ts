import type { Questionnaire } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { AppError } from '../shared/errors.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { canonicalOf } from './questionnaire-items.js';

/** What the sync did with one Questionnaire; `changed` lists the top-level fields that differed. */
export interface SyncedQuestionnaire {
  canonical: string;
  action: 'created' | 'updated' | 'unchanged';
  /** `Questionnaire/id` in the EPD. */
  reference: string;
  changed?: string[];
}

/** Fields the server owns; they never count as a change. */
const SERVER_FIELDS = new Set(['id', 'meta']);

/** Identifier system whose value is a Questionnaire's `url|version`: a token the EPD matches exactly. */
export const QUESTIONNAIRE_CANONICAL_SYSTEM = 'https://sdm-bridge.org/fhir/NamingSystem/questionnaire-canonical';

/**
 * Writes the Questionnaires to the EPD, each matched on url and version (a conditional update by
 * hand, since the port has no conditional PUT): absent → created; present and different → updated
 * with If-Match on its version; present and equal → nothing. Running it twice changes nothing the
 * second time. Two EPD Questionnaires with the same url and version are an error to resolve by
 * hand: which one results would cite is not ours to guess.
 *
 * Why the extra identifier (`questionnaire-canonical`, value `url|version`): some servers match a
 * `url` search as a prefix (the sandbox finds sdm-q9-ouder for sdm-q9), so search results are
 * filtered here and the create is conditional on this identifier, a token matched exactly.
 */
export async function syncQuestionnaires(
  epd: EpdClient,
  questionnaires: readonly Questionnaire[],
): Promise<SyncedQuestionnaire[]> {
  const outcomes: SyncedQuestionnaire[] = [];
  for (const questionnaire of questionnaires) {
    const canonical = canonicalOf(questionnaire);
    const wanted = withCanonicalIdentifier(assertValidResource(questionnaire), canonical);
    const query = { url: wanted.url ?? '', version: wanted.version ?? '' };
    const found = (await epd.search<Questionnaire>('Questionnaire', query)).filter(
      (q) => q.url === query.url && q.version === query.version,
    );
    if (found.length > 1) {
      throw new AppError(`the EPD holds ${found.length} Questionnaires ${canonical}; keep one`, {
        status: 409,
        code: 'duplicate',
        retry: false,
      });
    }
    const [existing] = found;
    if (!existing?.id) {
      const { resource, created } = await epd.createIfNoneExist<Questionnaire>(
        wanted,
        `identifier=${QUESTIONNAIRE_CANONICAL_SYSTEM}|${encodeURIComponent(canonical)}`,
      );
      outcomes.push({
        canonical,
        action: created ? 'created' : 'unchanged',
        reference: `Questionnaire/${resource.id}`,
      });
      continue;
    }
    const changed = changedFields(existing, wanted);
    if (changed.length) await updateInPlace(epd, { ...wanted, id: existing.id }, existing.meta?.versionId);
    outcomes.push({
      canonical,
      action: changed.length ? 'updated' : 'unchanged',
      reference: `Questionnaire/${existing.id}`,
      ...(changed.length ? { changed } : {}),
    });
  }
  return outcomes;
}

/** The Questionnaire without server fields, with the canonical identifier added when it lacks one. */
function withCanonicalIdentifier(questionnaire: Questionnaire, canonical: string): Questionnaire {
  const { id: _id, meta: _meta, ...content } = questionnaire;
  if (content.identifier?.some((i) => i.system === QUESTIONNAIRE_CANONICAL_SYSTEM)) return content;
  return {
    ...content,
    identifier: [...(content.identifier ?? []), { system: QUESTIONNAIRE_CANONICAL_SYSTEM, value: canonical }],
  };
}

async function updateInPlace(
  epd: EpdClient,
  questionnaire: Questionnaire & { id: string },
  versionId: string | undefined,
): Promise<void> {
  try {
    await epd.update(questionnaire, versionId ? { ifMatch: versionId } : {});
  } catch (err) {
    if (err instanceof EpdError && err.status === 412) {
      throw new AppError(`Questionnaire ${questionnaire.id} changed in the EPD during the sync; run it again`, {
        status: 409,
        code: 'conflict',
        retry: true,
        cause: err,
      });
    }
    throw err;
  }
}

/** Top-level fields whose content differs (key order ignored), server-owned fields left out. */
export function changedFields(existing: object, wanted: object): string[] {
  const keys = new Set([...Object.keys(existing), ...Object.keys(wanted)].filter((k) => !SERVER_FIELDS.has(k)));
  return [...keys]
    .filter((k) => stable((existing as Record<string, unknown>)[k]) !== stable((wanted as Record<string, unknown>)[k]))
    .sort();
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
