import type { CliCommand } from './cli-command.js';
import { EXIT } from './cli-command.js';
import { checkMappings } from './mappings-check.js';

/** Used when neither an argument nor MAPPINGS_DIR names the directory, as in the service. */
const DEFAULT_DIR = 'mappings';

/** `sdm-bridge mappings check [dir]`: the service's own start-up check, without starting. */
export const mappingsCheckCommand: CliCommand = {
  words: ['mappings', 'check'],
  usage: '[dir]',
  summary: "the service's start-up check: settings and mapping files, every problem with file and line",
  help: [
    'Runs the check the service runs at start, with this environment and dir as MAPPINGS_DIR (default: MAPPINGS_DIR,',
    'else ./mappings): every setting, every *.yaml/*.yml (schema, secrets, resource types, FHIRPath element names),',
    'the Questionnaires in dir/questionnaires and the results mappings against them.',
    'Value sets named by canonical URL are expanded by TERMINOLOGY_SERVER_URL (one line each with its number of codes).',
    'Exit 0: usable (one summary line); 1: problems (one line each: file:line field: message).',
  ],
  options: {},
  async run({ positionals, json, io, env }) {
    const dir = positionals[0] ?? env.MAPPINGS_DIR ?? DEFAULT_DIR;
    const { ok, lines } = await checkMappings(dir, env);
    const answer = ok ? { summary: lines[0], valueSets: lines.slice(1) } : { problems: lines };
    if (json) io.out(JSON.stringify({ ok, dir, ...answer }));
    else for (const line of lines) (ok ? io.out : io.err)(line);
    return ok ? EXIT.ok : EXIT.findings;
  },
};
