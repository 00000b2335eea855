import { expect } from 'vitest';
import { LarkError } from '../../src/lark/errors.js';

/** Awaits a promise that must reject with a LarkError, and returns that error. */
export async function caught(p: Promise<unknown>): Promise<LarkError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LarkError);
    return e as LarkError;
  }
  throw new Error('expected a rejection');
}
