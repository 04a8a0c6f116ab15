import { readFileSync } from 'node:fs';
import { validateResource } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { EventJobResult } from '../../src/events/event-job.js';
import { EMBEDDED_INTAKE_TOKEN, type EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { notify, settle, storeInEpd, tasksFor, startTestStack } from '../helpers/embedded.js';
import { expectAllowedReferenceTargets } from '../helpers/reference-targets.js';

/**
 * Real Dutch records in, the right key moments out: the public zib2020/MP9 examples of Nictiz
 * (Nictiz/Nictiz-R4-zib2020, see test/fixtures/real/README.md) sent through the shipped mappings
 * on the embedded EPD. Adapted only where a test says so: ids (a suffix per case, so cases do not
 * share a patient), dates (today), the patient's age, and the code or link a case is about.
 */

type Json = Record<string, unknown>;
const fixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../fixtures/real/${name}.json`, import.meta.url), 'utf8')) as Json;

/** The URA of the example HealthcareProvider (nl-core-HealthcareProvider-Organization-01): the department by identifier. */
const URA_DEPARTMENT = 'http://fhir.nl/fhir/NamingSystem/ura|06020806';
const PRK = 'urn:oid:2.16.840.1.113883.2.4.4.10';
const ZIB_ROLE = 'urn:oid:2.16.840.1.113883.2.4.3.11.22.472';
const VERIFICATION_STATUS = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
const CHILDHOOD_ASTHMA = { system: 'http://snomed.info/sct', code: '233678006', display: 'Childhood asthma' };

/** Gives every id and literal reference a short suffix (ids stay within FHIR's 64 characters), so each case has its own records. */
function withSuffix<T>(value: T, suffix: string): T {
  if (Array.isArray(value)) return value.map((item) => withSuffix(item, suffix)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value as Json)) {
    if ((key === 'id' && typeof item === 'string' && 'resourceType' in (value as Json)) || key === 'reference')
      out[key] = `${item as string}-${suffix}`;
    else out[key] = withSuffix(item, suffix);
  }
  return out as T;
}

function birthDateForAge(age: number): string {
  const birth = new Date();
  birth.setUTCFullYear(birth.getUTCFullYear() - age);
  birth.setUTCDate(birth.getUTCDate() - 30); // a month past the birthday: the age is stable today
  return birth.toISOString().slice(0, 10);
}

interface CaseOptions {
  age: number;
  /** The Medication's coding; as shipped it is PRK 71587 (lisinopril). */
  medicationCoding?: Json;
  /** The ContactPerson's relationship; as shipped zib roles 01 and 07 only. */
  contactRelationship?: Json[];
  /** The relationship of the Patient's own `contact`; as shipped zib roles 01 and 07 only. */
  patientContactRelationship?: Json[];
  /** The Problem's code; as shipped SNOMED 267038008 (oedema). */
  problemCoding?: Json;
  /** The Problem's verification status code; as shipped `confirmed`. */
  problemVerification?: string;
  /** Keep the Encounter's status as shipped (`unknown`: zib2020 has no contact status); else `finished`. */
  encounterStatusAsShipped?: boolean;
}

/** Stores one case's records as the EPD would hold them; returns the stored resources by example name. */
async function storeCase(stack: EmbeddedStack, suffix: string, options: CaseOptions) {
  const adapt = <T extends Json>(name: string, change: (r: T) => T = (r) => r) =>
    change(withSuffix(fixture(name), suffix) as T);
  const organization = adapt('nl-core-HealthcareProvider-Organization-01');
  // The agreement names its prescriber's role but the examples do not ship it: made here, at the example's organization.
  const role = {
    resourceType: 'PractitionerRole',
    id: `nl-core-MedicationAgreement-01-PractitionerRole-01-${suffix}`,
    organization: { reference: `Organization/${organization.id as string}`, type: 'Organization' },
  };
  const patient = adapt('nl-core-Patient-01', (p) => ({
    ...p,
    birthDate: birthDateForAge(options.age),
    ...(options.patientContactRelationship
      ? { contact: (p.contact as Json[]).map((c) => ({ ...c, relationship: options.patientContactRelationship })) }
      : {}),
  }));
  const contact = adapt('nl-core-ContactPerson-01', (c) =>
    options.contactRelationship ? { ...c, relationship: options.contactRelationship } : c,
  );
  const medication = adapt('nl-core-MedicationAgreement-01-Medication-01', (m) =>
    options.medicationCoding ? { ...m, code: { coding: [options.medicationCoding] } } : m,
  );
  const agreement = adapt('nl-core-MedicationAgreement-01', (a) => ({ ...a, authoredOn: new Date().toISOString() }));
  const problem = adapt('nl-core-Problem-01', (c) => ({
    ...c,
    ...(options.problemCoding ? { code: { coding: [options.problemCoding] } } : {}),
    ...(options.problemVerification
      ? { verificationStatus: { coding: [{ system: VERIFICATION_STATUS, code: options.problemVerification }] } }
      : {}),
  }));
  // The example Encounter names no patient, reason or department: linked here as a zib EPD records them.
  const encounter = adapt('nl-core-Encounter-01', (e) => ({
    ...e,
    ...(options.encounterStatusAsShipped ? {} : { status: 'finished' }),
    subject: { reference: `Patient/${patient.id as string}` },
    period: { start: new Date(Date.now() - 86_400_000).toISOString(), end: new Date().toISOString() },
    reasonReference: [{ reference: `Condition/${problem.id as string}` }],
    serviceProvider: { reference: `Organization/${organization.id as string}` },
  }));
  const stored: Record<string, Resource & { id: string }> = {};
  for (const [name, resource] of Object.entries({ organization, role, patient, contact, medication, problem })) {
    stored[name] = await storeInEpd(stack, resource as unknown as Resource);
  }
  return { stored, agreement, encounter };
}

/** Sends a change as the EPD's bare-resource notification and waits for all work. */
async function send(stack: EmbeddedStack, resource: Json): Promise<Resource & { id: string }> {
  const stored = await storeInEpd(stack, resource as unknown as Resource);
  expect((await notify(stack, stored)).status).toBe(202);
  await settle(stack);
  return stored;
}

/** Who the Tasks for a change went to, and why triggers skipped it (from the events job's result). */
async function outcome(stack: EmbeddedStack, stored: Resource & { id: string }) {
  const reference = `${stored.resourceType}/${stored.id}`;
  const tasks = await tasksFor(stack, reference);
  for (const task of tasks) expect(() => validateResource(task)).not.toThrow();
  expectAllowedReferenceTargets(tasks);
  const jobs = await stack.service.queues.events.getCompleted();
  const results = jobs
    .filter((job) => job.data.reference === reference)
    .map((job) => job.returnvalue as EventJobResult);
  return {
    tasks,
    owners: tasks.map((task) => task.owner?.reference).sort(),
    moments: [...new Set(tasks.map((task) => task.reasonCode?.coding?.[0]?.code))],
    reasons: results.flatMap((result) => result.skipped.map((skip) => skip.reason)),
  };
}

/** `sdm_trigger_skips_total` of the medication trigger for reason class "code". */
async function codeSkips(stack: EmbeddedStack): Promise<number> {
  const metric = await stack.service.metrics.triggerSkips.get();
  const value = metric.values.find(
    (v) => v.labels.trigger === 'astma-medicatiewijziging' && v.labels.reason === 'code',
  );
  return value?.value ?? 0;
}

describe('real zib2020/MP9 records through the shipped mappings', () => {
  let stack: EmbeddedStack;
  beforeAll(async () => {
    stack = await startTestStack({
      env: { ASTMA_DEPARTMENTS: `Organization/kinderlongziekten, ${URA_DEPARTMENT}` },
    });
  }, 60_000);
  afterAll(async () => {
    await stack.close();
  });

  it('a medication agreement whose referenced Medication is lisinopril (as shipped) is no asthma key moment', async () => {
    const { agreement } = await storeCase(stack, 'c1', { age: 14 });
    const skipsBefore = await codeSkips(stack);
    const result = await outcome(stack, await send(stack, agreement));
    expect(result.owners).toEqual([]);
    expect(result.reasons).toEqual(
      expect.arrayContaining([expect.stringContaining('PRK code 71587 does not match a code of value set')]),
    );
    expect(await codeSkips(stack)).toBe(skipsBefore + 1); // no silent miss: counted on /metrics
  });

  it('takes the change from a classic R4 rest-hook without a body (PUT /fhir/notify/{type}/{id})', async () => {
    const { agreement, stored } = await storeCase(stack, 'c7', {
      age: 14,
      medicationCoding: { system: PRK, code: 'DEMO-PRK-FLUTICASON' },
    });
    const saved = await storeInEpd(stack, agreement as unknown as Resource);
    const res = await fetch(`${stack.service.url}/fhir/notify/MedicationRequest/${saved.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${EMBEDDED_INTAKE_TOKEN}` },
    });
    expect(res.status).toBe(202);
    await settle(stack);
    expect((await outcome(stack, saved)).owners).toEqual([`Patient/${stored.patient!.id}`]);
  });

  it('a medication agreement with a referenced G-Standaard-only Medication invites the 14-year-old; the contact person (zib roles 01, 07) is no representative', async () => {
    const { agreement, stored } = await storeCase(stack, 'c2', {
      age: 14,
      medicationCoding: { system: PRK, code: 'DEMO-PRK-FLUTICASON' },
    });
    const result = await outcome(stack, await send(stack, agreement));
    expect(result.owners).toEqual([`Patient/${stored.patient!.id}`]);
    expect(result.moments).toEqual(['medication-change']);
    expect(result.reasons).toEqual([expect.stringMatching(/^no parent or guardian/)]);
  });

  it('for a child under 12, a contact person with zib role 24 (Wettelijke vertegenwoordiger) is invited', async () => {
    const { agreement, stored } = await storeCase(stack, 'c3', {
      age: 9,
      medicationCoding: { system: PRK, code: 'DEMO-PRK-FLUTICASON' },
      contactRelationship: [{ coding: [{ system: ZIB_ROLE, code: '24', display: 'Wettelijke vertegenwoordiger' }] }],
    });
    const result = await outcome(stack, await send(stack, agreement));
    expect(result.owners).toEqual([`RelatedPerson/${stored.contact!.id}`]);
  });

  it('for a child under 12 with only the example contact persons (roles 01, 07), one on-hold Task asks the care team for a representative', async () => {
    const { agreement, stored } = await storeCase(stack, 'c4', {
      age: 9,
      medicationCoding: { system: PRK, code: 'DEMO-PRK-FLUTICASON' },
    });
    const platformCalls = stack.aid.invitations.length;
    const saved = await send(stack, agreement);
    const result = await outcome(stack, saved);
    expect(result.reasons).toEqual([expect.stringMatching(/^no parent or guardian/)]);
    expect(result.tasks.map((t) => [t.status, t.statusReason?.coding?.[0]?.code, t.owner, t.for?.reference])).toEqual([
      ['on-hold', 'no-representative', undefined, `Patient/${stored.patient!.id}`],
    ]);
    expect(result.tasks[0]?.businessStatus?.text).toMatch(/^Leg een ouder of wettelijk vertegenwoordiger vast/);
    expect(stack.aid.invitations.length).toBe(platformCalls); // the platform was not called
    // The same change notified again (a retry, or found by a poll): still one Task.
    expect((await notify(stack, saved)).status).toBe(202);
    await settle(stack);
    expect((await outcome(stack, saved)).tasks.map((t) => t.id)).toEqual(result.tasks.map((t) => t.id));
  });

  it('for a child under 12 whose legal representative is only in Patient.contact (zib role 24), that contact is invited through a contained RelatedPerson', async () => {
    const { agreement, stored } = await storeCase(stack, 'c8', {
      age: 9,
      medicationCoding: { system: PRK, code: 'DEMO-PRK-FLUTICASON' },
      patientContactRelationship: [
        { coding: [{ system: ZIB_ROLE, code: '24', display: 'Wettelijke vertegenwoordiger' }] },
      ],
    });
    const saved = await send(stack, agreement);
    const { tasks, owners } = await outcome(stack, saved);
    expect(owners).toEqual(['#vertegenwoordiger']);
    const [task] = tasks;
    expect(task?.status).toBe('ready');
    expect(task?.contained).toEqual([
      expect.objectContaining({
        resourceType: 'RelatedPerson',
        patient: { reference: `Patient/${stored.patient!.id}`, type: 'Patient' },
        name: [expect.objectContaining({ text: 'J.P.M. van Putten-van der Giessen' })],
      }),
    ]);
    expect(task?.note?.[0]?.text).toMatch(/alleen bekend als contactpersoon bij de patiënt/);
    // Nothing new in the patient's record, and no name in the queues: the job holds a hash of the contact.
    const people = await (
      await fetch(`${stack.fhir.baseUrl}/RelatedPerson?patient=Patient/${stored.patient!.id}`)
    ).json();
    expect((people as { entry?: unknown[] }).entry ?? []).toHaveLength(1);
    const jobs = await stack.service.queues.invitations.getCompleted();
    const job = jobs.find((j) => j.data.focus.startsWith(`MedicationRequest/${saved.id}`));
    expect(job?.data.recipient.contact).toMatch(/^contact-[0-9a-f]{24}$/);
    expect(JSON.stringify(job?.data)).not.toMatch(/Putten|giesput/);
    expect((await notify(stack, saved)).status).toBe(202);
    await settle(stack);
    expect((await outcome(stack, saved)).tasks.map((t) => t.id)).toEqual([task?.id]);
  });

  it('a finished encounter whose reasonReference is a childhood-asthma Condition invites for evaluation, after a medication change of the same child', async () => {
    const { agreement, encounter, stored } = await storeCase(stack, 'c5', {
      age: 14,
      medicationCoding: { system: PRK, code: 'DEMO-PRK-FLUTICASON' },
      problemCoding: { system: 'http://snomed.info/sct', code: '233678006', display: 'Childhood asthma' },
    });
    expect((await outcome(stack, await send(stack, agreement))).owners).toEqual([`Patient/${stored.patient!.id}`]);
    const result = await outcome(stack, await send(stack, encounter));
    expect(result.owners).toEqual([`Patient/${stored.patient!.id}`]);
    expect(result.moments).toEqual(['evaluation']);
  });

  it('an encounter with the status as shipped (unknown: zib2020 has none) counts once its end has passed', async () => {
    const { encounter, stored } = await storeCase(stack, 'c10', {
      age: 14,
      problemCoding: CHILDHOOD_ASTHMA,
      encounterStatusAsShipped: true,
    });
    expect(encounter.status).toBe('unknown');
    const result = await outcome(stack, await send(stack, encounter));
    expect([result.owners, result.moments]).toEqual([[`Patient/${stored.patient!.id}`], ['evaluation']]);
  });

  it('an encounter whose asthma Condition was ruled out (zib "Uitgesloten": refuted) is no asthma evaluation', async () => {
    const { encounter } = await storeCase(stack, 'c9', {
      age: 14,
      problemCoding: CHILDHOOD_ASTHMA,
      problemVerification: 'refuted',
    });
    const result = await outcome(stack, await send(stack, encounter));
    expect(result.owners).toEqual([]);
    expect(result.reasons).toEqual(
      expect.arrayContaining([
        'no code of the wanted system at the usual codes of Encounter (wanted a code of value set valuesets/astma-aandoeningen.json)',
      ]),
    );
  });

  it('a finished encounter whose reason is the example Problem as shipped (oedema) is no asthma evaluation', async () => {
    const { encounter } = await storeCase(stack, 'c6', { age: 14 });
    const result = await outcome(stack, await send(stack, encounter));
    expect(result.owners).toEqual([]);
    expect(result.reasons).toEqual(
      expect.arrayContaining([expect.stringContaining('SNOMED code 267038008 does not match a code of value set')]),
    );
  });
});
