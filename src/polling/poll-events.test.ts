import { versionEventKey } from '../intake/epd-event.js';
import { pollEvents } from './poll-events.js';

const AT = '2024-05-01T10:00:05.000Z';
const request = (id: string, meta: Record<string, string> = {}) => ({ resourceType: 'MedicationRequest', id, meta });

describe('pollEvents', () => {
  it('gives the same event key as a push of the same version, and the shape poll', () => {
    const { events, newestMs } = pollEvents(
      'hix',
      [request('a', { versionId: '3', lastUpdated: '2024-05-01T10:00:00.000Z' })],
      AT,
    );
    expect(events).toEqual([
      {
        eventKey: versionEventKey('hix', 'MedicationRequest/a', '3'),
        source: 'hix',
        shape: 'poll',
        resourceType: 'MedicationRequest',
        reference: 'MedicationRequest/a',
        versionId: '3',
        interaction: 'update',
        occurredAt: '2024-05-01T10:00:00.000Z',
      },
    ]);
    expect(newestMs).toBe(Date.parse('2024-05-01T10:00:00.000Z'));
  });

  it.each([
    ['version 1 is a create', request('a', { versionId: '1' }), 'create'],
    ['a later version is an update', request('a', { versionId: '2' }), 'update'],
  ])('%s', (_title, resource, interaction) => {
    expect(pollEvents('hix', [resource], AT).events[0]?.interaction).toBe(interaction);
  });

  it('keys an unversioned resource by its content and falls back to the receive time', () => {
    const [event] = pollEvents('hix', [request('b')], AT).events;
    expect(event?.eventKey).toMatch(/^hix\|MedicationRequest\/b\|/);
    expect(event?.occurredAt).toBe(AT);
  });

  it('takes the newest stamp, counts results without an id, and drops a version listed twice', () => {
    const result = pollEvents(
      'hix',
      [
        request('a', { versionId: '1', lastUpdated: '2024-05-01T10:00:00.000Z' }),
        request('b', { versionId: '1', lastUpdated: '2024-05-01T10:00:02.000Z' }),
        request('a', { versionId: '1', lastUpdated: '2024-05-01T10:00:00.000Z' }),
        { resourceType: 'MedicationRequest' },
      ],
      AT,
    );
    expect(result.events.map((e) => e.reference)).toEqual(['MedicationRequest/a', 'MedicationRequest/b']);
    expect(result.newestMs).toBe(Date.parse('2024-05-01T10:00:02.000Z'));
    expect(result.unusable).toBe(1);
  });
});
