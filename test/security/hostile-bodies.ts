import fc from 'fast-check';

/** One hostile body, sent with valid credentials: the body alone must get it refused. */
export interface BodyCase {
  category: string;
  name: string;
  body: string;
  /** The one status this case must get; absent: any 4xx. */
  status?: number;
}

/** Fixed, so a failing case can be reproduced; change it to explore new inputs. */
export const CORPUS_SEED = 20250311;

/** Strings that attack parsers, stores, templates, logs and shells; placed where an id, type or reference goes. */
export const INJECTIONS = [
  "' OR '1'='1' --",
  '"; DROP TABLE tasks; --',
  '{"$gt":""}',
  '../../../../etc/passwd',
  'Patient/1/../../Task/2',
  '..%2f..%2fetc%2fpasswd',
  '__proto__',
  'constructor',
  'prototype',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '\n{"level":60,"msg":"forged log line"}',
  'a\r\nSet-Cookie: x=1',
  '\r\nFLUSHALL\r\n',
  '$(rm -rf /)',
  '`id`',
  'Patient/1?_include=*',
  'Patient/1#x',
  'http://169.254.169.254/latest/meta-data/',
];

// FHIR id: 1–64 of [A-Za-z0-9-.]. Some injections ("constructor") are valid ids and must not be used where only an id is wrong.
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Ids no FHIR server would accept. */
export const BAD_IDS = [...INJECTIONS.filter((s) => !FHIR_ID.test(s)), '', 'x'.repeat(65), 'a b', 'a/b', 'a_b'];

/** Unicode that looks harmless or breaks naive handling: homoglyphs, invisible and control characters, lone surrogates. */
export const UNICODE = [
  'Раtient', // Cyrillic Р and а
  'Patient\u200b',
  '\u202ePatient',
  'Patiënt',
  'Patient\u0000',
  '\ud800',
  '\udfff\ud800',
  '😀',
  'ﾊﾟﾁｪﾝﾄ',
  'Ⓟatient',
  '\ufeffPatient',
  'e\u0301',
];

const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number, offset = 0) =>
  fc.sample(arb, { numRuns, seed: CORPUS_SEED + offset });
const json = (value: unknown) => JSON.stringify(value);
const isParseable = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};
/** What the intake parsers take for a FHIR resource: an object with a string resourceType. */
const looksLikeResource = (v: unknown) =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  typeof (v as { resourceType?: unknown }).resourceType === 'string';

/** Text that is not JSON: generated, and the classic near-misses. */
export function invalidJson(): BodyCase[] {
  const nearMisses = [
    '{"resourceType": ',
    '{"resourceType":"Patient",}',
    "{'resourceType':'Patient'}",
    '{"resourceType":"Patient"}{"x":1}',
    '{"id": NaN}',
    '{"id": Infinity}',
    '{"id": 01}',
    '// comment\n{"resourceType":"Patient"}',
    '\ufeff{"resourceType":"Patient","id":"1"}',
    '{"resourceType":"Patient","id":"\\x41"}',
    '{"a":"\u0001"}',
    '[1,2,',
    'undefined',
    'True',
    '<Patient xmlns="http://hl7.org/fhir"><id value="1"/></Patient>',
  ];
  const generated = sample(fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }), 60).filter(
    (s) => s.trim() !== '' && !isParseable(s),
  );
  return [...nearMisses, ...generated.slice(0, 35)].map((body, i) => ({
    category: 'invalid JSON',
    name: `invalid JSON ${i}`,
    body,
    status: 400,
  }));
}

/** Well-formed JSON that is not a FHIR resource: scalars, arrays, objects without a string resourceType. */
export function notFhir(): BodyCase[] {
  const generated = sample(fc.jsonValue({ maxDepth: 4 }), 80, 1).filter(
    (v) => !looksLikeResource(v) && v !== '' && v !== null,
  );
  const fixed = [
    null,
    0,
    -1,
    true,
    'Patient',
    [],
    [{ resourceType: 'Patient', id: '1' }],
    { hello: 'world' },
    { ResourceType: 'Patient', id: '1' },
  ];
  return [...fixed, ...generated.slice(0, 40)].map((v, i) => ({
    category: 'JSON that is not FHIR',
    name: `not FHIR ${i}`,
    body: json(v),
    status: 400,
  }));
}

/** A resourceType that is missing, of the wrong type, or a name that is no R4 resource type. */
export function wrongResourceType(): BodyCase[] {
  const notStrings = [null, 1, true, ['Patient'], { value: 'Patient' }];
  const badNames = [
    '',
    ' ',
    'patient',
    'PATIENT',
    'Patient ',
    ' Patient',
    'Foo',
    'Patients',
    'DomainResource',
    'Resource',
    'Medication Request',
    'MedicationRequest2',
    ...UNICODE,
    ...INJECTIONS,
  ];
  const generated = sample(fc.string({ minLength: 1, maxLength: 30 }), 25, 2);
  const cases: BodyCase[] = [
    { category: 'wrong resourceType', name: 'no resourceType', body: json({ id: 'x', status: 'active' }) },
  ];
  for (const type of notStrings)
    cases.push({
      category: 'wrong resourceType',
      name: `resourceType ${json(type)}`,
      body: json({ resourceType: type, id: 'x' }),
    });
  for (const type of [...badNames, ...generated])
    cases.push({
      category: 'wrong resourceType',
      name: `resourceType ${json(type)}`,
      body: json({ resourceType: type, id: 'x1', meta: { versionId: '1' } }),
    });
  return cases;
}

/** Bundles with broken structure or entries, each shape of notification included. */
export function brokenBundles(): BodyCase[] {
  const header = (focus: unknown) => ({ resource: { resourceType: 'MessageHeader', id: 'h', focus } });
  const status = (parameter: unknown) => ({ resource: { resourceType: 'Parameters', parameter } });
  const fixed: [string, unknown][] = [
    ['no type', { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Patient', id: '1' } }] }],
    [
      'type searchset',
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: { resourceType: 'Patient', id: '1' } }] },
    ],
    [
      'type document',
      { resourceType: 'Bundle', type: 'document', entry: [{ resource: { resourceType: 'Composition', id: '1' } }] },
    ],
    ['type as a number', { resourceType: 'Bundle', type: 7, entry: [] }],
    ['no entry', { resourceType: 'Bundle', type: 'transaction' }],
    ['empty entry', { resourceType: 'Bundle', type: 'collection', entry: [] }],
    [
      'entry not an array',
      { resourceType: 'Bundle', type: 'batch', entry: { resource: { resourceType: 'Patient', id: '1' } } },
    ],
    ['entries that are not objects', { resourceType: 'Bundle', type: 'collection', entry: [1, 'x', null, [], true] }],
    [
      'entry resource without resourceType',
      { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { id: '1' } }] },
    ],
    [
      'entry resource without id',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'MedicationRequest' }, request: { method: 'POST' } }],
      },
    ],
    [
      'entry with an unknown method',
      { resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: 'Patient/1', request: { method: 'PURGE' } }] },
    ],
    [
      'entry method "constructor"',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ fullUrl: 'Patient/1', request: { method: 'constructor' } }],
      },
    ],
    ['DELETE without url', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'DELETE' } }] }],
    [
      'only reads',
      { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/1' } }] },
    ],
    [
      'only infrastructure',
      {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: { resourceType: 'OperationOutcome', id: '1' } }],
      },
    ],
    [
      'message without header',
      { resourceType: 'Bundle', type: 'message', entry: [{ resource: { resourceType: 'Patient', id: '1' } }] },
    ],
    ['message header without focus', { resourceType: 'Bundle', type: 'message', entry: [header(undefined)] }],
    [
      'message focus not a reference',
      { resourceType: 'Bundle', type: 'message', entry: [header([{ display: 'x' }, 'Patient/1', 3])] },
    ],
    [
      'message focus on a missing urn',
      { resourceType: 'Bundle', type: 'message', entry: [header([{ reference: 'urn:uuid:nope' }])] },
    ],
    [
      'history without status',
      { resourceType: 'Bundle', type: 'history', entry: [{ resource: { resourceType: 'Patient', id: '1' } }] },
    ],
    [
      'history status without type',
      {
        resourceType: 'Bundle',
        type: 'history',
        entry: [status([{ name: 'subscription', valueReference: { reference: 'Subscription/s' } }])],
      },
    ],
    [
      'history status with an unknown type',
      { resourceType: 'Bundle', type: 'history', entry: [status([{ name: 'type', valueCode: 'explode' }])] },
    ],
    [
      'event notification without subscription',
      { resourceType: 'Bundle', type: 'history', entry: [status([{ name: 'type', valueCode: 'event-notification' }])] },
    ],
    [
      'event number not a number',
      {
        resourceType: 'Bundle',
        type: 'history',
        entry: [
          status([
            { name: 'subscription', valueReference: { reference: 'Subscription/s' } },
            { name: 'type', valueCode: 'event-notification' },
            { name: 'notification-event', part: [{ name: 'event-number', valueString: '-1e9' }] },
          ]),
        ],
      },
    ],
    [
      'focus not a Type/id',
      {
        resourceType: 'Bundle',
        type: 'history',
        entry: [
          status([
            { name: 'subscription', valueReference: { reference: 'Subscription/s' } },
            { name: 'type', valueCode: 'event-notification' },
            { name: 'notification-event', part: [{ name: 'focus', valueReference: { reference: 'Patient?name=x' } }] },
          ]),
        ],
      },
    ],
  ];
  const cases: BodyCase[] = fixed.map(([name, body]) => ({ category: 'broken Bundle', name, body: json(body) }));
  const types = fc.constantFrom('history', 'message', 'transaction', 'batch', 'collection');
  const brokenEntry = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
    fc.record({
      resource: fc.record({
        resourceType: fc.constantFrom('Patient', 'MedicationRequest'),
        id: fc.constantFrom(...BAD_IDS),
      }),
    }),
    fc.record({
      fullUrl: fc.constantFrom(...INJECTIONS),
      request: fc.record({ method: fc.constantFrom('DELETE', 'PATCH') }),
    }),
  );
  const generated = sample(
    fc.record({ type: types, entry: fc.array(brokenEntry, { minLength: 1, maxLength: 5 }) }),
    30,
    3,
  );
  generated.forEach((b, i) =>
    cases.push({
      category: 'broken Bundle',
      name: `generated broken ${b.type} ${i}`,
      body: json({ resourceType: 'Bundle', ...b }),
    }),
  );
  return cases;
}
