import { createHash } from 'node:crypto';
import type {
  Extension,
  Observation,
  Questionnaire,
  QuestionnaireItem,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
} from '@medplum/fhirtypes';
import type { ResultResponseDraft } from '../queue/job-types.js';
import { extractObservations, observationBase } from './extract-observations.js';
import { INVITATION_ID_SYSTEM } from '../decision-aids/invitation-task-codes.js';
import {
  INVITATION_EXTENSION,
  PRO_SCORE_SYSTEM,
  RESULT_OBSERVATION_ID_SYSTEM,
  SCORE_UNIT,
  SURVEY_CATEGORY,
} from './pro-codes.js';
import { itemsByLinkId } from './questionnaire-items.js';
import { html, type Markup, xhtmlNarrative } from '../shared/xhtml-narrative.js';
import { answerText, dutchDate, filledInBy, questionText } from './result-narrative.js';
import { scoreResponse, type ComputedScore } from './score-questionnaire.js';
import { STORE_EVERYTHING } from './storage-policy.js';

/** Who a result is about and from, by reference (from the invitation Task). */
export interface ResultParties {
  /** `Task/id` of the invitation. */
  task: string;
  /** The invitation id (the Task's identifier value). */
  invitationId: string;
  /** `Patient/id` */
  patient: string;
  /** `Patient/id` or `RelatedPerson/id`: who filled it in; `#id` for a parent the invitation Task contains. */
  author: string;
}

/** The resources of one response: the QuestionnaireResponse (with its transaction fullUrl) and its Observations. */
export interface BuiltResponse {
  fullUrl: string;
  response: QuestionnaireResponse;
  /** What is written, by the storage policy: extracted answers first, then one per computed score. */
  observations: Observation[];
  scores: ComputedScore[];
  /** Whether the response itself is written (else only its Observations, which then name no response). */
  storeResponse: boolean;
}

/**
 * Builds what one checked response becomes in the record. Pure and deterministic: the fullUrl and
 * every identifier derive from the response's identifier, so a retried job builds the same
 * resources and its conditional creates find the ones already written.
 */
export function buildResultResources(
  questionnaire: Questionnaire,
  draft: ResultResponseDraft,
  parties: ResultParties,
): BuiltResponse {
  const key = `${draft.identifier.system}|${draft.identifier.value}`;
  const fullUrl = `urn:uuid:${uuidFrom(key)}`;
  const scores = scoreResponse(questionnaire, draft.item);
  const response: QuestionnaireResponse = {
    resourceType: 'QuestionnaireResponse',
    text: responseNarrative(questionnaire, draft, parties.author, scores),
    // Why an extension and not basedOn: R4 allows only CarePlan and ServiceRequest in basedOn, and
    // strict servers refuse a Task there. The Task's output names this response; this extension
    // names the invitation back (by its identifier and the Task), so either side finds the other.
    extension: [invitationExtension(parties)],
    identifier: draft.identifier,
    questionnaire: draft.questionnaire,
    status: 'completed',
    subject: { reference: parties.patient, type: 'Patient' },
    authored: draft.authored,
    ...authorAndSource(parties.author),
    item: draft.item,
  };
  const identifierPrefix = createHash('sha256').update(key).digest('hex').slice(0, 24);
  const store = draft.store ?? STORE_EVERYTHING;
  const extracted = store.items
    ? extractObservations({
        questionnaire,
        response,
        responseReference: fullUrl,
        identifierPrefix,
        patientItems: new Set(draft.patientItems ?? []),
      })
    : [];
  const scored = store.scores
    ? scores.map((score) => scoreObservation(score, response, fullUrl, identifierPrefix))
    : [];
  // A response that is not written cannot be pointed at: its Observations then stand on their own.
  const observations = [...extracted, ...scored].map((o) => (store.response ? o : withoutDerivedFrom(o)));
  return { fullUrl, response, observations, scores, storeResponse: store.response };
}

/**
 * Who filled it in. A parent known only as a Patient.contact is contained in the invitation Task,
 * and a reference cannot reach into another resource's contained: the response then names the
 * parent in words (without personal data); the Task it points at has the person.
 */
function authorAndSource(author: string): Pick<QuestionnaireResponse, 'author' | 'source'> {
  if (author.startsWith('#')) {
    const contactOnly = { type: 'RelatedPerson' as const, display: CONTACT_AUTHOR_DISPLAY };
    return { author: contactOnly, source: contactOnly };
  }
  return {
    author: { reference: author, type: typeOf(author) },
    source: { reference: author, type: typeOf(author) as 'Patient' | 'RelatedPerson' },
  };
}

/** The words for a parent known only as a Patient.contact (see the invitation Task's owner). */
export const CONTACT_AUTHOR_DISPLAY =
  'ouder of vertegenwoordiger (contactpersoon bij de patiënt, zie de uitnodigingstaak)';

function scoreObservation(
  score: ComputedScore,
  response: QuestionnaireResponse,
  fullUrl: string,
  identifierPrefix: string,
): Observation {
  const quantity = (value: number) => ({ value, ...SCORE_UNIT });
  return {
    ...observationBase(response, fullUrl),
    text: xhtmlNarrative([
      html`<b>${score.sentence}</b>`,
      `Berekend uit de antwoorden van ${filledInBy(response.author?.reference ?? `#${response.author?.type ?? ''}`)}, ingevuld op ${dutchDate(response.authored ?? '')}.`,
    ]),
    identifier: [{ system: RESULT_OBSERVATION_ID_SYSTEM, value: `${identifierPrefix}/score/${score.code}` }],
    category: [{ coding: [{ ...SURVEY_CATEGORY }] }],
    code: {
      coding: [
        { system: PRO_SCORE_SYSTEM, code: score.code, display: score.display },
        ...(score.publicCode ? [{ ...score.publicCode }] : []),
      ],
      text: score.display,
    },
    valueQuantity: quantity(score.value),
    ...(score.band ? { interpretation: [{ coding: [score.band], text: score.band.display }] } : {}),
    referenceRange: [
      {
        low: quantity(score.range.low),
        high: quantity(score.range.high),
        text: `${score.range.low} tot en met ${score.range.high}`,
      },
    ],
  };
}

function responseNarrative(
  questionnaire: Questionnaire,
  draft: ResultResponseDraft,
  author: string,
  scores: readonly ComputedScore[],
) {
  const title = questionnaire.title ?? questionnaire.name ?? draft.questionnaire;
  const heading = html`<b>${title}</b>, ingevuld door ${filledInBy(author)} op ${dutchDate(draft.authored)}.`;
  const definitions = itemsByLinkId(questionnaire);
  const lines: Markup[] = [];
  const walk = (items: readonly QuestionnaireResponseItem[] | undefined) => {
    for (const item of items ?? []) {
      const definition: QuestionnaireItem = definitions.get(item.linkId) ?? { linkId: item.linkId, type: 'string' };
      if (item.answer?.length)
        lines.push(html`${questionText(definition)} — <b>${item.answer.map(answerText).join('; ')}</b>`);
      walk(item.item);
      for (const answer of item.answer ?? []) walk(answer.item);
    }
  };
  walk(draft.item);
  const byPatient = (draft.patientItems ?? []).map((linkId) => definitions.get(linkId)).filter((d) => d !== undefined);
  const patientPart = byPatient.length
    ? [`${byPatient.map((d) => `'${questionText(d)}'`).join(' en ')}: beantwoord door de patiënt zelf.`]
    : [];
  return xhtmlNarrative([heading, ...patientPart, ...scores.map((s) => s.sentence)], lines);
}

function withoutDerivedFrom(observation: Observation): Observation {
  const { derivedFrom: _left, ...rest } = observation;
  return rest;
}

/** The link from a response to its invitation Task: an extension, as R4 allows any target there. */
export function invitationExtension(parties: Pick<ResultParties, 'task' | 'invitationId'>): Extension {
  return {
    url: INVITATION_EXTENSION,
    valueReference: {
      reference: parties.task,
      type: 'Task',
      identifier: { system: INVITATION_ID_SYSTEM, value: parties.invitationId },
    },
  };
}

/** `Task/id` of the invitation a written response answers (from its invitation extension). */
export function invitationTaskOf(response: QuestionnaireResponse): string | undefined {
  return response.extension?.find((e) => e.url === INVITATION_EXTENSION)?.valueReference?.reference;
}

/** A UUID-shaped name derived from a key (RFC 4122 layout, version 8 "custom"), for transaction fullUrls. */
export function uuidFrom(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  const variant = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function typeOf(reference: string): 'Patient' | 'RelatedPerson' {
  return reference.startsWith('RelatedPerson/') ? 'RelatedPerson' : 'Patient';
}
