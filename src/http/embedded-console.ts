// The console's files inside a bundled Airlock: `npm run build:binary` replaces this module with one
// listing web/dist's files (name, base64 contents). Run from the sources it is empty, and the
// console is read from web/dist instead.

export const EMBEDDED_CONSOLE: readonly (readonly [name: string, base64: string])[] | undefined =
  undefined;
