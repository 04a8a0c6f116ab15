import type { Extension, Questionnaire, QuestionnaireItem, QuestionnaireResponse } from '@medplum/fhirtypes';
import { assertValidResource } from '../shared/fhir-definitions.js';
import { extractObservations, observationValue } from './extract-observations.js';
import { QUESTIONNAIRE_UNIT_EXTENSION, SDC_EXTRACT_CATEGORY, SDC_OBSERVATION_EXTRACT } from './pro-codes.js';

const extract = (value: boolean): Extension => ({ url: SDC_OBSERVATION_EXTRACT, valueBoolean: value });
const category = (code: string): Extension => ({
  url: SDC_EXTRACT_CATEGORY,
  valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] },
});
const code = (linkId: string) => [{ system: 'https://example.org/codes', code: linkId }];
const KG: Extension = {
  url: QUESTIONNAIRE_UNIT_EXTENSION,
  valueCoding: { system: 'http://unitsofmeasure.org', code: 'kg', display: 'kg' },
};

/** Extraction switched on at the root, off and on again lower down, in groups, a repeating group and under an answer. */
const questionnaire: Questionnaire = {
  resourceType: 'Questionnaire',
  url: 'https://example.org/Questionnaire/nested',
  version: '1',
  status: 'active',
  title: 'Geneste vragen',
  extension: [extract(true)],
  item: [
    { linkId: 'top', code: code('top'), text: 'Bovenaan', type: 'integer' },
    { linkId: 'no-code', text: 'Zonder code', type: 'string' },
    { linkId: 'off', code: code('off'), text: 'Uitgezet', type: 'string', extension: [extract(false)] },
    {
      linkId: 'grp',
      type: 'group',
      extension: [extract(false)],
      item: [
        { linkId: 'grp-off', code: code('grp-off'), type: 'boolean' },
        {
          linkId: 'grp-on',
          code: code('grp-on'),
          type: 'date',
          extension: [extract(true), category('social-history')],
        },
      ],
    },
    {
      linkId: 'rep',
      type: 'group',
      repeats: true,
      extension: [category('vital-signs')],
      item: [{ linkId: 'rep-q', code: code('rep-q'), type: 'decimal', extension: [KG] }],
    },
    {
      linkId: 'parent',
      code: code('parent'),
      type: 'choice',
      answerOption: [{ valueCoding: { system: 'https://example.org/yn', code: 'j', display: 'ja' } }],
      item: [{ linkId: 'child', code: code('child'), type: 'text' }],
    },
    { linkId: 'multi', code: code('multi'), type: 'string', repeats: true },
  ] as QuestionnaireItem[],
};

const response: QuestionnaireResponse = {
  resourceType: 'QuestionnaireResponse',
  status: 'completed',
  subject: { reference: 'Patient/p1' },
  author: { reference: 'RelatedPerson/r1', type: 'RelatedPerson' },
  authored: '2026-03-02T10:00:00+01:00',
  item: [
    { linkId: 'top', answer: [{ valueInteger: 7 }] },
    { linkId: 'no-code', answer: [{ valueString: 'niet mee' }] },
    { linkId: 'off', answer: [{ valueString: 'niet mee' }] },
    {
      linkId: 'grp',
      item: [
        { linkId: 'grp-off', answer: [{ valueBoolean: true }] },
        { linkId: 'grp-on', answer: [{ valueDate: '2026-03-01' }] },
      ],
    },
    { linkId: 'rep', item: [{ linkId: 'rep-q', answer: [{ valueDecimal: 31.5 }] }] },
    { linkId: 'rep', item: [{ linkId: 'rep-q', answer: [{ valueDecimal: 32 }] }] },
    {
      linkId: 'parent',
      answer: [
        {
          valueCoding: { system: 'https://example.org/yn', code: 'j', display: 'ja' },
          item: [{ linkId: 'child', answer: [{ valueString: 'omdat' }] }],
        },
      ],
    },
    { linkId: 'multi', answer: [{ valueString: 'een' }, { valueString: 'twee' }] },
  ],
};

const extracted = () =>
  extractObservations({
    questionnaire,
    response,
    responseReference: 'urn:uuid:00000000-0000-4000-8000-000000000001',
    identifierPrefix: 'p',
  });

describe('extractObservations (SDC observation-based extraction)', () => {
  it('extracts the coded questions whose nearest observationExtract is true, through groups, repeats and answers', () => {
    expect(extracted().map((o) => `${o.code.coding?.[0]?.code} ${o.identifier?.[0]?.value}`)).toEqual([
      'top p/top',
      'grp-on p/grp/grp-on',
      'rep-q p/rep[0]/rep-q',
      'rep-q p/rep[1]/rep-q',
      'parent p/parent',
      'child p/parent/child',
      'multi p/multi#0',
      'multi p/multi#1',
    ]);
  });

  it.each([
    ['top', { valueInteger: 7 }],
    ['grp-on', { valueDateTime: '2026-03-01' }],
    ['rep-q', { valueQuantity: { value: 31.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } }],
    [
      'parent',
      {
        valueCodeableConcept: { coding: [{ system: 'https://example.org/yn', code: 'j', display: 'ja' }], text: 'ja' },
      },
    ],
    ['child', { valueString: 'omdat' }],
    ['multi', { valueString: 'een' }],
  ])('gives %s its value[x]', (linkId, value) => {
    expect(extracted().find((o) => o.code.coding?.[0]?.code === linkId)).toMatchObject(value);
  });

  it.each([
    ['top', ['survey']],
    ['grp-on', ['survey', 'social-history']],
    ['rep-q', ['survey', 'vital-signs']],
  ])('gives %s category survey plus the nearest extract category', (linkId, codes) => {
    const observation = extracted().find((o) => o.code.coding?.[0]?.code === linkId)!;
    expect(observation.category?.map((c) => c.coding?.[0]?.code)).toEqual(codes);
  });

  it('ties every Observation to the response, its subject, author and time, with a Dutch narrative, and each is valid FHIR', () => {
    for (const observation of extracted()) {
      expect(observation).toMatchObject({
        status: 'final',
        subject: { reference: 'Patient/p1' },
        performer: [{ reference: 'RelatedPerson/r1' }],
        effectiveDateTime: '2026-03-02T10:00:00+01:00',
        derivedFrom: [{ reference: 'urn:uuid:00000000-0000-4000-8000-000000000001' }],
        text: {
          status: 'generated',
          div: expect.stringMatching(/^<div xmlns="http:\/\/www\.w3\.org\/1999\/xhtml">.*ingevuld op 2 maart 2026/),
        },
      });
      expect(() => assertValidResource(observation)).not.toThrow();
    }
  });

  it('is deterministic, so a retried job builds the same identifiers', () => {
    expect(extracted()).toEqual(extracted());
  });
});

describe('observationValue', () => {
  const item = (type: QuestionnaireItem['type'], extension?: Extension[]): QuestionnaireItem => ({
    linkId: 'x',
    type,
    ...(extension ? { extension } : {}),
  });
  it.each([
    ['boolean', item('boolean'), { valueBoolean: false }, { valueBoolean: false }],
    ['integer', item('integer'), { valueInteger: 3 }, { valueInteger: 3 }],
    [
      'integer with a unit',
      item('integer', [KG]),
      { valueInteger: 3 },
      { valueQuantity: { value: 3, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } },
    ],
    ['decimal', item('decimal'), { valueDecimal: 2.5 }, { valueQuantity: { value: 2.5 } }],
    [
      'dateTime',
      item('dateTime'),
      { valueDateTime: '2026-03-02T10:00:00Z' },
      { valueDateTime: '2026-03-02T10:00:00Z' },
    ],
    ['time', item('time'), { valueTime: '10:00:00' }, { valueTime: '10:00:00' }],
    ['url', item('url'), { valueUri: 'https://example.org' }, { valueString: 'https://example.org' }],
    ['attachment (not an Observation value)', item('attachment'), { valueAttachment: { title: 'x' } }, undefined],
  ])('%s', (_name, definition, answer, expected) => {
    expect(observationValue(definition, answer)).toEqual(expected);
  });
});
