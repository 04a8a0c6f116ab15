import { BAD_IDS, INJECTIONS, UNICODE, type BodyCase } from './hostile-bodies.js';

const json = (value: unknown) => JSON.stringify(value);
const MB = 1024 * 1024;

/** A status entry of an event notification whose single event focuses on `focus`. */
function notification(focus: string, subscription = 'Subscription/s1') {
  const parameter = [
    { name: 'subscription', valueReference: { reference: subscription } },
    { name: 'type', valueCode: 'event-notification' },
    {
      name: 'notification-event',
      part: [
        { name: 'event-number', valueString: '1' },
        { name: 'focus', valueReference: { reference: focus } },
      ],
    },
  ];
  return { resourceType: 'Bundle', type: 'history', entry: [{ resource: { resourceType: 'Parameters', parameter } }] };
}
const message = (focus: string) => ({
  resourceType: 'Bundle',
  type: 'message',
  entry: [{ resource: { resourceType: 'MessageHeader', id: 'h1', focus: [{ reference: focus }] } }],
});
const deletion = (fullUrl: string) => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: [{ fullUrl, request: { method: 'DELETE', url: fullUrl } }],
});
const withMethod = (method: string) => ({
  resourceType: 'Bundle',
  type: 'batch',
  entry: [{ fullUrl: 'MedicationRequest/1', request: { method, url: 'MedicationRequest/1' } }],
});

/** Nesting far past the limit, as raw text (building a million-deep object would itself overflow). */
export function deepNesting(): BodyCase[] {
  const arrays = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
  const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  const inResource = (inner: string) =>
    `{"resourceType":"MedicationRequest","id":"mr1","meta":{"versionId":"1"},"extension":${inner}}`;
  const parts = (depth: number) =>
    `${'{"name":"notification-event","part":['.repeat(depth)}{"name":"x"}${']}'.repeat(depth)}`;
  const statusWith = (parameter: string) =>
    `{"resourceType":"Bundle","type":"history","entry":[{"resource":{"resourceType":"Parameters","parameter":[{"name":"type","valueCode":"event-notification"},{"name":"subscription","valueReference":{"reference":"Subscription/s"}},${parameter}]}}]}`;
  const cases: [string, string, number?][] = [
    ['arrays 101 deep in a resource', inResource(arrays(101)), 400],
    ['arrays 1000 deep in a resource', inResource(arrays(1_000)), 400],
    ['arrays 100k deep in a resource', inResource(arrays(100_000)), 400],
    ['arrays 1M deep, bare', arrays(1_000_000), 400],
    ['objects 1000 deep in a resource', inResource(objects(1_000)), 400],
    ['objects 200k deep in a resource', inResource(objects(200_000)), 400],
    ['unclosed arrays 1M deep', '['.repeat(1_000_000), 400],
    ['Parameters parts 5000 deep', statusWith(parts(5_000)), 400],
    [
      'Bundles in Bundles 200 deep',
      `${'{"resourceType":"Bundle","type":"collection","entry":[{"resource":'.repeat(200)}{"resourceType":"Patient","id":"p"}${'}]}'.repeat(200)}`,
      400,
    ],
  ];
  return cases.map(([name, body, status]) => ({ category: 'deep nesting', name, body, ...(status ? { status } : {}) }));
}

/** Megabyte-long values where short ones belong (each body stays under the size limit). */
export function longStrings(): BodyCase[] {
  const long = 'A'.repeat(MB);
  const cases: [string, unknown][] = [
    ['a 1 MB id', { resourceType: 'MedicationRequest', id: long }],
    ['a 1 MB resourceType', { resourceType: long, id: 'x' }],
    ['a 1 MB versionId', { resourceType: 'MedicationRequest', id: 'x', meta: { versionId: long } }],
    ['a 1 MB Bundle type', { resourceType: 'Bundle', type: long, entry: [{}] }],
    ['a 1 MB request method', withMethod(long)],
    ['a 1 MB DELETE url', deletion(`MedicationRequest/${long}`)],
    ['a 1 MB message focus', message(`MedicationRequest/${long}`)],
    ['a 1 MB notification focus', notification(`MedicationRequest/${long}`)],
    [
      'a 1 MB notification type',
      {
        resourceType: 'Bundle',
        type: 'history',
        entry: [{ resource: { resourceType: 'Parameters', parameter: [{ name: 'type', valueCode: long }] } }],
      },
    ],
    ['4 MB of white space around a broken body', `${' '.repeat(4 * MB)}{"resourceType":`],
  ];
  return cases.map(([name, body]) => ({
    category: 'very long strings',
    name,
    body: typeof body === 'string' ? body : json(body),
  }));
}

/** Unicode in ids, types, methods and references, escaped and raw. */
export function unicode(): BodyCase[] {
  const cases: BodyCase[] = [];
  for (const [i, text] of UNICODE.entries()) {
    cases.push({
      category: 'unicode',
      name: `unicode id ${i}`,
      body: json({ resourceType: 'MedicationRequest', id: `mr${text}`, meta: { versionId: '1' } }),
    });
    cases.push({ category: 'unicode', name: `unicode focus ${i}`, body: json(message(`MedicationRequest/${text}`)) });
  }
  cases.push(
    {
      category: 'unicode',
      name: 'escaped lone surrogate in an id',
      body: '{"resourceType":"MedicationRequest","id":"a\\ud800b"}',
    },
    {
      category: 'unicode',
      name: 'escaped NUL in a type',
      body: '{"resourceType":"Bundle","type":"history\\u0000","entry":[{}]}',
    },
    { category: 'unicode', name: 'an emoji method', body: json(withMethod('PUT😀')) },
    {
      category: 'unicode',
      name: 'a full-width Bundle',
      body: json({ resourceType: 'Ｂｕｎｄｌｅ', type: 'history', entry: [{}] }),
    },
  );
  return cases;
}

/** Injection strings in every field that names something: type, method, ids and references. */
export function injections(): BodyCase[] {
  const cases: BodyCase[] = [];
  for (const [i, text] of INJECTIONS.entries()) {
    cases.push({
      category: 'injection strings',
      name: `injection as Bundle type ${i}`,
      body: json({ resourceType: 'Bundle', type: text, entry: [{}] }),
    });
    cases.push({ category: 'injection strings', name: `injection as method ${i}`, body: json(withMethod(text)) });
    cases.push({ category: 'injection strings', name: `injection as message focus ${i}`, body: json(message(text)) });
    cases.push({ category: 'injection strings', name: `injection as DELETE url ${i}`, body: json(deletion(text)) });
  }
  for (const [i, id] of BAD_IDS.entries()) {
    cases.push({
      category: 'injection strings',
      name: `injection as id ${i}`,
      body: json({ resourceType: 'MedicationRequest', id, meta: { versionId: '1' } }),
    });
  }
  return cases;
}

/** A notification with one entry more than the limit: refused whole (413), nothing of it queued. */
export function tooManyEntries(maxEntries: number): BodyCase[] {
  const entry = Array.from({ length: maxEntries + 1 }, (_, i) => ({
    fullUrl: `MedicationRequest/mr-${i}`,
    request: { method: 'DELETE', url: `MedicationRequest/mr-${i}` },
  }));
  const focus = Array.from({ length: maxEntries + 1 }, (_, i) => ({ reference: `MedicationRequest/mr-${i}` }));
  return [
    {
      category: 'huge bodies',
      name: `a transaction of ${maxEntries + 1} entries`,
      body: json({ resourceType: 'Bundle', type: 'transaction', entry }),
      status: 413,
    },
    {
      category: 'huge bodies',
      name: `a message with ${maxEntries + 1} foci`,
      body: json({
        resourceType: 'Bundle',
        type: 'message',
        entry: [{ resource: { resourceType: 'MessageHeader', id: 'h', focus } }],
      }),
      status: 413,
    },
  ];
}
