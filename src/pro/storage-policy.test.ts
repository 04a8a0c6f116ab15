import { fileURLToPath } from 'node:url';
import type { Observation, Patient, QuestionnaireResponse, Task } from '@medplum/fhirtypes';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import { loadMappings } from '../rules/load-mappings.js';
import type { DecisionAid } from '../rules/types.js';
import { expectAllowedReferenceTargets } from '../../test/helpers/reference-targets.js';
import { platformResult, storeInvitationTask } from '../../test/fixtures/results/result-fixtures.js';
import { acceptResult } from './accept-result.js';
import { loadQuestionnaires } from './load-questionnaires.js';
import { planResultWrite } from './plan-result-write.js';
import type { QuestionnaireSet } from './questionnaire-set.js';
import { storagePolicyOf } from './storage-policy.js';
import { writeResult } from './write-result.js';

// The storage policy of the shipped mappings/paediatric-asthma.yaml.
const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'results-token-0123456789', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
const Q = (name: string) => `https://sdm-bridge.org/fhir/Questionnaire/${name}|1.0.0`;

let aid: DecisionAid;
let questionnaires: QuestionnaireSet;
let epd: FakeEpdClient;
beforeAll(async () => {
  aid = (await loadMappings(SHIPPED, SECRETS)).decisionAids.get('astma-kind')!;
  questionnaires = await loadQuestionnaires('mappings/questionnaires');
});
beforeEach(async () => {
  epd = createFakeEpdClient();
  await epd.repo.updateResource<Patient>({ resourceType: 'Patient', id: 'kind-1', birthDate: '2019-01-01' });
});

describe('storagePolicyOf', () => {
  it.each([
    ['sdm-q9', undefined, { response: false, scores: true, items: false }],
    ['sdm-q9-ouder', undefined, { response: false, scores: true, items: false }],
    ['collaborate', undefined, { response: false, scores: true, items: false }],
    ['act', undefined, { response: true, scores: true, items: true }],
    ['c-act', undefined, { response: true, scores: true, items: true }],
    ['sdm-q9', { items: true }, { response: false, scores: true, items: true }],
    ['act', { items: false }, { response: true, scores: true, items: false }],
  ])('%s with store %j', (name, store, expected) => {
    expect(storagePolicyOf(store ? { store } : undefined, questionnaires.get(Q(name))!)).toEqual(expected);
  });
});

describe("what a result writes to the child's record, by the shipped policy", () => {
  it("writes the parent's SDM-Q9 as its score only, and the keuzeformulier as its response only", async () => {
    const { invitationId, task } = await storeInvitationTask(epd, { role: 'guardian', aid });
    const job = await acceptResult(aid, platformResult(invitationId), '2026-03-02T20:16:00Z', { epd, questionnaires });
    await writeResult(epd, planResultWrite(job, questionnaires, '2026-03-02T20:17:00Z').plan);
    const responses = await epd.search<QuestionnaireResponse>('QuestionnaireResponse', {});
    const observations = await epd.search<Observation>('Observation', {});
    expect(responses.map((r) => r.questionnaire)).toEqual([Q('keuzeformulier')]);
    expect(observations.map((o) => o.code.coding?.[0]?.code)).toEqual(['sdm-q9-total']);
    expect(observations[0]!.derivedFrom).toBeUndefined();
    expect(JSON.stringify(observations[0])).not.toMatch(/sdm-q9-[1-9]"/); // no item answers anywhere
    const completed = await epd.read<Task>(task);
    expect(completed.output?.map((o) => [o.type.coding?.[0]?.code, o.valueReference?.reference]).sort()).toEqual([
      ['questionnaire-response', `QuestionnaireResponse/${responses[0]!.id}`],
      ['score', `Observation/${observations[0]!.id}`],
    ]);
    expect(() => expectAllowedReferenceTargets([completed, ...responses, ...observations])).not.toThrow();
  });
});
