// A plain POSIX ustar archive of a few small files, for downloading a USB export as one file
// (`tar xf` on any system unpacks it onto the stick). Names are short and ASCII; no directories.

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, mtime: number): Uint8Array {
  if (!/^[\x21-\x7e]{1,100}$/.test(name)) throw new TypeError('a tar member name is short ASCII');
  const h = new Uint8Array(BLOCK);
  const put = (text: string, at: number) => h.set(new TextEncoder().encode(text), at);
  put(name, 0);
  put(octal(0o644, 8), 100); // mode
  put(octal(0, 8), 108); // uid
  put(octal(0, 8), 116); // gid
  put(octal(size, 12), 124);
  put(octal(mtime, 12), 136);
  put('        ', 148); // checksum counted as spaces
  put('0', 156); // a regular file
  put('ustar\u000000', 257);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** The archive of these files, in order. */
export function tarArchive(
  files: readonly { readonly name: string; readonly bytes: Uint8Array }[],
  mtime: number,
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const file of files) {
    parts.push(header(file.name, file.bytes.length, mtime), file.bytes);
    const pad = (BLOCK - (file.bytes.length % BLOCK)) % BLOCK;
    parts.push(new Uint8Array(pad));
  }
  parts.push(new Uint8Array(BLOCK * 2)); // two zero blocks end the archive
  return new Uint8Array(Buffer.concat(parts));
}
