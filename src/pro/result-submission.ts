import type { QuestionnaireResponse } from '@medplum/fhirtypes';
import type { Problem } from '../shared/errors.js';

/** How a result names its invitation: the invitation id (the Task's identifier value) or the Task's id in the EPD. */
export type InvitationKey = { invitationId: string; field: string } | { taskId: string; field: string };

/** One piece of a posted result, before it is tied to its invitation. */
export type SubmittedPart =
  | {
      kind: 'platform-json';
      json: unknown;
      /** Result id when the JSON itself has none (a Koppeltaal Task's output). */
      fallbackResultId?: string;
    }
  | {
      kind: 'questionnaire-response';
      response: QuestionnaireResponse;
      /** Used as the identifier value when the response has no identifier. */
      fallbackResultId?: string;
      /** Where in the posted body it was, for messages (`output[0]`). */
      source: string;
    };

/** What was read from a posted body: which invitation, which parts, and what was wrong with it. */
export interface ResultSubmission {
  invitation?: InvitationKey;
  parts: SubmittedPart[];
  problems: Problem[];
}
