import type { Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { batchOfReads, readBatchResponse, readOneByOne, resourcesOrThrow } from './batch-answer.js';
import { EpdError } from './epd-error.js';

const PATIENT: Patient = { resourceType: 'Patient', id: 'p1' };
const URLS = ['Patient/p1', 'Consent?patient=Patient%2Fp1&status=active'];

describe('batchOfReads / readBatchResponse', () => {
  it('asks one GET per URL, in order', () => {
    expect(batchOfReads(URLS)).toEqual({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: URLS[0] } }, { request: { method: 'GET', url: URLS[1] } }],
    });
  });

  it('answers each entry with its resource, or with the error that request would have thrown alone', () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'throttled', details: { text: 'too many requests' } }],
    };
    const response: Bundle = {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [
        { resource: PATIENT, response: { status: '200 OK' } },
        { response: { status: '429', outcome: outcome as OperationOutcome } },
      ],
    };
    const [patient, consents] = readBatchResponse(URLS, response);
    expect(patient).toEqual({ resource: PATIENT });
    expect(consents).toMatchObject({ error: { status: 429, retry: true } });
    const error = (consents as { error: EpdError }).error;
    // The path, never the query; the issue code, never its text (a server's text may quote patient data).
    expect(error.message).toBe('EPD GET Consent failed with HTTP 429: throttled');
  });

  it('takes a 2xx without a resource for the server fault it is', () => {
    const [answer] = readBatchResponse(['Patient/p1'], {
      resourceType: 'Bundle',
      type: 'batch-response',
      entry: [{ response: { status: '200' } }],
    });
    expect(answer).toMatchObject({ error: { status: 502, retry: true } });
  });

  it('refuses an answer that is no batch-response, or has another number of entries (retryable)', () => {
    for (const response of [
      { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: PATIENT }, { resource: PATIENT }] },
      { resourceType: 'Bundle', type: 'batch-response', entry: [{ resource: PATIENT, response: { status: '200' } }] },
    ] as Bundle[]) {
      const answers = readBatchResponse(URLS, response);
      expect(answers).toHaveLength(2);
      for (const answer of answers) expect(answer).toMatchObject({ error: { status: 502, retry: true } });
    }
  });

  it('resourcesOrThrow gives the resources, or throws the first failure', () => {
    expect(resourcesOrThrow([{ resource: PATIENT }])).toEqual([PATIENT]);
    const error = new EpdError('EPD GET Patient failed with HTTP 404', { status: 404, retry: false });
    expect(() => resourcesOrThrow([{ resource: PATIENT }, { error }])).toThrow(error);
  });
});

describe('readOneByOne', () => {
  it('reads and searches one by one; a search answers as a searchset of its matches', async () => {
    const asked: string[] = [];
    const epd = {
      read: async <T>(reference: string) => (asked.push(`read ${reference}`), PATIENT as T),
      search: async <T>(type: string, params: Record<string, string | string[]>) => (
        asked.push(`search ${type} ${JSON.stringify(params)}`),
        [] as T[]
      ),
    };
    const answers = await readOneByOne(epd, URLS);
    expect(asked).toEqual(['read Patient/p1', 'search Consent {"patient":"Patient/p1","status":"active"}']);
    expect(answers).toEqual([
      { resource: PATIENT },
      { resource: { resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] } },
    ]);
  });

  it('keeps an EpdError as the answer of that entry', async () => {
    const error = new EpdError('EPD GET Patient failed with HTTP 404', { status: 404, retry: false });
    const epd = { read: async () => Promise.reject(error), search: async () => [] };
    expect(await readOneByOne(epd, ['Patient/p1'])).toEqual([{ error }]);
  });
});
