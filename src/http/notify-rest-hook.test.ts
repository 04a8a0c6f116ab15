import request from 'supertest';
import { readFileSync } from 'node:fs';
import type { EpdEvent } from '../intake/epd-event.js';
import { createLogger } from '../shared/logger.js';
import { createApp } from './create-app.js';

const TOKEN = 'hix-token-0123456789';
/** nl-core-MedicationAgreement-01 (Nictiz/Nictiz-R4-zib2020 @ 2e301158, see test/fixtures/real/README.md). */
const AGREEMENT = JSON.parse(
  readFileSync(new URL('../../test/fixtures/real/nl-core-MedicationAgreement-01.json', import.meta.url), 'utf8'),
) as { id: string };

function appWith() {
  const queued: EpdEvent[] = [];
  const app = createApp({
    log: createLogger({ level: 'silent' }),
    notify: {
      epdBase: 'https://epd.example.org/fhir',
      sources: [{ id: 'hix', auth: { type: 'bearer', token: TOKEN } }],
      maxBodyBytes: 1024 * 1024,
      relevantTypes: () => new Set(['MedicationRequest']),
      enqueueEvents: async (events) => void queued.push(...events),
    },
  });
  return { app, queued };
}

describe('classic R4 rest-hook: POST|PUT /fhir/notify/{type}/{id}', () => {
  it.each(['post', 'put'] as const)(
    '%s with the resource as payload queues it like a bare resource',
    async (method) => {
      const { app, queued } = appWith();
      const res = await request(app)
        [method](`/fhir/notify/MedicationRequest/${AGREEMENT.id}`)
        .set({ 'content-type': 'application/fhir+json', authorization: `Bearer ${TOKEN}` })
        .send(JSON.stringify(AGREEMENT));
      expect(res.status).toBe(202);
      expect(queued.map((e) => [e.reference, e.shape])).toEqual([[`MedicationRequest/${AGREEMENT.id}`, 'resource']]);
    },
  );

  it('without a body queues an id-only event, read from the EPD by the events job', async () => {
    const { app, queued } = appWith();
    const res = await request(app)
      .put('/fhir/notify/MedicationRequest/ma-1')
      .set({ authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(202);
    // No body says nothing of create or update: the events job reads the history when a trigger cares.
    expect(queued).toEqual([expect.objectContaining({ reference: 'MedicationRequest/ma-1', interaction: 'unknown' })]);
    expect(queued[0]?.versionId).toBeUndefined();
  });

  it.each([
    ['a body for another resource', '/fhir/notify/MedicationRequest/other', JSON.stringify(AGREEMENT), 422],
    ['an unknown resource type', '/fhir/notify/Medicine/ma-1', '', 404],
    ['an id that is no FHIR id', '/fhir/notify/MedicationRequest/a_b', '', 404],
  ])('refuses %s', async (_name, path, body, status) => {
    const { app, queued } = appWith();
    const res = await request(app)
      .put(path)
      .set({ 'content-type': 'application/fhir+json', authorization: `Bearer ${TOKEN}` })
      .send(body);
    expect(res.status).toBe(status);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(queued).toEqual([]);
  });

  it('asks for the source credentials like the other shapes', async () => {
    const { app } = appWith();
    expect((await request(app).put('/fhir/notify/MedicationRequest/ma-1')).status).toBe(401);
  });
});
