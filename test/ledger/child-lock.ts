// Test helper run as a separate process: takes the ledger lock of a directory, prints what
// happened as one JSON line, and holds the lock until its stdin closes.

import { isAirlockError } from '../../src/core/errors.ts';
import { acquireLock } from '../../src/ledger/lock.ts';

const dir = process.argv[2]!;
try {
  const lock = await acquireLock(dir, { purpose: 'lock test child' });
  console.log(JSON.stringify({ locked: true, pid: process.pid }));
  process.stdin.resume();
  process.stdin.on('end', () => void lock.release().then(() => process.exit(0)));
} catch (error) {
  if (!isAirlockError(error)) throw error;
  console.log(JSON.stringify({ code: error.code, message: error.message, details: error.details }));
  process.exit(1);
}
