import { FIXTURE_AIDS, storeKpiFixture, type FixtureInvitation } from '../../test/fixtures/kpi/kpi-fixtures.js';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import { EpdError } from '../epd/epd-error.js';
import { loadFhirDefinitions } from '../shared/fhir-definitions.js';
import { readKpiRecords } from './read-kpi-records.js';

const aidTitle = (canonical: string) => Object.values(FIXTURE_AIDS).find((a) => a.canonical === canonical)?.title;

/** A small record with every path the reading takes; the expected records are written out by hand. */
const PLAN: FixtureInvitation[] = [
  // An evaluation: two recipients of one Encounter at longziekten, one answered after 3 days with SDM-Q9 84.4.
  {
    id: 'a1',
    authoredOn: '2026-10-05T09:00:00Z',
    keyMoment: 'evaluation',
    trigger: 'a',
    department: 'longziekten',
    aid: 'astma',
    answeredAfterDays: 3,
    sdmQ9: 84.4,
  },
  {
    id: 'a2',
    authoredOn: '2026-10-05T09:00:00Z',
    keyMoment: 'evaluation',
    trigger: 'a',
    department: 'longziekten',
    aid: 'astma',
    recipient: 'guardian',
  },
  // A treatment choice: CarePlan → Encounter at kindergeneeskunde, though the patient is managed by longziekten.
  {
    id: 'b1',
    authoredOn: '2026-10-20T12:00:00Z',
    keyMoment: 'treatment-choice',
    trigger: 'b',
    department: 'kindergeneeskunde',
    patientDepartment: 'longziekten',
    aid: 'pg',
    answeredAfterDays: 0.5,
  },
  // A medication change: no encounter, so the patient's managingOrganization; could not be delivered.
  {
    id: 'c1',
    authoredOn: '2026-10-31T23:30:00Z',
    keyMoment: 'medication-change',
    trigger: 'c',
    department: 'kindergeneeskunde',
    aid: 'astma',
    status: 'on-hold',
  },
  {
    id: 'd1',
    authoredOn: '2026-10-10T08:00:00Z',
    keyMoment: 'medication-change',
    trigger: 'd',
    department: 'longziekten',
    aid: 'astma',
    status: 'failed',
  },
  {
    id: 'e1',
    authoredOn: '2026-10-11T08:00:00Z',
    keyMoment: 'medication-change',
    trigger: 'e',
    department: 'longziekten',
    aid: 'astma',
    status: 'cancelled',
  },
  {
    id: 'f1',
    authoredOn: '2026-09-30T21:00:00Z',
    keyMoment: 'evaluation',
    trigger: 'f',
    department: 'longziekten',
    aid: 'astma',
  },
];

// The FHIR definitions take seconds to load on a busy machine: once, before the tests' own clocks start.
beforeAll(() => loadFhirDefinitions(), 60_000);

describe('readKpiRecords from the record', () => {
  let epd: FakeEpdClient;
  beforeAll(async () => {
    epd = createFakeEpdClient();
    await storeKpiFixture(epd.repo, PLAN);
  });
  const read = (from: string, to: string, timeZone = 'Europe/Amsterdam') =>
    readKpiRecords({ epd, timeZone, aidTitle }, from, to);

  it('reads each invitation with its month, key moment, department, aid, state, time and score', async () => {
    const records = (await read('2026-10', '2026-10')).sort((x, y) => x.task.localeCompare(y.task));
    const longziekten = { key: 'Organization/longziekten', label: 'Kinderlongziekten' };
    const kindergeneeskunde = { key: 'Organization/kindergeneeskunde', label: 'Algemene kindergeneeskunde' };
    const astma = { key: FIXTURE_AIDS.astma.canonical, label: FIXTURE_AIDS.astma.title };
    expect(records).toEqual([
      {
        task: 'Task/a1',
        patient: 'Patient/pat-a',
        respondent: 'patient',
        month: '2026-10',
        keyMoment: { key: 'evaluation', label: 'evaluatie' },
        department: longziekten,
        decisionAid: astma,
        trigger: 'Encounter/enc-a',
        state: 'sent',
        completed: true,
        daysToCompletion: 3,
        sdmQ9: 84.4,
      },
      {
        task: 'Task/a2',
        patient: 'Patient/pat-a',
        respondent: 'guardian',
        month: '2026-10',
        keyMoment: { key: 'evaluation', label: 'evaluatie' },
        department: longziekten,
        decisionAid: astma,
        trigger: 'Encounter/enc-a',
        state: 'sent',
        completed: false,
      },
      {
        task: 'Task/b1',
        patient: 'Patient/pat-b',
        respondent: 'patient',
        month: '2026-10',
        keyMoment: { key: 'treatment-choice', label: 'behandelkeuze' },
        department: kindergeneeskunde,
        decisionAid: { key: FIXTURE_AIDS.pg.canonical, label: FIXTURE_AIDS.pg.title },
        trigger: 'CarePlan/cp-b',
        state: 'sent',
        completed: true,
        daysToCompletion: 0.5,
      },
      {
        task: 'Task/d1',
        patient: 'Patient/pat-d',
        respondent: 'patient',
        month: '2026-10',
        keyMoment: { key: 'medication-change', label: 'medicatiewijziging' },
        department: longziekten,
        decisionAid: astma,
        trigger: 'MedicationRequest/mr-d',
        state: 'failed',
        completed: false,
      },
    ]);
  });

  it('counts an invitation in the month of its local date (23:30 UTC on 31 October is November in Amsterdam)', async () => {
    expect((await read('2026-11', '2026-11')).map((r) => [r.task, r.state, r.department.key])).toEqual([
      ['Task/c1', 'failed', 'Organization/kindergeneeskunde'],
    ]);
    expect((await read('2026-09', '2026-09')).map((r) => r.task)).toEqual(['Task/f1']); // 23:00 on 30 September in Amsterdam
    expect((await read('2026-10', '2026-10', 'UTC')).map((r) => r.task).sort()).toEqual([
      'Task/a1',
      'Task/a2',
      'Task/b1',
      'Task/c1',
      'Task/d1',
    ]);
  });

  it('counts an invitation as sent from ready on: requested, received and accepted are not delivered yet', async () => {
    const statuses = ['requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold'] as const;
    const own = createFakeEpdClient();
    await storeKpiFixture(
      own.repo,
      statuses.map((status, i) => ({
        id: `s${i}`,
        authoredOn: '2026-10-05T09:00:00Z',
        keyMoment: 'evaluation' as const,
        trigger: `s${i}`,
        department: 'longziekten' as const,
        aid: 'astma' as const,
        status,
      })),
    );
    const records = await readKpiRecords({ epd: own, timeZone: 'Europe/Amsterdam', aidTitle }, '2026-10', '2026-10');
    expect(Object.fromEntries(records.map((r) => [r.task, r.state]))).toEqual({
      'Task/s0': 'pending',
      'Task/s1': 'pending',
      'Task/s2': 'pending',
      'Task/s3': 'sent',
      'Task/s4': 'sent',
      'Task/s5': 'failed',
    });
  });

  it('leaves cancelled invitations out and reads a department only once per run', async () => {
    epd.calls.length = 0;
    const records = await read('2026-09', '2026-11');
    expect(records.map((r) => r.task)).not.toContain('Task/e1');
    const reads = epd.calls.filter((c) => c.method === 'read').map((c) => c.target);
    expect(reads.filter((t) => t === 'Organization/longziekten')).toHaveLength(1);
    expect(new Set(reads).size).toBe(reads.length);
    expect(epd.calls.filter((c) => c.method === 'search').map((c) => c.target)).toEqual([
      'Task',
      'QuestionnaireResponse',
      'Observation',
      'Observation',
    ]);
  });

  it('fails when the EPD fails (no figures with silently missing parts)', async () => {
    epd.failNext(1);
    await expect(read('2026-10', '2026-10')).rejects.toBeInstanceOf(EpdError);
  });
});
