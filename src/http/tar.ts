// A plain POSIX ustar archive of a few small files, for downloading a USB export as one file
// (`tar xf` on any system unpacks it onto the stick). Names are short and ASCII; no directories.

import { BLOCK, encodeHeader, paddedSize } from '../ops/ustar.ts';

/** The archive of these files, in order. */
export function tarArchive(
  files: readonly { readonly name: string; readonly bytes: Uint8Array }[],
  mtime: number,
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const { name, bytes } of files) {
    parts.push(encodeHeader({ name, size: bytes.length, mode: 0o644, mtime }), bytes);
    parts.push(new Uint8Array(paddedSize(bytes.length) - bytes.length));
  }
  parts.push(new Uint8Array(BLOCK * 2)); // two zero blocks end the archive
  return new Uint8Array(Buffer.concat(parts));
}
