import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
});
