import { expect } from '@jest/globals';
import { EpdError } from '../../src/epd/epd-error.js';

/** The EpdError a call rejects with; fails the test when it resolves or rejects with anything else. */
export async function epdFailure(promise: Promise<unknown>): Promise<EpdError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(EpdError);
  return error as EpdError;
}
