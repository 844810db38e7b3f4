import { EnvkitError } from '../../packages/envkit/src/errors.js';

/** The EnvkitError `fn` throws; any other outcome fails the test. */
export function thrown(fn: () => unknown): EnvkitError {
  try {
    fn();
  } catch (error) {
    if (error instanceof EnvkitError) return error;
    throw error;
  }
  throw new Error('expected an EnvkitError');
}

/** The EnvkitError `promise` rejects with; any other outcome fails the test. */
export async function rejected(promise: Promise<unknown>): Promise<EnvkitError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EnvkitError) return error;
    throw error;
  }
  throw new Error('expected an EnvkitError');
}
