import { EpdError } from './epd-error.js';
import { parseReference } from './parse-reference.js';

const BASE = 'https://epd.test.example.org/fhir';

describe('parseReference', () => {
  it.each([
    ['Task/t1', ['Task', 't1', undefined]],
    ['Task/t1/_history/3', ['Task', 't1', '3']],
    [`${BASE}/Patient/p-1.2`, ['Patient', 'p-1.2', undefined]],
    [`${BASE}/Patient/p1/_history/7`, ['Patient', 'p1', '7']],
  ])('%s', (reference, parts) => {
    expect(parseReference(reference, BASE)).toEqual(parts);
  });

  it.each([
    'Task',
    'Task/',
    'task/1',
    'Task/1/_history',
    'Task/a b',
    '../Task/1',
    'Task/1?_format=xml',
    `Task/${'x'.repeat(65)}`,
    'https://elsewhere.example.org/fhir/Task/1',
  ])('refuses %j', (reference) => {
    expect(() => parseReference(reference, BASE)).toThrow(EpdError);
  });
});
