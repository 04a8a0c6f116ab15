import type { MedicationRequest, Patient } from '@medplum/fhirtypes';
import { compileMappings, type CompiledMappings } from './compile-mappings.js';
import { evaluateRules } from './evaluate-rules.js';
import { inSample, sampleDraw, samplingPeriodOf } from './in-sample.js';
import { MappingError } from './mapping-error.js';
import type { RuleFacts, SamplingRule } from './types.js';

describe('samplingPeriodOf', () => {
  it.each([
    ['month', '2026-10-31T23:59:59Z', '2026-10'],
    ['month', '2026-01-01T00:00:00Z', '2026-01'],
    ['month', '2026-11-01T00:30:00+01:00', '2026-10'], // 23:30 UTC on 31 October
    ['quarter', '2026-03-31T12:00:00Z', '2026-Q1'],
    ['quarter', '2026-04-01T12:00:00Z', '2026-Q2'],
    ['quarter', '2026-12-31T12:00:00Z', '2026-Q4'],
    ['year', '2026-07-15T12:00:00Z', '2026'],
  ] as const)('%s of %s is %s', (period, occurredAt, expected) => {
    expect(samplingPeriodOf(period, occurredAt)).toBe(expected);
  });
});

describe('sampleDraw and inSample', () => {
  const rule = (share: number, period: SamplingRule['period'] = 'month', salt = 'sdm-q9'): SamplingRule => ({
    share,
    period,
    salt,
  });

  it('draws a number in [0, 1) that is the same every time for the same inputs', () => {
    const first = sampleDraw('Patient/a', '2026-10', 'sdm-q9');
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(1);
    expect(sampleDraw('Patient/a', '2026-10', 'sdm-q9')).toBe(first);
  });

  it.each([
    ['another patient', 'Patient/b', '2026-10', 'sdm-q9'],
    ['another period', 'Patient/a', '2026-11', 'sdm-q9'],
    ['another salt', 'Patient/a', '2026-10', 'other'],
  ])('draws differently for %s', (_what, patient, period, salt) => {
    expect(sampleDraw(patient, period, salt)).not.toBe(sampleDraw('Patient/a', '2026-10', 'sdm-q9'));
  });

  it('answers the same for every moment of one patient in one period', () => {
    const answers = ['2026-10-01T08:00:00Z', '2026-10-15T12:00:00Z', '2026-10-31T22:00:00Z'].map((t) =>
      inSample(rule(0.5), 'Patient/a', t),
    );
    expect(new Set(answers).size).toBe(1);
  });

  it.each([
    [1, 1000],
    [0.000001, 0],
  ])('share %p takes %p of 1000 patients', (share, expected) => {
    const taken = Array.from({ length: 1000 }, (_, i) =>
      inSample(rule(share), `Patient/p${i}`, '2026-10-10T10:00:00Z'),
    ).filter(Boolean).length;
    expect(taken).toBe(expected);
  });

  it.each([0.1, 0.3, 0.5, 0.9])('share %p takes about that share of 4000 patients (within 3 points)', (share) => {
    const taken = Array.from({ length: 4000 }, (_, i) =>
      inSample(rule(share), `Patient/p${i}`, '2026-10-10T10:00:00Z'),
    ).filter(Boolean).length;
    expect(Math.abs(taken / 4000 - share)).toBeLessThan(0.03);
  });

  it('is reproducible: these fixed inputs always give these answers', () => {
    // Recomputable by anyone from the record: sha256("Patient/a|2026-10|sdm-q9"), first 13 hex digits / 16^13.
    const table = ['Patient/a', 'Patient/b', 'Patient/c', 'Patient/d'].map((p) => [
      p,
      sampleDraw(p, '2026-10', 'sdm-q9') < 0.3,
    ]);
    expect(table.map(([p]) => [p, inSample(rule(0.3), p as string, '2026-10-20T10:00:00Z')])).toEqual(table);
  });
});

describe('sampling in the mapping files and the rules', () => {
  const mappings = (sampling: { trigger?: string; aid?: string }): CompiledMappings =>
    compileMappings(
      [
        {
          name: 'sampled.yaml',
          text: `
decisionAids:
  - id: sdm-q9-vragenlijst
    title: SDM-Q9
    activityDefinition: https://example.org/fhir/ActivityDefinition/sdm-q9|1
    delivery: { type: http-api, url: "http://127.0.0.1:4010/api", auth: { type: none }, body: { a: 1 }, linkField: url }
${sampling.aid ? `    sampling: ${sampling.aid}` : ''}
triggers:
  - id: evaluatie-steekproef
    keyMoment: evaluation
    resourceType: MedicationRequest
    decisionAid: sdm-q9-vragenlijst
    recipients: [patient]
${sampling.trigger ? `    sampling: ${sampling.trigger}` : ''}
`,
        },
      ],
      {},
    );

  const facts = (patientId: string, occurredAt = '2026-10-12T09:00:00Z'): RuleFacts => ({
    resource: {
      resourceType: 'MedicationRequest',
      id: 'mr-1',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${patientId}` },
    } as MedicationRequest & { id: string },
    interaction: 'create',
    occurredAt,
    patient: { resourceType: 'Patient', id: patientId, birthDate: '1980-01-01' } as Patient & { id: string },
    relatedPersons: [],
  });

  it.each([
    ['on the trigger', { trigger: '{ share: 0.3, period: month }' }, 'evaluatie-steekproef'],
    ['on the aid', { aid: '{ share: 0.3 }' }, 'sdm-q9-vragenlijst'],
  ])(
    '%s: invites exactly the patients whose draw is below the share, and skips the others as not in sample',
    (_where, sampling, salt) => {
      const compiled = mappings(sampling);
      for (let i = 0; i < 40; i++) {
        const outcome = evaluateRules(compiled, facts(`p${i}`));
        const expected = sampleDraw(`Patient/p${i}`, '2026-10', salt) < 0.3;
        expect([i, outcome.invitations.length]).toEqual([i, expected ? 1 : 0]);
        if (!expected)
          expect(outcome.skipped).toEqual([
            {
              triggerId: 'evaluatie-steekproef',
              reason: 'not in sample (30% of patients per month)',
              code: 'not-in-sample',
            },
          ]);
      }
    },
  );

  it('the trigger’s own sampling wins over the aid’s', () => {
    const compiled = mappings({ aid: '{ share: 0.000001 }', trigger: '{ share: 1 }' });
    expect(compiled.triggers[0]!.sampling).toEqual({ share: 1, period: 'month', salt: 'evaluatie-steekproef' });
    expect(evaluateRules(compiled, facts('p1')).invitations).toHaveLength(1);
  });

  it('without sampling everyone is invited', () => {
    expect(evaluateRules(mappings({}), facts('p1')).invitations).toHaveLength(1);
  });

  it.each([
    ['{ share: 0 }', 'must be above 0'],
    ['{ share: 30 }', 'must be at most 1'],
    ['{ share: 0.3, period: week }', 'period'],
    ['{ share: 0.3, every: month }', 'every'],
  ])('refuses sampling %s', (written, message) => {
    let error: unknown;
    try {
      mappings({ trigger: written });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MappingError);
    expect(JSON.stringify((error as MappingError).errors)).toContain(message);
  });
});
