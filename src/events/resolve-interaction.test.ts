import type { MedicationRequest, Resource } from '@medplum/fhirtypes';
import { createFakeEpdClient, type FakeEpdClient } from '../epd/fake-epd-client.js';
import type { EpdEvent } from '../intake/epd-event.js';
import { oldestVersion, resolveInteraction } from './resolve-interaction.js';

const at = (versionId: string, lastUpdated?: string): Resource =>
  ({ resourceType: 'Basic', meta: { versionId, ...(lastUpdated ? { lastUpdated } : {}) } }) as Resource;

describe('oldestVersion', () => {
  it.each<[string, Resource[], string | undefined]>([
    ['no versions', [], undefined],
    ['the earliest stamp, in any order', [at('b', '2025-01-02T00:00:00Z'), at('a', '2025-01-01T00:00:00Z')], 'a'],
    ['the earliest stamp listed first', [at('a', '2025-01-01T00:00:00Z'), at('b', '2025-01-02T00:00:00Z')], 'a'],
    [
      'on a tie the later entry (newest first)',
      [at('b', '2025-01-01T00:00:00Z'), at('a', '2025-01-01T00:00:00Z')],
      'a',
    ],
    ['a version without a stamp does not win', [at('a', '2025-01-01T00:00:00Z'), at('x')], 'a'],
  ])('%s', (_name, versions, expected) => {
    expect(oldestVersion(versions)).toBe(expected);
  });
});

describe('resolveInteraction', () => {
  let epd: FakeEpdClient;
  let created: MedicationRequest & { id: string };
  let updated: MedicationRequest & { id: string };
  beforeEach(async () => {
    epd = createFakeEpdClient();
    created = (await epd.repo.createResource<MedicationRequest>({
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
    })) as MedicationRequest & { id: string };
    // Apart in time, as versions on a real server are: a history in the sandbox has no stable order.
    await new Promise((resolve) => setTimeout(resolve, 5));
    updated = (await epd.repo.updateResource<MedicationRequest>({
      ...created,
      status: 'on-hold',
    })) as MedicationRequest & {
      id: string;
    };
  });
  const event = (interaction: EpdEvent['interaction']): EpdEvent => ({
    eventKey: 'k',
    source: 'hix',
    shape: 'poll',
    resourceType: 'MedicationRequest',
    reference: `MedicationRequest/${created.id}`,
    interaction,
    occurredAt: '2025-01-01T00:00:00Z',
  });

  it('tells a create from an update by the history when the notification did not say (UUID versions)', async () => {
    expect(created.meta?.versionId).not.toBe('1'); // the sandbox, like real servers, uses UUIDs
    expect(await resolveInteraction(event('unknown'), created, epd, true)).toBe('create');
    expect(await resolveInteraction(event('unknown'), updated, epd, true)).toBe('update');
    expect(epd.calls.filter((c) => c.method === 'history')).toHaveLength(2);
  });

  it('takes the notification at its word and asks nothing', async () => {
    expect(await resolveInteraction(event('create'), updated, epd, true)).toBe('create');
    expect(await resolveInteraction(event('update'), created, epd, true)).toBe('update');
    expect(epd.calls).toEqual([]);
  });

  it('asks nothing when no trigger tells create from update, or the EPD has no history', async () => {
    expect(await resolveInteraction(event('unknown'), created, epd, false)).toBe('update');
    const withoutHistory = { ...epd, history: undefined, read: epd.read.bind(epd) };
    expect(await resolveInteraction(event('unknown'), created, withoutHistory as never, true)).toBe('update');
    expect(epd.calls).toEqual([]);
  });
});
