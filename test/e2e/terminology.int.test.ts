import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedStack } from '../../src/sandbox/start-stack.js';
import { medicationAgreement } from '../../src/sandbox/trigger-resources.js';
import { freshChild, notify, refOf, settle, startTestStack, storeInEpd, tasksFor } from '../helpers/embedded.js';
import { startTerminologyServer, type TestTerminologyServer } from '../helpers/terminology-server.js';

/**
 * A value set named by canonical URL, expanded by a terminology server: the shipped mappings with
 * one more value set on the medication trigger, a hospital list that only the server holds. The
 * codes are PRK codes no local file has; the agreement's ATC (C09AA03, lisinopril) is no asthma
 * medicine, so only the server's expansion can make it a key moment.
 */
const HOSPITAL_LIST = 'https://terminology.example.org/fhir/ValueSet/astma-medicatie-ziekenhuis';
const PRK = 'urn:oid:2.16.840.1.113883.2.4.4.10';
const SHIPPED = new URL('../../mappings/', import.meta.url);

async function mappingsWithHospitalList(dir: string): Promise<void> {
  await cp(SHIPPED, dir, { recursive: true });
  const file = join(dir, 'paediatric-asthma.yaml');
  const text = await readFile(file, 'utf8');
  const line = '      - valueSet: valuesets/astma-medicatie-gstandaard.json\n';
  expect(text).toContain(line);
  await writeFile(file, text.replace(line, `${line}      - valueSet: ${HOSPITAL_LIST}\n`));
}

describe('value sets from a terminology server, end to end', () => {
  let dir: string;
  let server: TestTerminologyServer;
  let stack: EmbeddedStack;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'terminology-e2e-'));
    await mappingsWithHospitalList(join(dir, 'mappings'));
    server = await startTerminologyServer({ maxPage: 1 }); // every code its own page: paging is part of the way
    server.setValueSet(HOSPITAL_LIST, [
      { system: PRK, code: '900001' },
      { system: PRK, code: '900002' },
    ]);
    stack = await startTestStack({
      env: {
        MAPPINGS_DIR: join(dir, 'mappings'),
        TERMINOLOGY_SERVER_URL: server.baseUrl,
        TERMINOLOGY_CACHE_DIR: join(dir, 'cache'),
      },
    });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A medication agreement for a new 14-year-old with this PRK; who got a Task. */
  async function invitedFor(prk: string): Promise<{ owners: string[]; child: string }> {
    const child = await freshChild(stack, 14);
    const resource = await storeInEpd(stack, medicationAgreement(child.patient, { atc: 'C09AA03', prk }));
    expect((await notify(stack, resource)).status).toBe(202);
    await settle(stack);
    const owners = (await tasksFor(stack, refOf(resource))).map((task) => task.owner!.reference!);
    return { owners, child: child.patient };
  }

  async function refreshFailures(): Promise<number> {
    const metric = await stack.service.metrics.terminologyRefreshFailures.get();
    return metric.values.find((v) => v.labels.value_set === HOSPITAL_LIST)?.value ?? 0;
  }

  it('invites for a code only the server expansion holds', async () => {
    const { owners, child } = await invitedFor('900002');
    expect(owners).toContain(child);
    expect(server.requests.map((r) => r.query.offset)).toEqual(['0', '1']);
  });

  it('a failed refresh keeps the old codes; a good one swaps the new ones in without a restart', async () => {
    server.setValueSet(HOSPITAL_LIST, [{ system: PRK, code: '900003' }]);
    server.mode = 'down';
    await stack.service.refreshValueSets();
    expect(await refreshFailures()).toBe(1);
    expect((await invitedFor('900003')).owners).toEqual([]); // not yet: the server never gave it
    const kept = await invitedFor('900001');
    expect(kept.owners).toContain(kept.child); // the last good expansion is still in use

    server.mode = 'ok';
    await stack.service.refreshValueSets();
    const swapped = await invitedFor('900003');
    expect(swapped.owners).toContain(swapped.child);
    expect((await invitedFor('900001')).owners).toEqual([]); // dropped from the value set: no longer a key moment
    expect(await refreshFailures()).toBe(1);
  });
});
