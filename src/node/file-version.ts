// Identifies one state of a file without reading it (inode, size, modification time): an atomic
// write replaces the inode, so a changed file always looks changed. For books re-read on change.

import { stat } from 'node:fs/promises';

export async function fileVersion(path: string): Promise<string> {
  const s = await stat(path).catch(() => undefined);
  return s === undefined ? 'absent' : `${s.ino}:${s.size}:${s.mtimeMs}`;
}
