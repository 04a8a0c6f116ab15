import { createHmac } from 'node:crypto';
import { subjectPseudonym } from '../../src/decision-aids/invitation-adapter.js';

/**
 * Finding (low): one pseudonym for a patient across all aids, so two platforms could link their
 * patients. Now the pseudonym is keyed by aid as well; the secret stays the service's.
 */
const SECRET = 'pseudonym-secret-0123456789abcdef';
const PATIENTS = Array.from({ length: 50 }, (_, i) => `Patient/kind-${i}`);

describe('per-aid pseudonyms', () => {
  it('gives the same patient unrelated pseudonyms at two aids, and no pseudonym is shared between them', () => {
    const atA = PATIENTS.map((p) => subjectPseudonym(p, 'astma-kind', SECRET));
    const atB = PATIENTS.map((p) => subjectPseudonym(p, 'positieve-gezondheid', SECRET));
    expect(new Set([...atA, ...atB]).size).toBe(PATIENTS.length * 2);
  });

  it('stays stable per aid (a platform recognises a returning patient)', () => {
    expect(subjectPseudonym('Patient/kind-1', 'astma-kind', SECRET)).toBe(
      subjectPseudonym('Patient/kind-1', 'astma-kind', SECRET),
    );
  });

  it('cannot be recomputed from the aid and the reference without the secret', () => {
    const guesses = ['', 'astma-kind', 'sdm-bridge'].map((key) =>
      createHmac('sha256', key).update('v2|astma-kind|Patient/kind-1').digest('base64url'),
    );
    expect(guesses).not.toContain(subjectPseudonym('Patient/kind-1', 'astma-kind', SECRET));
  });
});
