import { formatSimulation } from './simulate-format.js';
import type { EventSimulation } from './simulate.js';

const event: EventSimulation = {
  event: {
    eventKey: 'hix|MedicationRequest/ma-1/_history/1',
    source: 'hix',
    shape: 'resource',
    resourceType: 'MedicationRequest',
    reference: 'MedicationRequest/ma-1',
    interaction: 'create',
    occurredAt: '2026-05-01T10:00:00+02:00',
  },
  listened: true,
  keyMoments: ['medication-change'],
  matched: [{ triggerId: 'astma-medicatiewijziging' }],
  skipped: [],
  invitations: [],
};
const planned = { triggerId: 'astma-medicatiewijziging', keyMoment: 'medication-change', decisionAidId: 'astma-kind' };

describe('formatSimulation: representatives', () => {
  it('says when a parent is known only as a Patient.contact', () => {
    const lines = formatSimulation({
      dryRun: true,
      notification: 'resource',
      notes: [],
      events: [
        {
          ...event,
          invitations: [
            {
              ...planned,
              invitationId: 'inv-1',
              recipient: { role: 'guardian', reference: 'Patient/kind-1', contact: 'contact-0123' },
              delayMs: 7_200_000,
            },
          ],
        },
      ],
    });
    expect(lines).toContain(
      '    → astma-kind (medication-change) to guardian Patient/kind-1 (a Patient.contact, contained in the Task), after 2 h  [job inv-1]',
    );
  });

  it('lists an on-hold Task apart from the invitations', () => {
    const lines = formatSimulation({
      dryRun: true,
      notification: 'resource',
      notes: [],
      events: [
        {
          ...event,
          invitations: [
            {
              ...planned,
              invitationId: 'inv-2',
              recipient: { role: 'guardian', reference: 'Patient/kind-1' },
              delayMs: 0,
              noRepresentative: true,
            },
          ],
        },
      ],
    });
    expect(lines).toEqual(
      expect.arrayContaining([
        '  Invitations that would go out: 0',
        '  On-hold Tasks for the care team (no parent or guardian to invite): 1',
        '    ⏸ astma-kind (medication-change) for Patient/kind-1  [job inv-2]',
      ]),
    );
  });
});
