import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkMappings } from '../../src/cli/mappings-check.js';
import { loadMappings } from '../../src/rules/load-mappings.js';

/**
 * Finding (low): `${VAR}` in mapping files expanded any environment variable — `${EPD_TOKEN}`,
 * `${PSEUDONYM_SECRET}` and `${ADMIN_TOKEN}` went out in invitation bodies, and a secret in a
 * condition reached the logs through a skip reason. Now only listed or SDM_MAPPING_… variables
 * expand, never the service's own settings or credentials, and the check fails otherwise.
 */
const SECRETS = {
  EPD_TOKEN: 'epd-token-value-0123456789',
  PSEUDONYM_SECRET: 'pseudonym-secret-value-0123456789',
  ADMIN_TOKEN: 'admin-token-value-0123456789',
  LINK_SECRET: 'k'.repeat(32),
  PLATFORM_URL: 'http://127.0.0.1:4010/start',
  SDM_MAPPING_DEPARTMENT: 'Organization/kinderlong',
};

function mappingFile(options: { allowEnv?: string; baseUrl?: string; condition?: string }): string {
  return [
    ...(options.allowEnv ? [`allowEnv: ${options.allowEnv}`] : []),
    'decisionAids:',
    '  - id: astma-kind',
    '    title: Keuzehulp astma',
    '    activityDefinition: https://keuzehulp.example.org/fhir/ActivityDefinition/astma-kind|2.1',
    `    delivery: { type: signed-link, baseUrl: "${options.baseUrl ?? 'http://127.0.0.1:4010/start'}", secretEnv: LINK_SECRET }`,
    'triggers:',
    '  - id: medicatie',
    '    keyMoment: medication-change',
    '    resourceType: MedicationRequest',
    '    decisionAid: astma-kind',
    '    recipients: [patient]',
    ...(options.condition ? [`    condition: "${options.condition}"`] : []),
  ].join('\n');
}

describe('${VAR} in mapping files expands only what the file may use', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mapping-env-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function check(text: string) {
    await writeFile(join(dir, 'mapping.yaml'), text);
    return checkMappings(dir, SECRETS);
  }

  it.each([
    ['EPD_TOKEN in a URL, even when listed', { allowEnv: '[EPD_TOKEN]', baseUrl: 'http://127.0.0.1/${EPD_TOKEN}' }, 6],
    ['PSEUDONYM_SECRET in a condition', { condition: "note.text = '${PSEUDONYM_SECRET}'" }, 12],
    ['ADMIN_TOKEN with a default', { condition: "note.text = '${ADMIN_TOKEN:-x}'" }, 12],
  ])('refuses %s: the check fails at file:line and never shows the value', async (_name, options, line) => {
    const { ok, lines } = await check(mappingFile(options));
    expect(ok).toBe(false);
    expect(lines.join('\n')).toMatch(new RegExp(`mapping\\.yaml:${line} .*setting or credential of the service`));
    expect(lines.join('\n')).not.toMatch(/token-value|secret-value/);
  });

  it('refuses a variable the file does not list', async () => {
    const { ok, lines } = await check(mappingFile({ baseUrl: '${PLATFORM_URL}' }));
    expect(ok).toBe(false);
    expect(lines.join('\n')).toMatch(/PLATFORM_URL is not allowed here: list it under allowEnv/);
  });

  it('expands a listed variable and an SDM_MAPPING_ one', async () => {
    await writeFile(
      join(dir, 'mapping.yaml'),
      mappingFile({
        allowEnv: '[PLATFORM_URL]',
        baseUrl: '${PLATFORM_URL}',
        condition: "requester.reference = '${SDM_MAPPING_DEPARTMENT}'",
      }),
    );
    const compiled = await loadMappings(dir, SECRETS);
    const aid = compiled.decisionAids.get('astma-kind')!;
    expect(aid.delivery).toMatchObject({ baseUrl: 'http://127.0.0.1:4010/start' });
    expect(compiled.triggers[0]!.condition?.expression).toBe("requester.reference = 'Organization/kinderlong'");
  });

  it('refuses an allowEnv that is not a list of names', async () => {
    const { ok, lines } = await check(mappingFile({ allowEnv: 'EPD_TOKEN' }));
    expect(ok).toBe(false);
    expect(lines.join('\n')).toMatch(/mapping\.yaml:1 allowEnv: must be a list of environment variable names/);
  });
});
