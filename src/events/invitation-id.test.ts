import { derivedInvitationIdSecret, invitationIdFor, type InvitationKey } from './invitation-id.js';

const KEY: InvitationKey = {
  epdBase: 'https://epd.example.org/fhir',
  focus: 'MedicationRequest/mr-1/_history/3',
  triggerId: 'astma-medicatiewijziging',
  recipient: 'RelatedPerson/moeder',
};
const SECRET = 'invitation-id-secret-for-tests';

describe('invitationIdFor', () => {
  it('is deterministic and shaped as the job id, Task identifier and Idempotency-Key', () => {
    expect(invitationIdFor(SECRET, KEY)).toBe(invitationIdFor(SECRET, { ...KEY }));
    expect(invitationIdFor(SECRET, KEY)).toMatch(/^inv-[0-9a-f]{32}$/);
  });

  it.each<[string, Partial<InvitationKey>]>([
    ['another EPD', { epdBase: 'https://other.example.org/fhir' }],
    ['another version of the change', { focus: 'MedicationRequest/mr-1/_history/4' }],
    ['another trigger', { triggerId: 'astma-evaluatie' }],
    ['another recipient', { recipient: 'Patient/kind-1' }],
  ])('differs for %s', (_name, change) => {
    expect(invitationIdFor(SECRET, { ...KEY, ...change })).not.toBe(invitationIdFor(SECRET, KEY));
  });

  it('cannot be recomputed without the secret: another secret gives another id', () => {
    expect(invitationIdFor('another-secret-of-some-length', KEY)).not.toBe(invitationIdFor(SECRET, KEY));
  });

  it('refuses an empty secret', () => {
    expect(() => invitationIdFor('', KEY)).toThrow('empty');
  });

  it('derives a default secret that is neither the pseudonym secret nor empty', () => {
    const derived = derivedInvitationIdSecret('pseudonym-secret-0123456789');
    expect(derived).toMatch(/^[0-9a-f]{64}$/);
    expect(derived).toBe(derivedInvitationIdSecret('pseudonym-secret-0123456789'));
    expect(derived).not.toBe(derivedInvitationIdSecret('another-pseudonym-secret-0123'));
  });
});
