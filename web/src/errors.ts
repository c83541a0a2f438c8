// What the operator reads when something is refused: the sentence the API or the code's own check
// gave, never a status number or a stack trace.

import { AirlockError } from '../../src/core/errors.ts';
import { ApiError } from './api.ts';

export function describeError(error: unknown): string {
  if (error instanceof ApiError || error instanceof AirlockError) return error.message;
  console.error(error);
  return 'Something went wrong in the console. Reload the page and try again; if it happens again, the appliance log may say more.';
}
