import { arrayField, choiceValue, isJsonObject, objectField, stringField } from './json-fields.js';

describe('json-fields', () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [[], false],
    [null, false],
    ['x', false],
    [1, false],
  ])('isJsonObject(%j) → %s', (value, expected) => {
    expect(isJsonObject(value)).toBe(expected);
  });

  const obj = { s: 'text', n: 1, o: { a: 1 }, l: [1], nil: null };
  it.each([
    ['s', 'text', undefined, undefined],
    ['n', undefined, undefined, undefined],
    ['o', undefined, { a: 1 }, undefined],
    ['l', undefined, undefined, [1]],
    ['nil', undefined, undefined, undefined],
    ['missing', undefined, undefined, undefined],
  ])('field %s as string / object / array', (key, asString, asObject, asArray) => {
    expect(stringField(obj, key)).toEqual(asString);
    expect(objectField(obj, key)).toEqual(asObject);
    expect(arrayField(obj, key)).toEqual(asArray);
  });

  it.each([
    [
      { name: 'type', valueCode: 'heartbeat' },
      { type: 'Code', value: 'heartbeat' },
    ],
    [
      { url: 'x', valueReference: { reference: 'Subscription/1' } },
      { type: 'Reference', value: { reference: 'Subscription/1' } },
    ],
    [
      { name: 'n', valueUnsignedInt: 0 },
      { type: 'UnsignedInt', value: 0 },
    ],
    [{ name: 'n', value: 'no type suffix' }, undefined],
    [{ name: 'n', part: [] }, undefined],
  ])('choiceValue(%j)', (element, expected) => {
    expect(choiceValue(element)).toEqual(expected);
  });
});
