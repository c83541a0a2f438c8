// Every command given a data directory (--data) refuses one of another data format before it reads
// anything else: DATA_FORMAT_NEWER, or DATA_FORMAT_OLDER until `airlock upgrade` migrated it. The
// commands that deal with formats themselves (upgrade, backup, restore, doctor) are let through.

import { assertDataFormat } from '../appliance/data-format.ts';
import type { ParsedArgs } from './args.ts';

const HANDLE_FORMATS_THEMSELVES: ReadonlySet<string> = new Set([
  'upgrade',
  'backup',
  'restore',
  'doctor',
]);

export async function guardDataFormat(group: string, args: ParsedArgs): Promise<void> {
  if (HANDLE_FORMATS_THEMSELVES.has(group)) return;
  const dir = args.string('data');
  if (dir !== undefined) await assertDataFormat(dir);
}
