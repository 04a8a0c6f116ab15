import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Questionnaire } from '@medplum/fhirtypes';
import { AppError } from '../shared/errors.js';
import { assertValidResource } from '../shared/fhir-definitions.js';
import {
  createQuestionnaireSet,
  NO_QUESTIONNAIRES,
  type NamedQuestionnaire,
  type QuestionnaireSet,
} from './questionnaire-set.js';

/** The Questionnaire files could not be used: every problem of every file, so they are fixed in one pass. */
export class QuestionnaireError extends AppError {
  constructor(readonly errors: string[]) {
    super(
      `questionnaire files have ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n${errors.map((e) => `  - ${e}`).join('\n')}`,
      {
        status: 500,
        retry: false,
        problems: errors.map((message) => ({ code: 'invalid', message })),
      },
    );
  }
}

/** Where the Questionnaire files live, below the mappings directory. */
export const QUESTIONNAIRES_SUBDIR = 'questionnaires';

/**
 * Reads every `*.json` in `dir` (name order) as a Questionnaire and checks what results intake
 * relies on; with `fhirValidation` also validates each as FHIR. A missing directory is an empty set
 * (no aid returns results); anything else wrong throws one QuestionnaireError listing every problem.
 *
 * Why the service starts without `fhirValidation`: it costs 0.2–0.6 s per start on this kind of
 * machine and the service never writes a Questionnaire; the sync, which does, validates, and a test
 * validates the shipped files.
 */
export async function loadQuestionnaires(
  dir: string,
  options: { fhirValidation?: boolean } = {},
): Promise<QuestionnaireSet> {
  const named = await readQuestionnaireFiles(dir);
  if (named === undefined) return NO_QUESTIONNAIRES;
  const problems: string[] = [];
  const usable = named.filter(({ name, questionnaire }) => {
    if (!options.fhirValidation) return true;
    try {
      assertValidResource(questionnaire);
      return true;
    } catch (err) {
      problems.push(...((err as AppError).problems ?? []).map((p) => `${name}: ${p.message}`));
      return false;
    }
  });
  const set = createQuestionnaireSet(usable, problems);
  if (problems.length) throw new QuestionnaireError(problems);
  return set;
}

/** The parsed files, or undefined when the directory does not exist. */
export async function readQuestionnaireFiles(dir: string): Promise<NamedQuestionnaire[] | undefined> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new QuestionnaireError([
      `${dir}: cannot read the directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    ]);
  }
  const named: NamedQuestionnaire[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      named.push({
        name: join(dir, name),
        questionnaire: JSON.parse(await readFile(join(dir, name), 'utf8')) as Questionnaire,
      });
    } catch (err) {
      problems.push(`${join(dir, name)}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (problems.length) throw new QuestionnaireError(problems);
  return named;
}
