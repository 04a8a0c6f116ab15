import type { Patient } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import type { ResultResponseDraft } from '../queue/job-types.js';
import { ageOnDate } from '../rules/age-on-date.js';
import type { ResultsConfig } from '../rules/types.js';
import type { Problem } from '../shared/errors.js';
import { instrumentProblems, mappingOf, needsAge } from './check-instrument-rules.js';
import type { FoundInvitation } from './find-invitation.js';

/**
 * Checks every questionnaire of a result against its instrument rules (who may answer, the
 * patient's ages, after which key moments). Reads the Patient only when an age rule applies, and
 * then only its birth date; the age is taken on the day each questionnaire was filled in.
 */
export async function respondentProblems(
  drafts: readonly ResultResponseDraft[],
  invitation: FoundInvitation,
  results: ResultsConfig,
  epd: EpdClient,
): Promise<Problem[]> {
  const mappings = drafts.map((d) => mappingOf(results.questionnaires, d.questionnaire));
  const role = invitation.author.role;
  const birthDate = needsAge(mappings, role) ? await birthDateOf(epd, invitation.patient) : undefined;
  return drafts.flatMap((draft, index) => {
    const mapping = mappings[index];
    if (!mapping) return [];
    const age = birthDate ? ageOnDate(birthDate, draft.authored) : undefined;
    return instrumentProblems(
      mapping,
      { role, keyMoment: invitation.keyMoment, age },
      'QuestionnaireResponse.questionnaire',
    );
  });
}

/** The draft with the linkIds its patient answers (the C-ACT child part), from its mapping. */
export function withPatientItems(draft: ResultResponseDraft, results: ResultsConfig): ResultResponseDraft {
  const items = mappingOf(results.questionnaires, draft.questionnaire)?.patientItems;
  return items?.length ? { ...draft, patientItems: [...items] } : draft;
}

async function birthDateOf(epd: EpdClient, patient: string): Promise<string | undefined> {
  try {
    return (await epd.read<Patient>(patient)).birthDate;
  } catch (err) {
    if (err instanceof EpdError && (err.status === 404 || err.status === 410)) return undefined;
    throw err;
  }
}
