import { parse } from 'yaml';
import { quoteFlowVariables } from './quote-flow-variables.js';

describe('quoteFlowVariables', () => {
  it.each([
    ['departments: [${DEPT}]', { departments: ['${DEPT}'] }],
    [
      'departments: [ ${A:-Organization/x}, ${B:-urn:oid:1.2|3} ]',
      { departments: ['${A:-Organization/x}', '${B:-urn:oid:1.2|3}'] },
    ],
    ['departments: [Organization/a, ${B}]', { departments: ['Organization/a', '${B}'] }],
    ['departments: ["${QUOTED}"]', { departments: ['${QUOTED}'] }],
    ['url: http://${HOST}/api', { url: 'http://${HOST}/api' }],
    ['body: { a: "{{x}}" }', { body: { a: '{{x}}' } }],
  ])('%s', (text, expected) => {
    expect(parse(quoteFlowVariables(text))).toEqual(expected);
  });
});
