import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTerminologyServer } from '../../test/helpers/terminology-server.js';
import { MappingError } from '../rules/load-mappings.js';
import { loadMappingsForDryRun } from './simulate-mappings.js';

const aid = (delivery: string) => `
decisionAids:
  - id: aid
    title: Aid
    activityDefinition: https://aids.example.org/fhir/ActivityDefinition/aid|1
    delivery: ${delivery}
triggers:
  - { id: t, keyMoment: evaluation, resourceType: Encounter, decisionAid: aid, recipients: [patient] }
`;

describe('loadMappingsForDryRun', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dry-run-mappings-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'a token that is not set',
      '{ type: http-api, url: "http://127.0.0.1:1/x", auth: { type: bearer, tokenEnv: AID_TOKEN }, body: { a: 1 }, linkField: url }',
      {},
      ['AID_TOKEN'],
    ],
    [
      'a link secret that is not set',
      '{ type: signed-link, baseUrl: "http://127.0.0.1:1/x", secretEnv: AID_LINK_SECRET }',
      {},
      ['AID_LINK_SECRET'],
    ],
    [
      'a link secret that is too short',
      '{ type: signed-link, baseUrl: "http://127.0.0.1:1/x", secretEnv: AID_LINK_SECRET }',
      { AID_LINK_SECRET: 'short' },
      ['AID_LINK_SECRET'],
    ],
    [
      'every secret set',
      '{ type: signed-link, baseUrl: "http://127.0.0.1:1/x", secretEnv: AID_LINK_SECRET }',
      { AID_LINK_SECRET: 's'.repeat(32) },
      [],
    ],
  ])('loads the files with %s, naming the placeholders', async (_name, delivery, env, placeholders) => {
    await writeFile(join(dir, 'aid.yaml'), aid(delivery));
    const loaded = await loadMappingsForDryRun(dir, env);
    expect(loaded.placeholders).toEqual(placeholders);
    expect(loaded.mappings.triggers.map((t) => t.id)).toEqual(['t']);
  });

  it('still refuses files with other problems, as the service would', async () => {
    await writeFile(
      join(dir, 'aid.yaml'),
      aid('{ type: signed-link, baseUrl: "not a url", secretEnv: AID_LINK_SECRET }'),
    );
    await expect(loadMappingsForDryRun(dir, {})).rejects.toBeInstanceOf(MappingError);
  });

  it('expands a value set named by canonical URL through TERMINOLOGY_SERVER_URL, as the service does', async () => {
    const url = 'https://terminology.example.org/fhir/ValueSet/astma';
    const server = await startTerminologyServer();
    server.setValueSet(url, [{ system: 'http://snomed.info/sct', code: '233678006' }]);
    const withValueSet = aid(
      '{ type: signed-link, baseUrl: "http://127.0.0.1:1/x", secretEnv: AID_LINK_SECRET }',
    ).replace('recipients: [patient] }', `recipients: [patient], codes: [{ valueSet: "${url}" }] }`);
    await writeFile(join(dir, 'aid.yaml'), withValueSet);
    try {
      await expect(loadMappingsForDryRun(dir, {})).rejects.toThrow(/set TERMINOLOGY_SERVER_URL/);
      const env = { TERMINOLOGY_SERVER_URL: server.baseUrl, TERMINOLOGY_CACHE_DIR: join(dir, 'cache') };
      const loaded = await loadMappingsForDryRun(dir, env);
      expect(loaded.mappings.triggers[0]!.codes).toEqual([
        expect.objectContaining({ code: '233678006', valueSet: url }),
      ]);
    } finally {
      await server.close();
    }
  });
});
