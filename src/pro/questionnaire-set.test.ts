import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Questionnaire } from '@medplum/fhirtypes';
import { loadQuestionnaires, QuestionnaireError } from './load-questionnaires.js';
import { checkQuestionnaire } from './questionnaire-set.js';
import { SDC_OBSERVATION_EXTRACT, SCORING_EXTENSION } from './pro-codes.js';

const base: Questionnaire = {
  resourceType: 'Questionnaire',
  url: 'https://example.org/Questionnaire/q',
  version: '1',
  status: 'active',
  item: [{ linkId: 'a', type: 'string' }],
};

describe('the shipped Questionnaires', () => {
  it('all load: valid FHIR, canonical url and version, Dutch, every extracted question coded', async () => {
    const set = await loadQuestionnaires('mappings/questionnaires', { fhirValidation: true });
    expect(set.list.map((q) => `${q.url?.split('/').pop()}|${q.version}`).sort()).toEqual([
      'act|1.0.0',
      'c-act|1.0.0',
      'collaborate|1.0.0',
      'keuzeformulier|1.0.0',
      'sdm-q9-ouder|1.0.0',
      'sdm-q9|1.0.0',
    ]);
    for (const q of set.list)
      expect([q.url, q.language, q.status]).toEqual([
        expect.stringMatching(/^https:\/\/sdm-bridge\.org\/fhir\/Questionnaire\//),
        'nl-NL',
        'active',
      ]);
  });

  it('say in the licensed instruments that their item texts are placeholders', async () => {
    const set = await loadQuestionnaires('mappings/questionnaires');
    for (const name of ['act', 'c-act']) {
      const q = set.list.find((x) => x.url?.endsWith(`/${name}`))!;
      expect(q.copyright).toMatch(/licentie/);
      expect(JSON.stringify(q.item)).toMatch(/tekst onder licentie, niet meegeleverd/);
    }
  });
});

describe('checkQuestionnaire', () => {
  it.each([
    ['no version', { ...base, version: undefined }, /version: required/],
    ['no url', { ...base, url: undefined }, /url: an absolute/],
    [
      'a linkId twice',
      {
        ...base,
        item: [
          { linkId: 'a', type: 'string' },
          { linkId: 'a', type: 'integer' },
        ],
      },
      /item a: linkId used more than once/,
    ],
    [
      'a choice without options',
      { ...base, item: [{ linkId: 'c', type: 'choice', answerValueSet: 'https://example.org/vs' }] },
      /needs answerOption/,
    ],
    [
      'an extracted question without code',
      { ...base, extension: [{ url: SDC_OBSERVATION_EXTRACT, valueBoolean: true }] },
      /extracted as an Observation .* has no code/,
    ],
    [
      'an unknown scoring',
      { ...base, extension: [{ url: SCORING_EXTENSION, valueCode: 'magic' }] },
      /unknown scoring "magic"/,
    ],
    [
      'a scoring without its items',
      { ...base, extension: [{ url: SCORING_EXTENSION, valueCode: 'act-total' }] },
      /scoring act-total: needs item act-1/,
    ],
    [
      'an unsupported type',
      { ...base, item: [{ linkId: 'f', type: 'attachment' }] },
      /type attachment is not supported/,
    ],
  ] as [string, Questionnaire, RegExp][])('refuses %s', (_name, questionnaire, message) => {
    expect(checkQuestionnaire(questionnaire).join('\n')).toMatch(message);
  });

  it('accepts a plain one', () => {
    expect(checkQuestionnaire(base)).toEqual([]);
  });
});

describe('loadQuestionnaires', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'questionnaires-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is empty when the directory does not exist (no aid returns results)', async () => {
    expect((await loadQuestionnaires(join(dir, 'none'))).list).toEqual([]);
  });

  it('lists every problem of every file at once', async () => {
    await writeFile(join(dir, 'a.json'), '{ not json');
    await writeFile(join(dir, 'b.json'), JSON.stringify({ ...base, version: undefined }));
    await writeFile(
      join(dir, 'c.json'),
      JSON.stringify({ ...base, status: 'bogus-but-structurally-fine', item: 'not a list' }),
    );
    const error = await loadQuestionnaires(dir, { fhirValidation: true }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(QuestionnaireError);
    expect((error as QuestionnaireError).errors.join('\n')).toMatch(/a\.json/);
    await rm(join(dir, 'a.json'));
    const second = (await loadQuestionnaires(dir, { fhirValidation: true }).catch(
      (err: unknown) => err,
    )) as QuestionnaireError;
    expect(second.errors.some((e) => e.includes('b.json') && e.includes('version'))).toBe(true);
    expect(second.errors.some((e) => e.includes('c.json'))).toBe(true);
  });
});
