import type { CodeableConcept, Patient, RelatedPerson } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { findContactChannel, type ContactChannel, type DeliveryType } from '../rules/contact-channel.js';

/** The project's CodeSystem for why an invitation Task is not `ready`. */
export const TASK_STATUS_REASON_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/task-status-reason';

/** The project's CodeSystem for what the care team is asked to do with an invitation Task. */
export const TASK_BUSINESS_STATUS_SYSTEM = 'https://sdm-bridge.org/fhir/CodeSystem/task-business-status';

/** What an invitation Task on hold carries besides `status: on-hold`. */
export interface TaskHold {
  statusReason: CodeableConcept;
  businessStatus: CodeableConcept;
}

/** Dutch, as the care team reads it in the EPD: what is missing, per delivery type. */
const MISSING_TEXT: Record<DeliveryType, string> = {
  'http-api': 'Er staat geen e-mailadres of telefoonnummer van de ontvanger in het dossier.',
  'signed-link': 'Er staat geen e-mailadres of mobiel nummer van de ontvanger in het dossier.',
};

/** What the care team can do about it. */
const ACTION_TEXT =
  'Vul de contactgegevens aan en zet de taak op gereed, of geef de link persoonlijk aan de ontvanger.';

/**
 * Why an invitation is recorded on hold rather than dropped: the recipient cannot be reached for
 * this delivery, so the care team gets a Task it can act on (add contact details, or hand over the
 * link in person) instead of an invitation nobody will read. Undefined when the channel is usable.
 */
export function contactHold(deliveryType: DeliveryType, channel: ContactChannel): TaskHold | undefined {
  if (channel.usable) return undefined;
  const missing =
    channel.missing === 'active-record' ? 'De ontvanger is niet actief in het dossier.' : MISSING_TEXT[deliveryType];
  return {
    statusReason: {
      coding: [
        {
          system: TASK_STATUS_REASON_SYSTEM,
          code: 'no-contact-channel',
          display: 'Geen bruikbaar contactkanaal voor de ontvanger',
        },
      ],
      text: missing,
    },
    businessStatus: {
      coding: [
        {
          system: TASK_BUSINESS_STATUS_SYSTEM,
          code: 'contact-details-needed',
          display: 'Contactgegevens aanvullen of link persoonlijk geven',
        },
      ],
      text: ACTION_TEXT,
    },
  };
}

/**
 * Reads the recipient (Patient or RelatedPerson) and finds its channel for this delivery on `onDate`.
 * Why at delivery, not when the event is decided: contact details added during the reflection
 * time count. A recipient gone from the EPD (404/410) has no channel; other failures are thrown so the job retries.
 */
export async function checkRecipientContact(
  epd: EpdClient,
  recipient: string,
  deliveryType: DeliveryType,
  onDate: string,
): Promise<ContactChannel> {
  try {
    return findContactChannel(deliveryType, await epd.read<Patient | RelatedPerson>(recipient), onDate);
  } catch (err) {
    if (err instanceof EpdError && (err.status === 404 || err.status === 410)) {
      return { usable: false, reason: `${recipient} is no longer in the EPD`, missing: 'active-record' };
    }
    throw err;
  }
}
