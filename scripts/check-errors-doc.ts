// Fails when docs/ERRORS.md and the ERROR_CODES table in src/core/errors.ts disagree: every code
// documented once, with the same HTTP status and exit code, and no documented code that is gone.

import { readFileSync } from 'node:fs';
import { ERROR_CODES, type ErrorCode } from '../src/core/errors.ts';

const doc = readFileSync(new URL('../docs/ERRORS.md', import.meta.url), 'utf8');
const rows = new Map<string, { http: number; exit: number }>();
const problems: string[] = [];
for (const match of doc.matchAll(/^\|\s*`([A-Z_]+)`\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|/gm)) {
  const [, code, http, exit] = match;
  if (rows.has(code!)) problems.push(`${code} is documented twice`);
  rows.set(code!, { http: Number(http), exit: Number(exit) });
}
for (const [code, expected] of Object.entries(ERROR_CODES) as [
  ErrorCode,
  { http: number; exit: number },
][]) {
  const row = rows.get(code);
  if (!row) problems.push(`${code} is not documented in docs/ERRORS.md`);
  else if (row.http !== expected.http || row.exit !== expected.exit) {
    problems.push(
      `${code}: docs say HTTP ${row.http} / exit ${row.exit}, code says ${expected.http} / ${expected.exit}`,
    );
  }
}
for (const code of rows.keys())
  if (!(code in ERROR_CODES)) problems.push(`${code} is documented but not defined`);
if (problems.length > 0) {
  console.error(`docs/ERRORS.md is out of date:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`docs/ERRORS.md lists all ${rows.size} error codes.`);
