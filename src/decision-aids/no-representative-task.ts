import type { Task } from '@medplum/fhirtypes';
import type { InvitationJobData } from '../queue/job-types.js';
import type { DecisionAid } from '../rules/types.js';
import { xhtmlNarrative } from '../shared/xhtml-narrative.js';
import { buildInvitationTask } from './build-invitation-task.js';
import { TASK_BUSINESS_STATUS_SYSTEM, TASK_STATUS_REASON_SYSTEM, type TaskHold } from './contact-hold.js';
import { KEY_MOMENT_DISPLAY } from './invitation-task-codes.js';

/** Dutch, as the care team reads it in the EPD: why nobody was invited. */
const REASON_TEXT =
  'Voor dit kind nodigt de keuzehulp alleen een ouder of wettelijk vertegenwoordiger uit, en die staat ' +
  'niet in het dossier: geen contactpersoon met de relatie ouder, voogd of wettelijk vertegenwoordiger.';

/** What the care team can do about it. */
const ACTION_TEXT =
  'Leg een ouder of wettelijk vertegenwoordiger vast als contactpersoon van de patiënt (met die relatie); ' +
  'bij een volgende wijziging wordt die dan uitgenodigd. Of geef de keuzehulp persoonlijk aan de ouders en ' +
  'sluit deze taak af.';

/** The hold of the Task written when a child has nobody who may be invited. */
export const NO_REPRESENTATIVE_HOLD: TaskHold = {
  statusReason: {
    coding: [
      {
        system: TASK_STATUS_REASON_SYSTEM,
        code: 'no-representative',
        display: 'Geen ouder of wettelijk vertegenwoordiger bekend',
      },
    ],
    text: REASON_TEXT,
  },
  businessStatus: {
    coding: [
      {
        system: TASK_BUSINESS_STATUS_SYSTEM,
        code: 'representative-needed',
        display: 'Ouder of vertegenwoordiger vastleggen, of keuzehulp persoonlijk geven',
      },
    ],
    text: ACTION_TEXT,
  },
};

/**
 * The on-hold Task for a key moment of a child that only a parent or guardian may be invited for,
 * when the record names none: `for` the patient, without an owner (there is nobody to own it), with
 * the reason and what to do. Why a Task rather than only a count: the care team sees the key moment
 * in the record and can act on it; the platform is not called. Pure; the caller validates and writes it.
 */
export function buildNoRepresentativeTask(job: InvitationJobData, aid: DecisionAid, now: string): Task {
  const { owner: _nobody, ...task } = buildInvitationTask(job, aid, undefined, now, NO_REPRESENTATIVE_HOLD);
  const description = `Geen uitnodiging verstuurd voor keuzehulp '${aid.title}' bij de ${KEY_MOMENT_DISPLAY[job.keyMoment]}: er is geen ouder of wettelijk vertegenwoordiger van de patiënt bekend.`;
  return { ...task, description, text: xhtmlNarrative([description, REASON_TEXT, ACTION_TEXT], []) };
}
