import { pathToFileURL } from 'node:url';
import { checkStartup, StartupError } from '../config/check-startup.js';
import { KEY_MOMENTS } from '../rules/types.js';

/** Where the mapping files are when neither an argument nor MAPPINGS_DIR says otherwise. */
const DEFAULT_DIR = 'mappings';

/**
 * Runs the service's own start-up check (`checkStartup`, the function `main` runs) with `dir` as
 * MAPPINGS_DIR, and says what came of it: one line per problem (settings as `SETTING: message`,
 * mapping files as `dir/file:line field: message`), or a summary line when all is well, followed
 * by one line per value set the terminology server expanded, with its number of codes. The server
 * is asked here, never the cache: the check proves the server answers now.
 */
export async function checkMappings(
  dir: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ ok: boolean; lines: string[] }> {
  try {
    const { mappings: compiled, live } = await checkStartup({ ...env, MAPPINGS_DIR: dir }, { useCache: false });
    const perMoment = KEY_MOMENTS.map(
      (moment) => `${moment} ${compiled.triggers.filter((t) => t.keyMoment === moment).length}`,
    );
    const summary =
      `${dir}: ${plural(compiled.files.length, 'file')}, ${plural(compiled.decisionAids.size, 'decision aid')}, ` +
      `${plural(compiled.triggers.length, 'trigger')} (${perMoment.join(', ')})`;
    const valueSets = live.valueSets.map(
      (set) => `value set ${set.name}: ${plural(set.codes, 'code')} from the terminology server`,
    );
    return { ok: true, lines: [summary, ...valueSets] };
  } catch (err) {
    if (!(err instanceof StartupError)) throw err;
    return { ok: false, lines: err.problems };
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

async function main(): Promise<void> {
  const dir = process.argv[2] ?? process.env.MAPPINGS_DIR ?? DEFAULT_DIR;
  try {
    const { ok, lines } = await checkMappings(dir, process.env);
    for (const line of lines) (ok ? process.stdout : process.stderr).write(`${line}\n`);
    process.exitCode = ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(`${dir}: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
