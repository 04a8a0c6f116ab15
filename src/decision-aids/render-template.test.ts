import { AppError } from '../shared/errors.js';
import { renderTemplate, unknownPlaceholders, type TemplateValues } from './render-template.js';

const values: TemplateValues = {
  invitationId: 'inv-1',
  keyMoment: 'treatment-choice',
  decisionAidId: 'ra-behandeling',
  recipientRole: 'guardian',
  subjectPseudonym: 'c3ViamVjdA',
  callbackUrl: 'https://bridge.example.org/results',
};

describe('renderTemplate', () => {
  it.each<[string, unknown, unknown]>([
    ['a whole-string placeholder', '{{invitationId}}', 'inv-1'],
    ['spaces inside the braces', '{{ keyMoment }}', 'treatment-choice'],
    ['text around a placeholder', 'ref-{{invitationId}}-x', 'ref-inv-1-x'],
    ['two placeholders in one string', '{{decisionAidId}}/{{recipientRole}}', 'ra-behandeling/guardian'],
    ['an absent value as the whole string', '{{expiresAt}}', null],
    ['an absent value inside text', 'until {{expiresAt}}.', 'until .'],
    ['a string without placeholders', 'plain', 'plain'],
    ['numbers, booleans and null', [1, true, null], [1, true, null]],
    [
      'nested objects and arrays',
      { subject: { id: '{{subjectPseudonym}}' }, hooks: ['{{callbackUrl}}'], n: 3 },
      { subject: { id: 'c3ViamVjdA' }, hooks: ['https://bridge.example.org/results'], n: 3 },
    ],
    ['object keys as they are', { '{{invitationId}}': 'x' }, { '{{invitationId}}': 'x' }],
  ])('renders %s', (_name, template, expected) => {
    expect(renderTemplate(template, values)).toEqual(expected);
  });

  it('leaves the template unchanged', () => {
    const template = { id: '{{invitationId}}', list: ['{{keyMoment}}'] };
    const copy = structuredClone(template);
    renderTemplate(template, values);
    expect(template).toEqual(copy);
  });

  it.each([
    ['a misspelt name', { id: '{{invitationID}}' }, '{{invitationID}}'],
    ['a patient field', ['{{bsn}}'], '{{bsn}}'],
    ['an empty placeholder', 'x{{}}', '{{}}'],
  ])('refuses %s with a permanent error', (_name, template, named) => {
    let error: unknown;
    try {
      renderTemplate(template, values);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).retry).toBe(false);
    expect((error as AppError).message).toContain(named);
  });
});

describe('unknownPlaceholders', () => {
  it.each<[unknown, string[]]>([
    [{ a: '{{invitationId}}', b: ['{{expiresAt}}'] }, []],
    [{ a: '{{patientName}}', b: ['{{bsn}} {{patientName}}'] }, ['patientName', 'bsn']],
    [42, []],
  ])('finds the unknown names in %j', (template, expected) => {
    expect(unknownPlaceholders(template)).toEqual(expected);
  });
});
