import type { CliCommand } from './cli-command.js';
import { EXIT } from './cli-command.js';
import { checkMappings } from './mappings-check.js';

/** Used when neither an argument nor MAPPINGS_DIR names the directory, as in the service. */
const DEFAULT_DIR = 'mappings';

/** `sdm-bridge mappings check [dir]`: loads the mapping files exactly as the service does. */
export const mappingsCheckCommand: CliCommand = {
  words: ['mappings', 'check'],
  usage: '[dir]',
  summary: 'check the mapping files: every problem with file, line and field',
  help: [
    'Reads every *.yaml/*.yml in dir (default: MAPPINGS_DIR, else ./mappings) with the variables of this environment.',
    'Exit 0: usable (one summary line); 1: problems (one line each: file:line field: message).',
  ],
  options: {},
  async run({ positionals, json, io, env }) {
    const dir = positionals[0] ?? env.MAPPINGS_DIR ?? DEFAULT_DIR;
    const { ok, lines } = await checkMappings(dir, env);
    if (json) io.out(JSON.stringify({ ok, dir, ...(ok ? { summary: lines[0] } : { problems: lines }) }));
    else for (const line of lines) (ok ? io.out : io.err)(line);
    return ok ? EXIT.ok : EXIT.findings;
  },
};
