import { ESLint } from 'eslint';

// The architecture is enforced by eslint.config.js; these cases show each import rule refusing a
// deliberate violation, so a rule that silently stopped matching (a moved folder, a renamed
// option) fails here rather than letting the shape drift.
const eslint = new ESLint({ cwd: process.cwd() });

async function ruleIdsFor(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('import rules', () => {
  it.each([
    [
      'the pure core importing Redis',
      'src/rules/probe.ts',
      "import { Redis } from 'ioredis';\nexport const r = Redis;\n",
      'no-restricted-imports',
    ],
    [
      'the pure core importing the EPD client',
      'src/intake/probe.ts',
      "import { createEpdClient } from '../epd/fhir-epd-client.js';\nexport const c = createEpdClient;\n",
      'no-restricted-imports',
    ],
    [
      'the pure core importing the terminology client',
      'src/rules/probe.ts',
      "import { createTerminologyClient } from '../terminology/terminology-client.js';\nexport const c = createTerminologyClient;\n",
      'no-restricted-imports',
    ],
    [
      'the pure core calling fetch',
      'src/rules/probe.ts',
      "export const f = () => fetch('http://127.0.0.1/');\n",
      'no-restricted-globals',
    ],
    [
      'a capability importing express',
      'src/pro/probe.ts',
      "import express from 'express';\nexport const e = express;\n",
      'no-restricted-imports',
    ],
    [
      'production code importing the sandbox',
      'src/epd/probe.ts',
      "import { startFhirSandbox } from '../sandbox/fhir-server.js';\nexport const s = startFhirSandbox;\n",
      'import-x/no-restricted-paths',
    ],
    [
      'production code importing a fake',
      'src/events/probe.ts',
      "import { createFakeEpdClient } from '../epd/fake-epd-client.js';\nexport const f = createFakeEpdClient;\n",
      'import-x/no-restricted-paths',
    ],
    [
      'the invitation job importing the Koppeltaal route',
      'src/decision-aids/probe.ts',
      "import { writeKt2Task } from '../koppeltaal/write-kt2-task.js';\nexport const w = writeKt2Task;\n",
      'import-x/no-restricted-paths',
    ],
    [
      'production code importing the bench',
      'src/kpi/probe.ts',
      "import { percentile } from '../../bench/percentile.js';\nexport const p = percentile;\n",
      'import-x/no-restricted-paths',
    ],
  ])('refuses %s', async (_name, filePath, code, ruleId) => {
    expect(await ruleIdsFor(filePath, code)).toContain(ruleId);
  });

  it('lets tests use fakes and the sandbox', async () => {
    const code =
      "import { createFakeEpdClient } from '../epd/fake-epd-client.js';\nexport const f = createFakeEpdClient;\n";
    expect(await ruleIdsFor('src/events/probe.test.ts', code)).toEqual([]);
  });

  it('lets the Koppeltaal route build on the invitation job', async () => {
    const code =
      "import { createInvitationJob } from '../decision-aids/invitation-job.js';\nexport const c = createInvitationJob;\n";
    expect(await ruleIdsFor('src/koppeltaal/probe.ts', code)).toEqual([]);
  });

  it('lets the file that loads mapping files read the disk', async () => {
    const code = "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n";
    expect(await ruleIdsFor('src/rules/load-probe.ts', code)).toEqual([]);
  });
});
