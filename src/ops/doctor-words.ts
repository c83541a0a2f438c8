// The words of airlock doctor's findings: a finding of each status, dates and days, and a
// fact that could not be read as its problem.

import type { CheckName, Finding } from './doctor-facts.ts';

export { dateOf as date } from '../core/dates.ts';
export const days = (seconds: number) => {
  const n = Math.max(0, Math.round(seconds / 86400));
  return `${n} day${n === 1 ? '' : 's'}`;
};

export const ok = (check: CheckName, message: string): Finding => ({
  check,
  status: 'ok',
  message,
});
export const warn = (check: CheckName, message: string, fix: string): Finding => ({
  check,
  status: 'warn',
  message,
  fix,
});
export const fail = (check: CheckName, message: string, fix: string): Finding => ({
  check,
  status: 'fail',
  message,
  fix,
});

/** A fact that could not be read: the error's message. */
export const problemOf = (error: unknown) =>
  error instanceof Error ? error.message : String(error);
