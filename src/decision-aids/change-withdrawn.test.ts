import type { Bundle, MedicationRequest } from '@medplum/fhirtypes';
import type { EpdClient } from '../epd/epd-client.js';
import { EpdError, epdHttpError } from '../epd/epd-error.js';
import { createFakeEpdClient } from '../epd/fake-epd-client.js';
import { endsWithDelete } from '../epd/history-deleted.js';
import { readWithdrawal } from './change-withdrawn.js';

const CHANGE: MedicationRequest = {
  resourceType: 'MedicationRequest',
  status: 'active',
  intent: 'order',
  subject: { reference: 'Patient/p1' },
};

/** An EPD whose read of the change answers `status`, and whose history says `deleted` (absent: no history call). */
function epdAnswering(status: number, historyEndsDeleted?: boolean): EpdClient & { historyAsked: number } {
  const epd = {
    historyAsked: 0,
    read: async () => {
      throw epdHttpError('GET MedicationRequest/m1', status, undefined);
    },
    ...(historyEndsDeleted === undefined
      ? {}
      : {
          historyEndsDeleted: async () => {
            epd.historyAsked++;
            return historyEndsDeleted;
          },
        }),
  };
  return epd as unknown as EpdClient & { historyAsked: number };
}

async function failure(promise: Promise<unknown>): Promise<EpdError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(EpdError);
  return error as EpdError;
}

describe('readWithdrawal: only the EPD saying so makes a change deleted', () => {
  it('takes a deleted change on the fake EPD (410, as Medplum and HAPI answer) for deleted', async () => {
    const epd = createFakeEpdClient();
    const stored = await epd.repo.createResource(CHANGE);
    await epd.repo.deleteResource('MedicationRequest', stored.id);
    await expect(readWithdrawal(epd, `MedicationRequest/${stored.id}/_history/1`)).resolves.toBe('deleted');
  });

  it('takes 410 for deleted without asking the history', async () => {
    const epd = epdAnswering(410, false);
    await expect(readWithdrawal(epd, 'MedicationRequest/m1/_history/1')).resolves.toBe('deleted');
    expect(epd.historyAsked).toBe(0);
  });

  it('takes 404 for deleted when the history ends with a delete', async () => {
    await expect(readWithdrawal(epdAnswering(404, true), 'MedicationRequest/m1/_history/1')).resolves.toBe('deleted');
  });

  it.each([
    ['the history shows no delete (read-after-write lag, a replica behind)', epdAnswering(404, false)],
    ['the EPD client cannot read histories', epdAnswering(404)],
  ])('retries a 404 when %s, instead of dropping the invitation', async (_case, epd) => {
    const error = await failure(readWithdrawal(epd, 'MedicationRequest/m1/_history/1'));
    expect(error).toMatchObject({ status: 404, retry: true });
    expect(error.message).not.toContain('m1'); // names no resource
  });

  it('leaves a standing change alone, and passes other failures on as they are', async () => {
    const epd = createFakeEpdClient();
    const stored = await epd.repo.createResource(CHANGE);
    await expect(readWithdrawal(epd, `MedicationRequest/${stored.id}`)).resolves.toBeUndefined();
    expect(await failure(readWithdrawal(epdAnswering(503, true), 'MedicationRequest/m1'))).toMatchObject({
      status: 503,
      retry: true,
    });
  });
});

describe('endsWithDelete', () => {
  const version = (lastUpdated: string) => ({
    resource: { ...CHANGE, id: 'm1', meta: { lastUpdated } },
    request: { method: 'PUT' as const, url: 'MedicationRequest/m1' },
  });
  const deletion = (lastModified?: string, withMethod = true) => ({
    ...(withMethod ? { request: { method: 'DELETE' as const, url: 'MedicationRequest/m1' } } : {}),
    response: { status: '410 Gone', ...(lastModified ? { lastModified } : {}) },
  });
  const history = (...entry: Bundle['entry'] & object): Bundle => ({ resourceType: 'Bundle', type: 'history', entry });

  it.each<[string, Bundle, boolean]>([
    ['a delete first (newest first, as FHIR sorts)', history(deletion(), version('2026-12-01T10:00:00Z')), true],
    [
      'a delete without request, answered 410',
      history(deletion(undefined, false), version('2026-12-01T10:00:00Z')),
      true,
    ],
    ['a version first', history(version('2026-12-01T10:00:00Z'), deletion()), false],
    [
      'oldest first, with times: the latest entry counts',
      history(version('2026-12-01T10:00:00Z'), deletion('2026-12-01T11:00:00Z')),
      true,
    ],
    [
      'undeleted after the delete, with times',
      history(deletion('2026-12-01T10:00:00Z'), version('2026-12-01T11:00:00Z')),
      false,
    ],
    ['no entries', history(), false],
  ])('%s → %s', (_case, bundle, expected) => {
    expect(endsWithDelete(bundle)).toBe(expected);
  });
});
