import type { TaskHold } from './contact-hold.js';
import { TASK_BUSINESS_STATUS_SYSTEM, TASK_STATUS_REASON_SYSTEM } from './contact-hold.js';

/** Why the platform step left an invitation Task on hold instead of ready. */
export type PlatformHoldReason = 'no-usable-link' | 'platform-refused' | 'platform-unreachable';

/** Dutch, as the care team reads it; generic on purpose: no patient data and nothing the platform said. */
const REASON: Record<PlatformHoldReason, { display: string; text: string }> = {
  'no-usable-link': {
    display: 'Keuzehulp gaf geen bruikbare link',
    text: 'Het keuzehulpplatform heeft de uitnodiging aangenomen maar gaf geen bruikbare link terug.',
  },
  'platform-refused': {
    display: 'Keuzehulp weigerde de uitnodiging',
    text: 'Het keuzehulpplatform heeft de uitnodiging geweigerd (instelling of sjabloon).',
  },
  'platform-unreachable': {
    display: 'Keuzehulp niet bereikbaar',
    text: 'Het keuzehulpplatform was na herhaalde pogingen niet bereikbaar.',
  },
};

const ACTION_TEXT = 'Functioneel beheer lost dit op en biedt de uitnodiging opnieuw aan; de taak wordt dan gereed.';

/**
 * The hold of an invitation Task whose platform step did not end with a link. Why on hold and not
 * left `requested`: the family may or may not have been told, and the care team must see that;
 * replaying the job (same invitation id, so the platform hands back the same invitation) makes it ready.
 */
export function platformHold(reason: PlatformHoldReason): TaskHold {
  return {
    statusReason: {
      coding: [{ system: TASK_STATUS_REASON_SYSTEM, code: reason, display: REASON[reason].display }],
      text: REASON[reason].text,
    },
    businessStatus: {
      coding: [
        {
          system: TASK_BUSINESS_STATUS_SYSTEM,
          code: 'replay-needed',
          display: 'Opnieuw aanbieden na herstel',
        },
      ],
      text: ACTION_TEXT,
    },
  };
}
