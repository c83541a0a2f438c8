// The LEDGER_UNAVAILABLE refusals of a PostgreSQL ledger node: the database named as
// host:port/database (never its user or password) and the reason in the server's or socket's words.

import { AirlockError } from '../core/errors.ts';
import { describeError, isConnectionError } from './connection.ts';

/**
 * For a failure of the database (not of a work): whether it could be reached, and for a write
 * what was kept (`outcomeUnknown`: the connection was lost during COMMIT).
 */
export function databaseRefusal(
  label: string,
  error: unknown,
  options: { readonly outcomeUnknown?: boolean; readonly reading?: boolean } = {},
): AirlockError {
  if (error instanceof AirlockError) return error;
  const reason = describeError(error);
  const recorded = options.reading
    ? ''
    : options.outcomeUnknown
      ? '; the last writes may or may not have been recorded'
      : '; nothing was recorded';
  const message = isConnectionError(error)
    ? `The ledger database at ${label} cannot be reached (${reason})${recorded}.` +
      (options.reading ? '' : ' This node tries again by itself and answers once it is back.')
    : `The ledger database at ${label} refused the ${options.reading ? 'query' : 'write'} (${reason})${recorded}.`;
  return new AirlockError('LEDGER_UNAVAILABLE', message, { database: label, reason });
}

export function closedRefusal(label: string): AirlockError {
  return new AirlockError('LEDGER_UNAVAILABLE', `This node's ledger on ${label} is closed.`, {
    database: label,
  });
}

export function reloadingRefusal(label: string): AirlockError {
  return new AirlockError(
    'LEDGER_UNAVAILABLE',
    `The ledger's state is being read again from the database at ${label} after a failed write; try again.`,
    { database: label },
  );
}

/** A fresh error for each caller refused for the same reason. */
export function copyRefusal(error: AirlockError): AirlockError {
  return new AirlockError(error.code, error.message, { ...error.details });
}
