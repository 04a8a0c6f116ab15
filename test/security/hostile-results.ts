import { INJECTIONS, type BodyCase } from './hostile-bodies.js';

/** A real invitation in the sandbox EPD, so result cases get past the invitation lookup to the answer checks. */
export interface KnownInvitation {
  taskId: string;
  invitationId: string;
}

const json = (value: unknown) => JSON.stringify(value);
const SDM_Q9 = 'https://sdm-bridge.org/fhir/Questionnaire/sdm-q9|1.0.0';

/**
 * Results that name a real invitation and are still wrong: nested too deep, of the wrong status,
 * for a Questionnaire the aid does not return, or with answers that are not answers. Each must be
 * refused before anything is queued.
 */
export function hostileResults(invitation: KnownInvitation): BodyCase[] {
  const basedOn = [{ reference: `Task/${invitation.taskId}` }];
  const response = (extra: Record<string, unknown>) =>
    json({
      resourceType: 'QuestionnaireResponse',
      id: 'qr-hostile',
      questionnaire: SDM_Q9,
      status: 'completed',
      basedOn,
      ...extra,
    });
  const deepItems = (depth: number) =>
    `${'{"linkId":"sdm-q9-1","item":['.repeat(depth)}{"linkId":"x"}${']}'.repeat(depth)}`;
  const deepAnswers = (depth: number) =>
    `${'{"linkId":"sdm-q9-1","answer":[{"valueInteger":1,"item":['.repeat(depth)}{"linkId":"x"}${']}]}'.repeat(depth)}`;
  const withItems = (items: string) => response({}).replace(/}$/, `,"item":[${items}]}`);
  const platform = (extra: Record<string, unknown>) =>
    json({
      invitation: invitation.invitationId,
      result: { id: 'r-hostile', completedAt: '2025-03-11T10:00:00+01:00' },
      ...extra,
    });
  const completedTask = (output: Record<string, unknown>) =>
    json({
      resourceType: 'Task',
      id: invitation.taskId,
      status: 'completed',
      intent: 'order',
      output: [{ type: { text: 'resultaat' }, ...output }],
    });
  const cases: [string, string][] = [
    ['items 20,000 deep', withItems(deepItems(20_000))],
    ['answers 20,000 deep', withItems(deepAnswers(20_000))],
    ['items 101 deep', withItems(deepItems(101))],
    [
      'a response in progress',
      response({ status: 'in-progress', item: [{ linkId: 'sdm-q9-1', answer: [{ valueInteger: 3 }] }] }),
    ],
    ['a Questionnaire of no aid', response({ questionnaire: 'https://evil.example/Questionnaire/x|1', item: [] })],
    [
      'a linkId that does not exist',
      response({ item: [{ linkId: '../../etc/passwd', answer: [{ valueInteger: 3 }] }] }),
    ],
    [
      'an answer of the wrong type',
      response({ item: [{ linkId: 'sdm-q9-1', answer: [{ valueString: "' OR 1=1 --" }] }] }),
    ],
    ['an answer out of range', response({ item: [{ linkId: 'sdm-q9-1', answer: [{ valueInteger: 6 }] }] })],
    [
      'an authored time without zone',
      response({ authored: '2025-03-11T10:00:00', item: [{ linkId: 'sdm-q9-1', answer: [{ valueInteger: 3 }] }] }),
    ],
    ['a 1 MB invitation id', json({ invitation: 'i'.repeat(1024 * 1024) })],
    ['an invitation id that is an object', json({ invitation: { $gt: '' } })],
    ['platform answers out of range', platform({ sdmq9: { q1: 99, q2: -1 } })],
    ['platform answers of the wrong type', platform({ sdmq9: { q1: ['x'], q2: { a: 1 } } })],
    [
      'platform answers 100k deep',
      platform({ sdmq9: { q1: 1 } }).replace(/}$/, `,"x":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`),
    ],
    ['a platform result without answers', platform({})],
    ['a Task that is not ours', json({ resourceType: 'Task', id: 'not-ours', status: 'completed', intent: 'order' })],
    // Results isolation: an output in the EPD is read only when it was written for this invitation.
    ...(['QuestionnaireResponse', 'DocumentReference', 'Binary'] as const).map((type): [string, string] => [
      `a completed Task naming a ${type} not written for it`,
      completedTask({ valueReference: { reference: `${type}/${invitation.taskId}` } }),
    ]),
    [
      'a completed Task naming a Binary attachment elsewhere',
      completedTask({ valueAttachment: { contentType: 'application/json', url: 'Binary/of-someone-else' } }),
    ],
  ];
  for (const [i, text] of INJECTIONS.entries())
    cases.push([`injection as invitation id ${i}`, json({ invitation: text, result: { id: 'r' } })]);
  return cases.map(([name, body]) => ({ category: 'hostile results', name, body }));
}
