import { fileURLToPath } from 'node:url';
import type { Patient } from '@medplum/fhirtypes';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import { loadMappings } from '../rules/load-mappings.js';
import type { DecisionAid, KeyMoment } from '../rules/types.js';
import type { AppError } from '../shared/errors.js';
import { expectAllowedReferenceTargets } from '../../test/helpers/reference-targets.js';
import { platformResult, storeInvitationTask } from '../../test/fixtures/results/result-fixtures.js';
import { acceptResult } from './accept-result.js';
import { loadQuestionnaires } from './load-questionnaires.js';
import { planResultWrite } from './plan-result-write.js';
import type { QuestionnaireSet } from './questionnaire-set.js';

// The instrument rules as the shipped mappings/paediatric-asthma.yaml declares them.
const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'results-token-0123456789', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
const AUTHORED = '2026-03-02T20:15:00+01:00';

let aid: DecisionAid;
let questionnaires: QuestionnaireSet;
let epd: FakeEpdClient;
beforeAll(async () => {
  aid = (await loadMappings(SHIPPED, SECRETS)).decisionAids.get('astma-kind')!;
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});
beforeEach(() => {
  epd = createFakeEpdClient();
});

/** A patient who is `age` on the day the result was filled in (birthday the day before). */
async function patientAged(age: number): Promise<void> {
  await epd.repo.updateResource<Patient>({ resourceType: 'Patient', id: 'kind-1', birthDate: `${2026 - age}-03-01` });
}

const ACT = { q1: 4, q2: 4, q3: 5, q4: 3, q5: 4 };
const C_ACT = { q1: 2, q2: 3, q3: 2, q4: 3, q5: 4, q6: 5, q7: 3 };

async function post(
  age: number,
  role: 'patient' | 'guardian',
  extra: Record<string, unknown>,
  keyMoment: KeyMoment = 'medication-change',
) {
  await patientAged(age);
  const { invitationId } = await storeInvitationTask(epd, { role, aid, keyMoment });
  const body = { ...platformResult(invitationId, { sdmq9: null }), ...extra };
  (body.result as { completedAt: string }).completedAt = AUTHORED;
  return acceptResult(aid, body, '2026-03-02T20:16:00Z', { epd, questionnaires });
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('accepted');
    },
    (err: unknown) => err as AppError,
  );

describe('acceptResult: the right instrument for the right person', () => {
  it.each<[string, number, 'patient' | 'guardian', Record<string, unknown>, KeyMoment, RegExp]>([
    [
      'an ACT from the mother of a 13-year-old',
      13,
      'guardian',
      { act: ACT },
      'medication-change',
      /act: rule answeredBy: only the patient/,
    ],
    [
      'an ACT from an 11-year-old',
      11,
      'patient',
      { act: ACT },
      'medication-change',
      /act: rule answeredBy.patient.minAge/,
    ],
    [
      'a C-ACT for a 16-year-old',
      16,
      'guardian',
      { cact: C_ACT },
      'evaluation',
      /c-act: rule answeredBy.guardian.maxAge: .* the patient is older/,
    ],
    [
      "a C-ACT at the child's own invitation",
      13,
      'patient',
      { cact: C_ACT },
      'evaluation',
      /c-act: rule answeredBy: only a parent or guardian/,
    ],
    [
      'an SDM-Q9 from a 13-year-old',
      13,
      'patient',
      { sdmq9: platformResult('x').sdmq9 },
      'medication-change',
      /sdm-q9: rule answeredBy.patient.minAge/,
    ],
    [
      'an SDM-Q9 after an evaluation visit',
      7,
      'guardian',
      { sdmq9: platformResult('x').sdmq9 },
      'evaluation',
      /sdm-q9: rule keyMoments/,
    ],
  ])('refuses %s with 422 naming the rule', async (_name, age, role, extra, moment, rule) => {
    const error = await refusal(post(age, role, extra, moment));
    expect(error.status).toBe(422);
    expect(error.problems.map((p) => p.message)).toEqual([expect.stringMatching(rule)]);
    expect(error.problems[0]!.code).toBe('business-rule');
  });

  it('accepts an ACT from a 13-year-old and an SDM-Q9 from a parent of a 7-year-old', async () => {
    expect((await post(13, 'patient', { act: ACT })).responses.map((r) => r.questionnaire.split('/').pop())).toEqual([
      'keuzeformulier|1.0.0',
      'act|1.0.0',
    ]);
    const sdm = await post(7, 'guardian', { sdmq9: platformResult('x').sdmq9 }, 'treatment-choice');
    expect(sdm.responses.map((r) => r.questionnaire.split('/').pop())).toContain('sdm-q9-ouder|1.0.0');
  });

  it("records the C-ACT child part as the child's answers and the parent part as the parent's", async () => {
    const job = await post(7, 'guardian', { cact: C_ACT }, 'evaluation');
    const { built } = planResultWrite(job, questionnaires, '2026-03-02T20:17:00Z');
    const cact = built.find((b) => b.response.questionnaire?.includes('/c-act|'))!;
    const performerOf = (linkId: string) =>
      cact.observations.find((o) => o.code.coding?.some((c) => c.code === linkId))?.performer?.[0]?.reference;
    expect(['c-act-1', 'c-act-4', 'c-act-5', 'c-act-7'].map(performerOf)).toEqual([
      'Patient/kind-1',
      'Patient/kind-1',
      'RelatedPerson/ouder-1',
      'RelatedPerson/ouder-1',
    ]);
    expect(cact.response.text?.div).toContain('beantwoord door de patiënt zelf');
    expect(() => expectAllowedReferenceTargets([cact.response, ...cact.observations])).not.toThrow();
  });

  it('refuses an age-bound instrument when the patient has no birth date', async () => {
    const { invitationId } = await storeInvitationTask(epd, { role: 'patient', aid });
    const error = await refusal(
      acceptResult(aid, { ...platformResult(invitationId, { sdmq9: null }), act: ACT }, '2026-03-02T20:16:00Z', {
        epd,
        questionnaires,
      }),
    );
    expect(error.problems.map((p) => p.message)).toEqual([expect.stringMatching(/act: rule .*age is unknown/)]);
  });
});
