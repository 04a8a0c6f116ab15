import { readFileSync } from 'node:fs';
import type { Resource } from '@medplum/fhirtypes';
import { readOneByOne } from '../epd/batch-answer.js';
import { compileMappings } from '../rules/compile-mappings.js';
import { simulate, type SimulateInput } from './simulate.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../test/fixtures/cli/${name}.json`, import.meta.url), 'utf8'));

/** A small mapping of our own, so these cases do not move when the example mapping files change. */
const MAPPINGS = compileMappings(
  [
    {
      name: 'astma.yaml',
      text: `
decisionAids:
  - id: astma-kind
    title: Keuzehulp astma
    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1
    delivery: { type: http-api, url: "http://127.0.0.1:4010/api", auth: { type: none }, body: { a: 1 }, linkField: url }
triggers:
  - id: medicatie-12-17
    keyMoment: medication-change
    resourceType: MedicationRequest
    codes: [{ system: "http://www.whocc.no/atc", prefix: R03B }]
    patient: { minAge: 12, maxAge: 17, departments: [Organization/kinderlongziekten] }
    decisionAid: astma-kind
    recipients: [patient, guardian]
    delay: PT2H
  - id: medicatie-0-11
    keyMoment: medication-change
    resourceType: MedicationRequest
    patient: { maxAge: 11 }
    decisionAid: astma-kind
    recipients: [guardian]
  - id: evaluatie
    keyMoment: evaluation
    resourceType: Encounter
    decisionAid: astma-kind
    recipients: [patient]
`,
    },
  ],
  {},
);

const child = () => [fixture('patient-child-13'), fixture('mother-child-13')] as Resource[];
const run = (overrides: Partial<SimulateInput>) =>
  simulate({
    body: fixture('medication-change-child-13'),
    facts: child(),
    mappings: MAPPINGS,
    mappingsDir: 'mappings',
    ...overrides,
  });

describe('simulate (dry run of one notification)', () => {
  it('names the key moment, the trigger that matched, the invitations, and why the other trigger did not fire', async () => {
    const report = await run({});
    expect(report.dryRun).toBe(true);
    const [event] = report.events;
    expect(event).toMatchObject({
      event: { reference: 'MedicationRequest/mr-child-13', interaction: 'create', occurredAt: '2025-03-03T09:30:00Z' },
      listened: true,
      keyMoments: ['medication-change'],
      matched: [
        {
          triggerId: 'medicatie-12-17',
          keyMoment: 'medication-change',
          decisionAidId: 'astma-kind',
          at: 'mappings/astma.yaml:8',
        },
      ],
      skipped: [
        { triggerId: 'medicatie-0-11', reason: 'patient 13y older than maxAge 11', at: 'mappings/astma.yaml:16' },
      ],
    });
    expect(event!.invitations.map((i) => [i.recipient.role, i.recipient.reference, i.delayMs])).toEqual([
      ['patient', 'Patient/child-13', 7_200_000],
      ['guardian', 'RelatedPerson/mother-child-13', 7_200_000],
    ]);
    expect(event!.invitations[0]!.invitationId).toMatch(/^inv-[0-9a-f]{32}$/);
  });

  it.each([
    [
      'evaluated on a later date, the child is too old for one trigger and old enough for none',
      { date: '2029-07-01T12:00:00Z' },
      ['patient 18y older than maxAge 17', 'patient 18y older than maxAge 11'],
    ],
    [
      'without the mother, the guardian invitation is missing and says so',
      { facts: [fixture('patient-child-13')] as Resource[] },
      [
        'no parent or guardian of Patient/child-13 (RelatedPerson or Patient.contact with a representative code of the trigger: v3 parent/guardian or zib role 11/24 by default)',
        'patient 13y older than maxAge 11',
      ],
    ],
  ])('%s', async (_name, overrides, reasons) => {
    const [event] = (await run(overrides as Partial<SimulateInput>)).events;
    expect(event!.skipped.map((s) => s.reason)).toEqual(reasons);
  });

  it('cannot decide without the patient, and says which file is missing', async () => {
    const [event] = (await run({ facts: [] })).events;
    expect(event!.error).toBe(
      'Patient/child-13 is not in the given files (add it with --facts, or read the EPD with --epd)',
    );
  });

  it('explains a resource type no trigger listens to', async () => {
    const body = {
      resourceType: 'Observation',
      id: 'obs-1',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/child-13' },
    };
    const [event] = (await run({ body })).events;
    expect(event).toMatchObject({ listened: false, matched: [], skipped: [], invitations: [] });
  });

  it('reports an id-only notification whose resource is not in the files, without failing the others', async () => {
    const body = fixture('medication-change-child-13') as { entry: unknown[] };
    const [event] = (await run({ body: { ...body, entry: body.entry.slice(0, 1) } })).events;
    expect(event!.error).toMatch(/^MedicationRequest\/mr-child-13 is not in the given files/);
    expect(event!.unavailable).toBeUndefined();
  });

  it('says when the patient file holds another patient than the resource names', async () => {
    const report = await run({ facts: [fixture('patient-adult-19')] as Resource[] });
    expect(report.notes).toContainEqual(expect.stringContaining('hold Patient/adult-19, which is not the patient'));
  });

  it('leads to nothing for a heartbeat', async () => {
    const heartbeat = JSON.parse(
      readFileSync(new URL('../../test/fixtures/notifications/subscription-heartbeat.json', import.meta.url), 'utf8'),
    );
    expect(await run({ body: heartbeat })).toMatchObject({ notification: 'heartbeat', events: [] });
  });

  it('throws a 4xx AppError with the problems for a body that is not a notification', async () => {
    await expect(run({ body: { hello: 'world' } })).rejects.toMatchObject({ status: 400 });
  });

  it('never writes to the EPD it reads from', async () => {
    const writes: string[] = [];
    const epd = {
      read: async (reference: string) =>
        [
          ...child(),
          ...(fixture('medication-change-child-13') as { entry: { resource: Resource }[] }).entry.map(
            (e) => e.resource,
          ),
        ].find((r) => reference.startsWith(`${r.resourceType}/${r.id}`))!,
      search: async () => [fixture('mother-child-13')],
      readBatch: (urls: string[]) => readOneByOne(epd, urls),
      createIfNoneExist: async () => void writes.push('create'),
      update: async () => void writes.push('update'),
      transaction: async () => void writes.push('transaction'),
    } as unknown as NonNullable<SimulateInput['epd']>;
    const [event] = (await run({ epd, facts: [] })).events;
    expect(event!.invitations).toHaveLength(2);
    expect(writes).toEqual([]);
  });
});
