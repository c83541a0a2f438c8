// One writer at a time in a vendor directory: revoking, publishing and recording usage reports
// read a file, change it and write it back, so two at once could hand out one bundle sequence
// twice or lose a revocation. The same lock file as the ledger's, naming its holder.

import { acquireLock } from '../ledger/lock.ts';

export async function withVendorLock<T>(
  vendorDir: string,
  purpose: string,
  run: () => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(vendorDir, { purpose, what: 'The vendor directory' });
  try {
    return await run();
  } finally {
    await lock.release();
  }
}
