import { validateResource } from '@medplum/core';
import type { MeasureReport, Patient, RelatedPerson, Task } from '@medplum/fhirtypes';
import { INVITATION_ID_SYSTEM } from '../../src/decision-aids/invitation-task-codes.js';
import type { KpiSummary } from '../../src/kpi/compute-kpis.js';
import { KPI_SCHEDULER_ID } from '../../src/kpi/kpi-scheduler.js';
import { monthOf } from '../../src/kpi/month-period.js';
import { demoSteps, notificationFor } from '../../src/sandbox/demo-scenario.js';
import { medicationAgreement } from '../../src/sandbox/seed-patients.js';
import { type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { platformResult } from '../fixtures/results/result-fixtures.js';
import { expectedFrom, fixtureMonths, kpiFixturePlan, storeKpiFixture } from '../fixtures/kpi/kpi-fixtures.js';
import { freshChild, notify, refOf, settle, storeInEpd, tasksFor, startTestStack } from '../helpers/embedded.js';

/** The admin token of this stack: the KPI routes are behind it. */
const KPI_ADMIN_TOKEN = 'kpi-admin-token-0123456789';
const TIME_ZONE = 'Europe/Amsterdam';
/** Hooks and tests get a minute: a stack start and a real run take seconds, longer on a busy machine. */
const SLOW_MS = 60_000;

async function getKpi(stack: EmbeddedStack, query: string): Promise<KpiSummary> {
  const res = await fetch(`${stack.service.url}/kpi${query}`, {
    headers: { authorization: `Bearer ${KPI_ADMIN_TOKEN}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as KpiSummary;
}

describe('KPIs from the record, end to end', () => {
  let stack: EmbeddedStack;
  const months = fixtureMonths();
  const plan = kpiFixturePlan(months);
  beforeAll(async () => {
    stack = await startTestStack({ env: { ADMIN_TOKEN: KPI_ADMIN_TOKEN } });
    await storeKpiFixture(stack.fhir.repo, plan);
  }, SLOW_MS);
  afterAll(async () => {
    await stack?.close();
  }, SLOW_MS);

  it(
    'GET /kpi computes the figures of a half year from what the record holds',
    async () => {
      const summary = await getKpi(stack, `?from=${months[0]}&to=${months[5]}`);
      const expected = expectedFrom(plan);
      expect(summary.overall).toMatchObject({
        keyMomentEvents: expected.keyMomentEvents,
        invitationsSent: expected.sent,
        invitationsFailed: expected.failed,
        invitationsPending: expected.pending,
        completed: { value: expected.completed, respondents: expected.completed },
        sdmQ9Mean: { value: expected.mean, respondents: expected.respondents },
        decidedTogether: {
          value: expected.share,
          respondents: expected.respondents,
          numerator: expected.together,
          patients: expected.patients,
        },
      });
      expect(expected.patients).toBeLessThan(expected.respondents); // some children had two key moments
      let complements = 0;
      for (const [i, month] of months.entries()) {
        const mine = expectedFrom(plan.filter((p) => p.authoredOn.startsWith(month)));
        const cell = summary.months[i]!;
        expect([cell.month, cell.invitationsSent]).toEqual([month, mine.sent]);
        if (mine.respondents < 5) expect(cell.decidedTogether).toEqual({ suppressed: true });
        else if (cell.decidedTogether.suppressed)
          complements += 1; // hidden so the small month cannot be derived
        else if (mine.together === mine.respondents)
          expect(cell.decidedTogether).toMatchObject({ band: { high: 100 }, respondents: mine.respondents });
        else
          expect(cell.decidedTogether).toMatchObject({
            value: mine.share,
            respondents: mine.respondents,
            numerator: mine.together,
          });
      }
      expect(complements).toBeLessThanOrEqual(1);
      expect(summary.months[1]!.decidedTogether).toEqual({ suppressed: true }); // the sparse month: three answers
      expect(summary.byDepartment.find((d) => d.label === 'Algemene kindergeneeskunde')!.sdmQ9Mean).toEqual({
        suppressed: true,
      });
    },
    SLOW_MS,
  );

  it(
    'counts a real run: key moments → invitations → results posted by the platform',
    async () => {
      const month = monthOf(new Date(), TIME_ZONE);
      const tasks: Task[] = [];
      for (let i = 0; i < 5; i++) {
        const { patient, parent } = await freshChild(stack, 13);
        await Promise.all([reachable(stack, patient), reachable(stack, parent)]); // else the invitations wait on hold
        const resource = await storeInEpd(stack, medicationAgreement(patient, { atc: 'R03BA05' }));
        expect((await notify(stack, notificationFor(demoSteps(stack.seed)[0]!, resource, 7000 + i))).status).toBe(202);
        await settle(stack);
        tasks.push(...(await tasksFor(stack, refOf(resource))));
      }
      expect(tasks).toHaveLength(10); // the 13-year-old and a parent, five times
      const ownTasks = tasks.filter((t) => t.owner?.reference?.startsWith('Patient/'));
      // Every parent answers with an SDM-Q9; four of the five 13-year-olds send their choice form only
      // (the SDM-Q9 is for patients from 16), one does not answer.
      for (const task of tasks.filter((t) => t !== ownTasks[4])) {
        const invitation = task.identifier!.find((id) => id.system === INVITATION_ID_SYSTEM)!.value!;
        const own = ownTasks.includes(task);
        const body = {
          ...platformResult(invitation, { id: `kpi-${invitation}`, ...(own ? { sdmq9: null } : {}) }),
          result: { id: `kpi-${invitation}`, completedAt: new Date().toISOString() },
        };
        const res = await fetch(`${stack.service.url}/decision-aids/astma-kind/results`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.env.ASTMA_KEUZEHULP_TOKEN}` },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(202);
      }
      await resultsWritten(stack);
      const summary = await getKpi(stack, `?period=${month}`);
      expect(summary.overall).toMatchObject({
        keyMomentEvents: 5,
        invitationsSent: 10,
        invitationsFailed: 0,
        completed: { value: 9, respondents: 9 },
        completionRate: { value: 90, respondents: 9 },
        sdmQ9Mean: { value: 82.2, respondents: 5, patients: 5 }, // the fixture answers: raw 37 × 20/9
        decidedTogether: { band: { low: 80, high: 100 }, respondents: 5, patients: 5 }, // 5 of 5: a band
        meetsTarget: true,
      });
      expect(summary.byKeyMoment.map((r) => r.label)).toEqual(['medicatiewijziging']);
      expect(summary.byDepartment.map((r) => r.label)).toEqual(['Kinderlongziekten']);
      expect(summary.byDecisionAid.map((r) => r.label)).toEqual(['Keuzehulp astma voor kinderen en ouders']);
    },
    SLOW_MS,
  );

  it(
    'writes the MeasureReport from a kpi job, valid, once per month however often it runs, and schedules it monthly',
    async () => {
      const month = months[5]!;
      const first = await runKpiJob(stack, month);
      const again = await runKpiJob(stack, month);
      expect([first.outcome, again.outcome, again.reference]).toEqual(['created', 'unchanged', first.reference]);
      const res = await fetch(
        `${stack.fhir.baseUrl}/MeasureReport?identifier=https://sdm-bridge.org/fhir/NamingSystem/measure-report-id|sdm-kpi-${month}`,
      );
      const reports =
        ((await res.json()) as { entry?: { resource: MeasureReport }[] }).entry?.map((e) => e.resource) ?? [];
      expect(reports).toHaveLength(1);
      expect(() => validateResource(reports[0]!)).not.toThrow();
      expect(reports[0]).toMatchObject({
        status: 'complete',
        type: 'summary',
        measure: 'https://sdm-bridge.org/fhir/Measure/sdm-kpi|1.1.0',
      });
      const schedulers = await stack.service.queues.kpi.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([
        [KPI_SCHEDULER_ID, '0 3 1 * *', 'Europe/Amsterdam'],
      ]);
    },
    SLOW_MS,
  );

  // Last: it empties the queues (and with them the kpi job scheduler, which the next start creates again).
  it(
    'gives the same figures after Redis lost every job (they come from the record)',
    async () => {
      const range = { from: months[0]!, to: months[5]! };
      const before = await stack.service.kpi.summary(range, { fresh: true });
      for (const queue of Object.values(stack.service.queues).filter(
        (q) => typeof q === 'object' && 'obliterate' in q,
      )) {
        await (queue as { obliterate(o: { force: boolean }): Promise<void> }).obliterate({ force: true });
      }
      const after = await stack.service.kpi.summary(range, { fresh: true });
      expect({ ...after, generatedAt: '' }).toEqual({ ...before, generatedAt: '' });
    },
    SLOW_MS,
  );
});

async function runKpiJob(stack: EmbeddedStack, month: string): Promise<{ outcome: string; reference: string }> {
  const job = await stack.service.queues.kpi.add('request', { month, reason: 'request' });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const state = await job.getState();
    if (state === 'completed')
      return (await stack.service.queues.kpi.getJob(job.id!))!.returnvalue as { outcome: string; reference: string };
    if (state === 'failed')
      throw new Error(`kpi job failed: ${(await stack.service.queues.kpi.getJob(job.id!))?.failedReason}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('kpi job did not finish');
}

/** Waits until no results job is waiting, active or delayed (twice in a row). */
async function resultsWritten(stack: EmbeddedStack, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let quiet = 0; quiet < 2;) {
    if (Date.now() > deadline) throw new Error('results jobs still running');
    const counts = await stack.service.queues.results.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    quiet = Object.values(counts).every((n) => n === 0) ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Gives a person in the sandbox an e-mail address, so the platform can reach them. */
async function reachable(stack: EmbeddedStack, reference: string): Promise<void> {
  const person = (await (await fetch(`${stack.fhir.baseUrl}/${reference}`)).json()) as Patient | RelatedPerson;
  await storeInEpd(stack, {
    ...person,
    telecom: [{ system: 'email', value: `${reference.replace('/', '-').toLowerCase()}@example.org`, use: 'home' }],
  });
}
