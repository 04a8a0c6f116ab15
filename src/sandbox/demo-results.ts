import type { Bundle, Observation, QuestionnaireResponse, Resource, Task } from '@medplum/fhirtypes';
import { INVITATION_ID_SYSTEM } from '../decision-aids/invitation-task-codes.js';
import { createEpdClient } from '../epd/fhir-epd-client.js';
import { invitationTaskOf } from '../pro/build-result-resources.js';
import { loadQuestionnaires, QUESTIONNAIRES_SUBDIR } from '../pro/load-questionnaires.js';
import { syncQuestionnaires } from '../pro/sync-questionnaires.js';
import { demoResult } from './demo-scenario.js';
import type { EmbeddedStack } from './start-stack.js';

/** How long the demo waits for the results job before it calls the result missing. */
const RESULT_TIMEOUT_MS = 30_000; // the write takes well under a second; half a minute means it is stuck

/**
 * The second half of the demo: the Questionnaires go to the EPD; the platform posts the result of
 * the 13-year-old's own invitation with an SDM-Q9 (refused: that instrument is for patients from
 * 16 and for parents) and an ACT from the mother (refused: ACT is self-report from 12); then the
 * mother's result (the same again, and a broken one), and the SDM-Q9 score is read back from the
 * FHIR server. Returns the number of things that went wrong.
 */
export async function demoResults(stack: EmbeddedStack, print: (line: string) => void): Promise<number> {
  const epd = createEpdClient({ baseUrl: stack.fhir.baseUrl, auth: { type: 'none' }, timeoutMs: 10_000 });
  const synced = await syncQuestionnaires(
    epd,
    (await loadQuestionnaires(`${stack.config.mappingsDir}/${QUESTIONNAIRES_SUBDIR}`)).list,
  );
  print(`\nResults: ${synced.length} Questionnaire(s) written to the EPD (npm run questionnaires:sync).`);
  const aid = stack.service.mappings.decisionAids.get('astma-kind')!;
  const tasks = (await search<Task>(stack, 'Task?_count=1000')).filter(
    (t) => t.instantiatesCanonical === aid.activityDefinition && t.for?.reference === stack.seed.patients.child13,
  );
  const own = tasks.find((t) => t.owner?.reference === stack.seed.patients.child13);
  const parent = tasks.find((t) => t.owner?.reference?.startsWith('RelatedPerson/'));
  const [ownId, parentId] = [own, parent].map(
    (t) => t?.identifier?.find((i) => i.system === INVITATION_ID_SYSTEM)?.value,
  );
  if (!parent || !ownId || !parentId) {
    print('  ✗ MISSING: the invitations of the 13-year-old and a parent to post results for');
    return 1;
  }
  const mismatches = await refusedInstruments(stack, aid.id, ownId, parentId, print);
  const first = await post(stack, aid.id, demoResult(parentId));
  print(`→ the platform posts the mother's result of invitation ${parentId}: HTTP ${first.status}`);
  await resultsWritten(stack);
  const again = await post(stack, aid.id, demoResult(parentId));
  await resultsWritten(stack);
  const result = demoResult(parentId);
  const broken = await post(stack, aid.id, { ...result, sdmq9: { ...(result.sdmq9 as object), q3: 7 } });
  return first.status === 202 && again.status === 202 && broken.status === 422
    ? mismatches + (await readBack(stack, parent, again.status, broken, print))
    : 1;
}

/** The right instrument for the right person: two results that do not fit, each refused naming its rule. */
async function refusedInstruments(
  stack: EmbeddedStack,
  aidId: string,
  ownId: string,
  parentId: string,
  print: (line: string) => void,
): Promise<number> {
  const young = await post(stack, aidId, demoResult(ownId));
  print(`→ the 13-year-old's own SDM-Q9: HTTP ${young.status}: ${young.issues.join('; ')}`);
  const act = { q1: 4, q2: 4, q3: 5, q4: 3, q5: 4 };
  const mother = await post(stack, aidId, { ...demoResult(parentId), sdmq9: undefined, act });
  print(`→ an ACT filled in by the mother: HTTP ${mother.status}: ${mother.issues.join('; ')}`);
  const refusedByRule = (a: Answer) => a.status === 422 && a.issues.some((i) => i.includes(': rule answeredBy'));
  return [young, mother].filter((a) => !refusedByRule(a)).length;
}

async function readBack(
  stack: EmbeddedStack,
  invitation: Task,
  againStatus: number,
  broken: Answer,
  print: (line: string) => void,
): Promise<number> {
  const responses = (await search<QuestionnaireResponse>(stack, 'QuestionnaireResponse?_count=1000')).filter(
    (r) => invitationTaskOf(r) === `Task/${invitation.id}`,
  );
  const refs = new Set(responses.map((r) => `QuestionnaireResponse/${r.id}`));
  const observations = (await search<Observation>(stack, 'Observation?_count=1000')).filter((o) =>
    refs.has(o.derivedFrom?.[0]?.reference ?? ''),
  );
  const task = (await search<Task>(stack, `Task?_id=${invitation.id}`))[0];
  const score = observations.find((o) => o.code.coding?.some((c) => c.code === 'sdm-q9-total'));
  for (const r of responses) print(`  ✓ QuestionnaireResponse/${r.id} (${r.questionnaire})`);
  print(`  ✓ ${observations.length} Observation(s) derived from them; Task/${task?.id} is ${task?.status}`);
  if (score)
    print(`  ✓ SDM-Q9 score read back from the EPD: ${score.valueQuantity?.value} of 100 (Observation/${score.id})`);
  else print('  ✗ MISSING: the SDM-Q9 score Observation');
  print(
    `→ the same result again: HTTP ${againStatus}, still ${responses.length} response(s) and ${observations.length} Observation(s)`,
  );
  print(`→ a result with an SDM-Q9 answer out of range: HTTP ${broken.status}: ${broken.issues.join('; ')}`);
  return score && task?.status === 'completed' ? 0 : 1;
}

type Answer = { status: number; issues: string[] };

async function post(stack: EmbeddedStack, aidId: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${stack.service.url}/decision-aids/${aidId}/results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.env.ASTMA_KEUZEHULP_TOKEN}` },
    body: JSON.stringify(body),
  });
  const outcome = (await res.json()) as { issue?: { severity: string; details?: { text?: string } }[] };
  return {
    status: res.status,
    issues: (outcome.issue ?? []).filter((i) => i.severity === 'error').map((i) => i.details?.text ?? ''),
  };
}

/** Waits until no results job is waiting, active or delayed (twice in a row). */
async function resultsWritten(stack: EmbeddedStack): Promise<void> {
  const deadline = Date.now() + RESULT_TIMEOUT_MS;
  for (let quiet = 0; quiet < 2;) {
    if (Date.now() > deadline) throw new Error('the results job did not finish');
    const counts = await stack.service.queues.results.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    quiet = Object.values(counts).every((n) => n === 0) ? quiet + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function search<T extends Resource>(stack: EmbeddedStack, query: string): Promise<T[]> {
  const bundle = (await (await fetch(`${stack.fhir.baseUrl}/${query}`)).json()) as Bundle<T>;
  return (bundle.entry ?? []).map((e) => e.resource!);
}
