import { DecoratorHandler, type Dispatcher } from 'undici';

/** The code of the error an answer over EPD_MAX_RESPONSE_BYTES fails with (read by epd-error.ts). */
export const TOO_LARGE = 'EPD_ANSWER_TOO_LARGE';

/** undici's code for a body over `maxResponseSize`, or over the decompress interceptor's `maxSize`. */
const UNDICI_TOO_LARGE = 'UND_ERR_RES_EXCEEDED_MAX_SIZE';

/**
 * An interceptor (the outermost) that hands an over-size failure on to fetch as a plain `Error`
 * with code `TOO_LARGE`, and every other failure as it is.
 *
 * Why: fetch keeps a failure as the `cause` of its `TypeError: terminated` only when it recognises
 * it as an error (an `instanceof Error` of its own realm, or named `Error`); otherwise the cause is
 * dropped. undici's error subclasses fail that test when fetch (Node's copy of undici) and the Agent
 * (the npm copy) live in different realms, as under a vm-based test runner; then an answer over the
 * cap would read as a dropped connection, retried instead of refused with the setting named.
 */
export const plainSizeErrors: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => {
  // DecoratorHandler speaks both of undici's handler interfaces: fetch may use the older one.
  const inner = new DecoratorHandler(handler) as Required<Pick<Dispatcher.DispatchHandler, NewApi>>;
  return dispatch(options, {
    onRequestStart: (controller, context) => inner.onRequestStart(controller, context),
    onRequestUpgrade: (controller, status, headers, socket) =>
      inner.onRequestUpgrade(controller, status, headers, socket),
    onResponseStart: (controller, status, headers, message) =>
      inner.onResponseStart(controller, status, headers, message),
    onResponseData: (controller, chunk) => inner.onResponseData(controller, chunk),
    onResponseEnd: (controller, trailers) => inner.onResponseEnd(controller, trailers),
    onResponseError: (controller, error) => inner.onResponseError(controller, plain(error)),
  });
};

type NewApi =
  'onRequestStart' | 'onRequestUpgrade' | 'onResponseStart' | 'onResponseData' | 'onResponseEnd' | 'onResponseError';

function plain(error: Error): Error {
  if ((error as { code?: unknown }).code !== UNDICI_TOO_LARGE) return error;
  return Object.assign(new Error(error.message), { code: TOO_LARGE });
}
