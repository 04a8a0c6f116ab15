import { fileURLToPath } from 'node:url';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { buildInvitationTask } from '../decision-aids/build-invitation-task.js';
import { createFakeEpdClient } from '../epd/fake-epd-client.js';
import { loadMappings } from '../rules/load-mappings.js';
import { platformResult, storeInvitationTask } from '../../test/fixtures/results/result-fixtures.js';
import { acceptResult } from './accept-result.js';
import { loadQuestionnaires } from './load-questionnaires.js';
import { planResultWrite } from './plan-result-write.js';

const SHIPPED = fileURLToPath(new URL('../../mappings', import.meta.url));
const SECRETS = { ASTMA_KEUZEHULP_TOKEN: 'results-token-0123456789', POSITIEVE_GEZONDHEID_LINK_SECRET: 'x'.repeat(64) };
/** English words that crept into Dutch narratives before. */
const ENGLISH =
  /\b(resources?|resource\(s\)|result|score\(s\)|answers?|invitation|patient|parent|completed|true|false)\b/i;

/** The text of a narrative, without its markup. */
const textOf = (resource: Resource) =>
  ('text' in resource ? (resource.text?.div ?? '') : '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));

describe('Dutch narratives', () => {
  it('of a result (ACT, choice form) and its Task: local dates, no English words, no double periods', async () => {
    const aid = (await loadMappings(SHIPPED, SECRETS)).decisionAids.get('astma-kind')!;
    const questionnaires = await loadQuestionnaires('mappings/questionnaires');
    const epd = createFakeEpdClient();
    await epd.repo.updateResource<Patient>({ resourceType: 'Patient', id: 'kind-1', birthDate: '2012-01-01' });
    const { invitationId } = await storeInvitationTask(epd, { role: 'patient', aid });
    const body = { ...platformResult(invitationId, { sdmq9: null }), act: { q1: 4, q2: 4, q3: 5, q4: 3, q5: 4 } };
    const job = await acceptResult(aid, body, '2026-03-02T20:16:00Z', { epd, questionnaires });
    const { plan } = planResultWrite(job, questionnaires, '2026-03-02T22:30:00Z');
    const task = buildInvitationTask(
      {
        ...job,
        eventKey: 'e',
        source: 's',
        triggerId: 't',
        keyMoment: 'evaluation',
        decisionAidId: aid.id,
        recipient: job.author,
        focus: 'Encounter/e1',
        occurredAt: '2026-03-02T09:00:00Z',
      },
      aid,
      { link: 'https://keuzehulp.example.org/x', expiresAt: '2026-12-19T22:31:10.000Z' },
      '2026-03-02T11:00:00Z',
    );
    const texts = [...plan.entries.map((e) => textOf(e.resource)), textOf(task)];
    expect(texts.join('\n')).toContain('19 december 2026 om 23:31'); // 22:31 UTC is 23:31 in Amsterdam (winter time)
    for (const text of texts) {
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}/);
      expect(text).not.toMatch(/[^.]\.\.(?!\.)/);
      expect(text).not.toMatch(ENGLISH);
    }
  });
});
