import { skipClass } from './skip-class.js';

// The reasons as the rules word them (see check-trigger.ts, match-codes.ts, evaluate-rules.ts, event-job.ts).
describe('skipClass', () => {
  it.each([
    ['interaction delete not in [create, update]', undefined, 'interaction'],
    ["condition false: status = 'active'", undefined, 'condition'],
    ['FHIRPath failed: boom', undefined, 'condition'],
    ['PRK code 71587 does not match a code of value set valuesets/astma-medicatie-gstandaard.json', undefined, 'code'],
    ['no code of the wanted system at code (wanted SNOMED code 406162001)', undefined, 'code'],
    ['patient unknown (the resource names no patient, or it could not be read)', undefined, 'patient'],
    ['patient is deceased', undefined, 'patient'],
    ['patient 19y older than maxAge 17', undefined, 'age'],
    ['patient birth date unknown, needed for the age filter', undefined, 'age'],
    [
      'department unknown: no Encounter.serviceProvider, requester organization or Patient.managingOrganization',
      undefined,
      'department',
    ],
    ['department Organization/x (Encounter.serviceProvider) not in [Organization/y]', undefined, 'department'],
    ['throttled: astma-kind already offered within the window for medication-change', undefined, 'throttled'],
    ['no parent or guardian of Patient/p (…)', 'no-guardian', 'no-representative'],
    ['Consent/c objects', 'objection', 'objection'],
    ['not in sample (30% of patients per month)', 'not-in-sample', 'not-in-sample'],
    ['the birth date does not tell the age', 'age-unknown', 'age'],
    ['something new', undefined, 'other'],
  ] as const)('%s → %s', (reason, code, expected) => {
    expect(skipClass({ reason, ...(code ? { code } : {}) })).toBe(expected);
  });
});
