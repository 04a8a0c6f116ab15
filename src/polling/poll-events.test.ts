import { versionEventKey } from '../intake/epd-event.js';
import { pollEvents } from './poll-events.js';

const AT = '2024-05-01T10:00:05.000Z';
const EPD = 'https://epd.example.org/fhir';
const ctx = { source: 'hix', epdBase: EPD, receivedAt: AT };
const request = (id: string, meta: Record<string, string> = {}) => ({ resourceType: 'MedicationRequest', id, meta });

describe('pollEvents', () => {
  it('gives the same event key as a push of the same version, and the shape poll', () => {
    const { events, newestMs } = pollEvents(ctx, [
      request('a', { versionId: '3', lastUpdated: '2024-05-01T10:00:00.000Z' }),
    ]);
    expect(events).toEqual([
      {
        eventKey: versionEventKey(EPD, 'MedicationRequest/a', '3'),
        source: 'hix',
        shape: 'poll',
        resourceType: 'MedicationRequest',
        reference: 'MedicationRequest/a',
        versionId: '3',
        interaction: 'unknown',
        occurredAt: '2024-05-01T10:00:00.000Z',
      },
    ]);
    expect(newestMs).toBe(Date.parse('2024-05-01T10:00:00.000Z'));
  });

  it.each([
    // A search result says nothing of create or update, whatever its version: the events job asks the history.
    ['version 1', request('a', { versionId: '1' }), 'unknown'],
    ['a later version', request('a', { versionId: '2' }), 'unknown'],
  ])('%s', (_title, resource, interaction) => {
    expect(pollEvents(ctx, [resource]).events[0]?.interaction).toBe(interaction);
  });

  it('keys an unversioned resource by its content and falls back to the receive time', () => {
    const [event] = pollEvents(ctx, [request('b')]).events;
    expect(event?.eventKey).toMatch(/^https:\/\/epd\.example\.org\/fhir\|MedicationRequest\/b\|/);
    expect(event?.occurredAt).toBe(AT);
  });

  it('takes the newest stamp, counts results without an id, and drops a version listed twice', () => {
    const result = pollEvents(ctx, [
      request('a', { versionId: '1', lastUpdated: '2024-05-01T10:00:00.000Z' }),
      request('b', { versionId: '1', lastUpdated: '2024-05-01T10:00:02.000Z' }),
      request('a', { versionId: '1', lastUpdated: '2024-05-01T10:00:00.000Z' }),
      { resourceType: 'MedicationRequest' },
    ]);
    expect(result.events.map((e) => e.reference)).toEqual(['MedicationRequest/a', 'MedicationRequest/b']);
    expect(result.newestMs).toBe(Date.parse('2024-05-01T10:00:02.000Z'));
    expect(result.unusable).toBe(1);
  });
});

describe('event identity across sources', () => {
  it('is the same for two sources watching one EPD, and differs for another EPD', () => {
    const resource = request('a', { versionId: '3' });
    const [fromPoller] = pollEvents(ctx, [resource]).events;
    const [fromEngine] = pollEvents({ ...ctx, source: 'engine' }, [resource]).events;
    const [otherEpd] = pollEvents({ ...ctx, epdBase: 'https://other-epd.example.org/fhir' }, [resource]).events;
    expect(fromEngine?.eventKey).toBe(fromPoller?.eventKey);
    expect(fromEngine?.source).toBe('engine');
    expect(otherEpd?.eventKey).not.toBe(fromPoller?.eventKey);
  });
});
