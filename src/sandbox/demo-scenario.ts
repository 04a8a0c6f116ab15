import type { Bundle, Resource, Task } from '@medplum/fhirtypes';
import { evaluationVisit, medicationAgreement, treatmentPlan, type SeedIds } from './seed-patients.js';
import { zibMedicationAgreement } from './trigger-resources.js';

/** One HiX-style event the demo sends, with the invitations it must lead to. */
export interface DemoStep {
  title: string;
  keyMoment: string;
  /** The resource as the EPD stores it (written first, like HiX would). */
  resource: Resource;
  /** How the EPD tells us: a full-resource or id-only subscription notification, or a FHIR message. */
  shape: 'full-resource' | 'id-only' | 'message';
  /** `aidId:recipientReference` of every invitation that must follow. */
  expected: (seed: SeedIds) => string[];
  /** A skip the events job must report for this step (e.g. the patient's objection), by its code. */
  skippedFor?: 'objection';
}

/** The demo's care path: the three key moments for children of different ages. */
export function demoSteps(seed: SeedIds): DemoStep[] {
  const { patients, relatedPersons } = seed;
  return [
    {
      title: 'nieuwe medicatieafspraak fluticason voor een kind van 13',
      keyMoment: 'medication-change',
      resource: medicationAgreement(patients.child13, { atc: 'R03BA05', prk: '55727' }),
      shape: 'full-resource',
      expected: () => [`astma-kind:${patients.child13}`, ...relatedPersons.child13.map((r) => `astma-kind:${r}`)],
    },
    {
      title: 'behandelplan astma voor een kind van 7',
      keyMoment: 'treatment-choice',
      resource: treatmentPlan(patients.child7),
      shape: 'id-only',
      expected: () => relatedPersons.child7.map((r) => `astma-kind:${r}`),
    },
    {
      // From 16 the patient decides alone (recipients: by-age), so the parents are not invited.
      title: 'afgeronde controle astma voor een kind van 16',
      keyMoment: 'evaluation',
      resource: evaluationVisit(patients.child16),
      shape: 'message',
      expected: () => [`astma-kind:${patients.child16}`, `positieve-gezondheid-kind:${patients.child16}`],
    },
    {
      // zib2020/MP9: the agreement names a separate Medication coded with G-Standaard codes only (no ATC).
      title: 'medicatieafspraak (zib/MP9) met een G-Standaard-gecodeerd Medication voor een kind van 17',
      keyMoment: 'medication-change',
      resource: zibMedicationAgreement(patients.child17),
      shape: 'id-only',
      expected: () => [`astma-kind:${patients.child17}`],
    },
    {
      title: 'nieuwe medicatieafspraak voor een kind van 14 dat bezwaar heeft gemaakt',
      keyMoment: 'medication-change',
      resource: medicationAgreement(patients.child14, { atc: 'R03BA02' }),
      shape: 'full-resource',
      expected: () => [],
      skippedFor: 'objection',
    },
    {
      title: 'nieuwe medicatieafspraak salbutamol voor een volwassene van 19 (geen kinderpatiënt)',
      keyMoment: 'medication-change',
      resource: medicationAgreement(patients.adult19, { atc: 'R03AC02' }),
      shape: 'full-resource',
      expected: () => [],
    },
  ];
}

/** The notification the EPD would send for a stored resource, in the step's shape. */
export function notificationFor(step: DemoStep, stored: Resource & { id: string }, eventNumber: number): Bundle {
  const reference = `${stored.resourceType}/${stored.id}`;
  const now = new Date().toISOString();
  if (step.shape === 'message') {
    return {
      resourceType: 'Bundle',
      id: `msg-${eventNumber}`,
      type: 'message',
      timestamp: now,
      entry: [
        {
          fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(eventNumber).padStart(12, '0')}`,
          resource: {
            resourceType: 'MessageHeader',
            id: `hdr-${eventNumber}`,
            eventCoding: {
              system: 'https://sdm-bridge.org/fhir/CodeSystem/epd-event',
              code: `${stored.resourceType.toLowerCase()}-update`,
            },
            source: { endpoint: 'urn:hix:integration-engine' },
            focus: [{ reference }],
          },
        },
        { fullUrl: reference, resource: stored },
      ],
    };
  }
  const status = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'subscription', valueReference: { reference: 'Subscription/sdm-bridge-hix' } },
      { name: 'topic', valueCanonical: 'https://sdm-bridge.org/fhir/SubscriptionTopic/key-moments' },
      { name: 'status', valueCode: 'active' },
      { name: 'type', valueCode: 'event-notification' },
      { name: 'events-since-subscription-start', valueString: String(eventNumber) },
      {
        name: 'notification-event',
        part: [
          { name: 'event-number', valueString: String(eventNumber) },
          { name: 'timestamp', valueInstant: now },
          { name: 'focus', valueReference: { reference } },
        ],
      },
    ],
  };
  return {
    resourceType: 'Bundle',
    type: 'history',
    timestamp: now,
    entry: [
      {
        fullUrl: 'urn:uuid:5bb5e1f0-0000-4000-8000-000000000000',
        resource: status as Resource,
        request: { method: 'GET', url: 'Subscription/sdm-bridge-hix/$status' },
        response: { status: '200' },
      },
      ...(step.shape === 'full-resource'
        ? [
            {
              fullUrl: reference,
              resource: stored,
              request: { method: 'POST' as const, url: stored.resourceType },
              response: { status: '201' },
            },
          ]
        : []),
    ],
  };
}

/** `aidId:ownerReference` of an invitation Task, to compare with a step's expectations. */
export function taskKey(task: Task): string {
  const aid = task.instantiatesCanonical?.split('/').pop()?.split('|')[0] ?? '?';
  return `${aid}:${task.owner?.reference ?? '?'}`;
}

/**
 * What the asthma decision-aid platform posts when a child has finished (its own JSON, mapped to
 * the keuzeformulier and the SDM-Q9 by paediatric-asthma.yaml): SDM-Q9 answers summing to 37 of 45.
 */
export function demoResult(invitationId: string): Record<string, unknown> {
  return {
    invitation: invitationId,
    result: { id: `demo-${invitationId}`, completedAt: new Date().toISOString() },
    summary: {
      preferredOption: 'Onderhoudsmedicatie houden, in een lagere dosis',
      why: 'Ik wil minder bijwerkingen en kan goed sporten',
      certainty: 'twijfel',
      mattersMost: ['Kunnen sporten', 'Niet benauwd op school'],
      questions: 'Hoe merken we of de lagere dosis genoeg is?',
      discussTogether: true,
    },
    sdmq9: { q1: 4, q2: 5, q3: 3, q4: 4, q5: 4, q6: 5, q7: 3, q8: 4, q9: 5 },
  };
}
