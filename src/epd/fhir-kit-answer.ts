import type { Bundle, Resource } from '@medplum/fhirtypes';
import { Client, type FhirResource } from 'fhir-kit-client';
import { EpdError, epdHttpError, epdNetworkError } from './epd-error.js';

/** A 2xx answer: the resource, and the status and Location it came with. */
export interface Answer {
  status: number;
  location?: string;
  resource: Resource;
}

/**
 * What fhir-kit-client resolved with, as an `Answer`. The resource is a shallow copy: the library
 * hangs the fetch Request (its Authorization header included) and Response on the object it
 * returns, hidden, and they must not live on in a resource that is kept, queued or logged.
 */
export function answerOf(result: FhirResource): Answer {
  const { response } = Client.httpFor(result);
  const resource = { ...result } as unknown as Resource;
  const location = response?.headers.get('location');
  return { status: response?.status ?? 200, resource, ...(location ? { location } : {}) };
}

/**
 * What fhir-kit-client rejected with, as an `EpdError`: an HTTP answer outside 2xx (the library
 * attaches status, parsed body and headers), a 2xx whose body is not JSON, or no (whole) answer at
 * all (timeout, network, size cap). The library's own message is not used: it holds the full URL,
 * query included, which may name a patient.
 */
export function failureOf(request: string, error: unknown, maxResponseBytes: number): EpdError {
  const failed = error as { response?: { status?: unknown; data?: unknown }; config?: { headers?: unknown } };
  const status = failed.response?.status;
  if (typeof status !== 'number') return epdNetworkError(request, error, maxResponseBytes);
  if (status >= 200 && status < 300)
    return new EpdError(`EPD ${request} answered HTTP ${status} with a body that is not JSON`, {
      status: 502,
      retry: false,
      code: 'processing',
    });
  const headers = failed.config?.headers;
  return epdHttpError(request, status, failed.response?.data, headers instanceof Headers ? headers : undefined);
}

/** The answer as a resource of some type; an answer without one (an empty body) is the EPD's fault and worth another try. */
export function asResource<T extends Resource>(request: string, answer: Answer): T {
  if (typeof answer.resource.resourceType !== 'string') {
    throw new EpdError(`EPD ${request} answered without a resource`, { status: 502, retry: true, code: 'processing' });
  }
  return answer.resource as T;
}

/** The answer as a Bundle, or a retryable EpdError: a proxy's page or a stray resource is no empty result. */
export function asBundle(request: string, answer: Answer): Bundle {
  const resource = asResource<Resource>(request, answer);
  if (resource.resourceType !== 'Bundle') {
    throw new EpdError(`EPD ${request} answered a ${resource.resourceType}, not a Bundle`, {
      status: 502,
      retry: true,
      code: 'processing',
    });
  }
  return resource;
}
