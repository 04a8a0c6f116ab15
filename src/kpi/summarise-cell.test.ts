import { computeKpis } from './compute-kpis.js';
import type { KpiRecord } from './kpi-record.js';
import { median, summariseCell } from './summarise-cell.js';

const SETTINGS = { decidedTogether: 'sdm-q9' as const, sdmThreshold: 80, targetPercent: 75 };

let counter = 0;
/** One invitation; `trigger` defaults to a fresh one (one key moment per invitation). */
function rec(extra: Partial<KpiRecord> = {}): KpiRecord {
  counter += 1;
  return {
    task: `Task/t${counter}`,
    patient: `Patient/p${counter}`,
    respondent: 'patient',
    month: '2026-10',
    keyMoment: { key: 'evaluation', label: 'evaluatie' },
    department: { key: 'Organization/klz', label: 'Kinderlongziekten' },
    decisionAid: { key: 'https://aid|1', label: 'Keuzehulp' },
    trigger: `Encounter/e${counter}`,
    state: 'sent',
    completed: false,
    ...extra,
  };
}
const done = (days: number, sdmQ9?: number, extra: Partial<KpiRecord> = {}) =>
  rec({ completed: true, daysToCompletion: days, ...(sdmQ9 === undefined ? {} : { sdmQ9 }), ...extra });
const times = <T>(n: number, make: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => make(i));

describe('median', () => {
  it.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 0, 0, 10, 5, 5], 5],
    [[0.5, 9.5], 5],
  ])('of %p is %p', (values, expected) => {
    expect(median(values)).toBe(expected);
  });
});

describe('summariseCell', () => {
  it.each([
    ['no invitations', [], { keyMomentEvents: 0, invitationsSent: 0, invitationsFailed: 0, invitationsPending: 0 }],
    [
      'three recipients of one key moment count as one event',
      times(3, () => rec({ trigger: 'MedicationRequest/m1' })),
      { keyMomentEvents: 1, invitationsSent: 3, invitationsFailed: 0 },
    ],
    [
      'failed ones count as failed, not sent, but their key moment counts',
      [rec({ state: 'failed' }), rec(), rec({ state: 'failed', trigger: 'X/1' }), rec({ trigger: 'X/1' })],
      { keyMomentEvents: 3, invitationsSent: 2, invitationsFailed: 2 },
    ],
    [
      'a Task still requested (platform not yet called) is neither sent nor failed',
      [rec({ state: 'pending' }), rec(), rec({ state: 'failed' }), rec({ state: 'pending' })],
      { invitationsSent: 1, invitationsFailed: 1, invitationsPending: 2 },
    ],
  ])('counts: %s', (_name, records, expected) => {
    expect(summariseCell(records, SETTINGS)).toMatchObject(expected);
  });

  it.each([
    [
      '5 of 10 completed',
      [...times(5, () => done(2)), ...times(5, () => rec())],
      { value: 5, respondents: 5 },
      { value: 50, respondents: 5, numerator: 5 },
    ],
    [
      '5 of 6 completed: 83,3%',
      [...times(5, () => done(2)), rec()],
      { value: 5, respondents: 5 },
      { value: 83.3, respondents: 5, numerator: 5 },
    ],
    [
      '7 of 7 completed: a band, not 100%',
      times(7, () => done(1)),
      { value: 7, respondents: 7 },
      { band: { low: 85, high: 100 }, respondents: 7 },
    ],
    [
      'failed invitations are not in the denominator',
      [...times(5, () => done(1)), ...times(5, () => rec({ state: 'failed' }))],
      { value: 5, respondents: 5 },
      { band: { low: 80, high: 100 }, respondents: 5 },
    ],
    [
      '20 of 20 completed: 100%',
      times(20, () => done(1)),
      { value: 20, respondents: 20 },
      { value: 100, respondents: 20, numerator: 20 },
    ],
  ])('completion: %s', (_name, records, completed, rate) => {
    const cell = summariseCell(records, SETTINGS);
    expect(cell.completed).toEqual({ suppressed: false, ...completed });
    expect(cell.completionRate).toEqual({ suppressed: false, ...rate });
  });

  it.each([
    ['odd count', [1, 2, 3, 10, 20], 3],
    ['even count, mean of the middle two', [1, 2, 3, 4, 10, 20], 3.5],
    ['rounded to one decimal', [0.04, 0.04, 0.26, 0.9, 1.0], 0.3],
  ])('median days to completion: %s', (_name, days, expected) => {
    const cell = summariseCell(
      days.map((d) => done(d)),
      SETTINGS,
    );
    expect(cell.medianDaysToCompletion).toEqual({ suppressed: false, value: expected, respondents: days.length });
  });

  it('median days leaves out completed invitations whose times are unknown', () => {
    const cell = summariseCell([...times(5, (i) => done(i + 1)), rec({ completed: true })], SETTINGS);
    expect(cell.completed).toMatchObject({ value: 6 });
    expect(cell.medianDaysToCompletion).toEqual({ suppressed: false, value: 3, respondents: 5 });
  });

  it('SDM-Q9: all five at or above 80 is a band 80–100%, which meets a 75% target', () => {
    const cell = summariseCell(
      [80, 85, 90, 95, 100].map((s) => done(1, s)),
      SETTINGS,
    );
    expect(cell.decidedTogether).toEqual({
      suppressed: false,
      band: { low: 80, high: 100 },
      respondents: 5,
      patients: 5,
    });
    expect(cell.meetsTarget).toBe(true);
  });

  it('a band that straddles the target neither meets nor misses it', () => {
    const cell = summariseCell(
      times(6, () => done(1, 20)),
      { ...SETTINGS, targetPercent: 10 },
    );
    expect(cell.decidedTogether).toEqual({
      suppressed: false,
      band: { low: 0, high: 17 },
      respondents: 6,
      patients: 6,
    });
    expect(cell.meetsTarget).toBeNull();
  });

  it.each([
    ['the threshold itself counts as together', [80, 80, 80, 79.9, 79.9], 80, 60, 3, false],
    ['three of four at target: 75% meets 75%', [90, 90, 90, 10, 90, 90, 90, 10], 70, 75, 6, true],
    ['mixed', [44.4, 66.7, 82.2, 91.1, 100, 55.6], 73.3, 50, 3, false],
  ])('SDM-Q9: %s', (_name, scores, mean, share, together, meets) => {
    const cell = summariseCell(
      scores.map((s) => done(1, s)),
      SETTINGS,
    );
    expect(cell.sdmQ9Mean).toEqual({
      suppressed: false,
      value: mean,
      respondents: scores.length,
      patients: scores.length,
    });
    expect(cell.decidedTogether).toEqual({
      suppressed: false,
      value: share,
      respondents: scores.length,
      numerator: together,
      patients: scores.length,
    });
    expect(cell.meetsTarget).toBe(meets);
  });

  it.each([
    [70, 83.3, 5, true],
    [90, 33.3, 2, false],
  ])('SDM-Q9 threshold %p: share %p', (threshold, share, together, meets) => {
    const cell = summariseCell(
      [60, 75, 80, 85, 95, 100].map((s) => done(1, s)),
      { ...SETTINGS, sdmThreshold: threshold, targetPercent: 50 },
    );
    expect(cell.decidedTogether).toMatchObject({ value: share, numerator: together });
    expect(cell.meetsTarget).toBe(meets);
  });

  it.each([0, 1, 4])('suppresses every respondent figure with %p respondents (shown as suppressed, not as 0)', (n) => {
    const cell = summariseCell([...times(n, () => done(3, 90)), ...times(20, () => rec())], SETTINGS);
    for (const figure of [
      cell.completed,
      cell.completionRate,
      cell.medianDaysToCompletion,
      cell.sdmQ9Mean,
      cell.decidedTogether,
    ]) {
      expect(figure).toEqual({ suppressed: true });
    }
    expect(cell.meetsTarget).toBeNull();
    expect(cell.invitationsSent).toBe(20 + n); // operational counts stay
  });

  it('suppresses per figure: 6 results received but only 4 SDM-Q9 answers', () => {
    const cell = summariseCell([...times(4, () => done(2, 90)), done(2), done(2)], SETTINGS);
    expect(cell.completed).toEqual({ suppressed: false, value: 6, respondents: 6 });
    expect(cell.sdmQ9Mean).toEqual({ suppressed: true });
    expect(cell.decidedTogether).toEqual({ suppressed: true });
  });

  it('shows exactly 5 respondents', () => {
    expect(
      summariseCell(
        times(5, () => done(2, 90)),
        SETTINGS,
      ).sdmQ9Mean,
    ).toEqual({ suppressed: false, value: 90, respondents: 5, patients: 5 });
  });
});

describe('summariseCell: one answer per patient per key moment', () => {
  const moment = (patient: string, trigger: string, respondent: 'patient' | 'guardian', score: number, days = 1) =>
    done(days, score, { patient, trigger, respondent });

  it("counts a child and two parents at one key moment as one patient, the child's own answer first", () => {
    const records = [
      // Five patients; patient 1 answered with both parents (their answers would pull the share down).
      moment('Patient/1', 'MR/1', 'guardian', 40),
      moment('Patient/1', 'MR/1', 'patient', 90),
      moment('Patient/1', 'MR/1', 'guardian', 30),
      ...times(4, (i) => moment(`Patient/${i + 2}`, `MR/${i + 2}`, 'guardian', i < 3 ? 90 : 50)),
    ];
    const cell = summariseCell(records, SETTINGS);
    expect(cell.decidedTogether).toEqual({ suppressed: false, value: 80, respondents: 5, numerator: 4, patients: 5 });
    expect(cell.sdmQ9Mean).toMatchObject({ value: 82, respondents: 5 });
  });

  it('takes the parent who answered first when the patient did not answer', () => {
    const records = [
      moment('Patient/1', 'MR/1', 'guardian', 40, 3),
      moment('Patient/1', 'MR/1', 'guardian', 90, 1),
      ...times(4, (i) => moment(`Patient/${i + 2}`, `MR/${i + 2}`, 'guardian', 10)),
    ];
    expect(summariseCell(records, SETTINGS).decidedTogether).toMatchObject({ numerator: 1, respondents: 5 });
  });

  it('counts one patient at two key moments twice, but as one patient', () => {
    const records = [
      moment('Patient/1', 'MR/1', 'patient', 90),
      moment('Patient/1', 'CP/1', 'patient', 90),
      ...times(4, (i) => moment(`Patient/${i + 2}`, `MR/${i + 2}`, 'patient', i < 2 ? 90 : 10)),
    ];
    expect(summariseCell(records, SETTINGS).decidedTogether).toMatchObject({
      respondents: 6,
      numerator: 4,
      patients: 5,
    });
  });

  it('reads "decided together" from the CollaboRATE top box when so configured', () => {
    const records = times(6, (i) => rec({ completed: true, collaborateTopBox: i < 3, sdmQ9: 100 }));
    const cell = summariseCell(records, { ...SETTINGS, decidedTogether: 'collaborate-top-box' });
    expect(cell.decidedTogether).toMatchObject({ value: 50, numerator: 3, respondents: 6 });
  });
});

describe('computeKpis', () => {
  const records = [
    ...times(5, () => done(2, 90, { month: '2026-09' })),
    ...times(3, () =>
      done(2, 60, { month: '2026-10', department: { key: 'Organization/kg', label: 'Algemene kindergeneeskunde' } }),
    ),
    ...times(4, () =>
      done(4, 70, { month: '2026-10', keyMoment: { key: 'medication-change', label: 'medicatiewijziging' } }),
    ),
    rec({ month: '2026-12' }), // outside the range
  ];
  const summary = computeKpis(
    records,
    { from: '2026-08', to: '2026-10', generatedAt: '2026-11-01T00:00:00Z' },
    { ...SETTINGS, timeZone: 'Europe/Amsterdam' },
  );

  it('lists every month of the range, also empty ones, each with its own suppression', () => {
    expect(summary.months.map((m) => [m.month, m.invitationsSent, m.sdmQ9Mean.suppressed])).toEqual([
      ['2026-08', 0, true],
      ['2026-09', 5, false],
      ['2026-10', 7, false],
    ]);
  });

  it('computes the whole range and each breakdown from the records in range', () => {
    expect(summary.overall).toMatchObject({
      invitationsSent: 12,
      sdmQ9Mean: { value: 75.8, respondents: 12 },
      decidedTogether: { value: 41.7, numerator: 5 },
    });
    // Kinderlongziekten (9) is hidden too: shown, it would give the other department's figures away (12 - 9).
    expect(summary.byDepartment.map((r) => [r.label, r.invitationsSent, r.sdmQ9Mean.suppressed])).toEqual([
      ['Algemene kindergeneeskunde', 3, true],
      ['Kinderlongziekten', 9, true],
    ]);
    expect(summary.byKeyMoment.map((r) => r.key)).toEqual(['evaluation', 'medication-change']);
    expect(summary.settings).toEqual({
      decidedTogether: 'sdm-q9',
      sdmThreshold: 80,
      targetPercent: 75,
      minRespondents: 5,
      timeZone: 'Europe/Amsterdam',
    });
  });
});
