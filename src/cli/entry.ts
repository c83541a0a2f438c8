// The process's entry: runs the command line with this process's arguments and sets its exit code.
// bin/airlock.js loads it through tsx; `npm run build:binary` bundles it into dist/airlock.

import { main } from './main.ts';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
