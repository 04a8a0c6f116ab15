import type { Task } from '@medplum/fhirtypes';
import { EpdError } from './epd-error.js';
import { createFakeEpdClient } from './fake-epd-client.js';

const TASK: Task = {
  resourceType: 'Task',
  status: 'requested',
  intent: 'proposal',
  identifier: [{ system: 'urn:test', value: 'a' }],
};

describe('createFakeEpdClient', () => {
  it('fails the next n calls with the injected error, then works again', async () => {
    const epd = createFakeEpdClient();
    const refused = new EpdError('EPD says no', { status: 403, retry: false });
    epd.failNext(2, refused);
    await expect(epd.search('Task', {})).rejects.toBe(refused);
    await expect(epd.createIfNoneExist(TASK, 'identifier=urn:test|a')).rejects.toBe(refused);
    await expect(epd.createIfNoneExist(TASK, 'identifier=urn:test|a')).resolves.toMatchObject({ created: true });
  });

  it('fails with a retryable 503 by default', async () => {
    const epd = createFakeEpdClient();
    epd.failNext(1);
    await expect(epd.read('Task/x')).rejects.toMatchObject({ status: 503, retry: true });
  });

  it('records the calls it received, failed ones included', async () => {
    const epd = createFakeEpdClient();
    epd.failNext(1);
    await epd.read('Task/x').catch(() => undefined);
    const { resource } = await epd.createIfNoneExist(TASK, 'identifier=urn:test|a');
    await epd.update({ ...resource, id: resource.id ?? '', status: 'cancelled' });
    await epd.search('Task', { identifier: 'urn:test|a' });
    expect(epd.calls).toEqual([
      { method: 'read', target: 'Task/x' },
      { method: 'createIfNoneExist', target: 'Task' },
      { method: 'update', target: `Task/${resource.id}` },
      { method: 'search', target: 'Task' },
    ]);
  });

  it('does not let callers change what it stored', async () => {
    const epd = createFakeEpdClient();
    const { resource } = await epd.createIfNoneExist(TASK, 'identifier=urn:test|a');
    resource.status = 'completed';
    await expect(epd.read<Task>(`Task/${resource.id}`)).resolves.toMatchObject({ status: 'requested' });
  });

  it('refuses a malformed reference like the real client', async () => {
    await expect(createFakeEpdClient().read('Task')).rejects.toMatchObject({ status: 400, retry: false });
  });

  it('returns all matches even when a page size is asked for', async () => {
    const epd = createFakeEpdClient();
    for (const value of ['1', '2', '3'])
      await epd.createIfNoneExist(
        { ...TASK, identifier: [{ system: 'urn:test', value }] },
        `identifier=urn:test|${value}`,
      );
    await expect(epd.search('Task', { _count: '1' })).resolves.toHaveLength(3);
  });
});
