// `npm run bench`: Airlock's performance figures, one section per subject, as text tables or, with
// --json, one JSON document. Options: --json, --seconds=N (time budget per measurement).

import { ed25519Section } from './bench/ed25519.ts';
import { ledgerSection } from './bench/ledger.ts';
import { DEFAULT_MEASURE, type MeasureOptions } from './bench/measure.ts';
import { createReport, type Report } from './bench/report.ts';

/** Each section measures one subject and adds its table to the report; add new ones here. */
const SECTIONS: ReadonlyArray<(report: Report, options: MeasureOptions) => void | Promise<void>> = [
  ed25519Section,
  ledgerSection,
];

function parseArguments(argv: readonly string[]): { json: boolean; options: MeasureOptions } {
  let json = false;
  let options = DEFAULT_MEASURE;
  for (const arg of argv) {
    const seconds = /^--seconds=(\d+(?:\.\d+)?)$/.exec(arg)?.[1];
    if (arg === '--json') json = true;
    else if (seconds !== undefined && Number(seconds) > 0) {
      options = {
        ...options,
        seconds: Number(seconds),
        warmupSeconds: Math.min(0.2, Number(seconds) / 5),
      };
    } else {
      console.error(`usage: npm run bench -- [--json] [--seconds=N]\nunknown argument: ${arg}`);
      process.exit(2);
    }
  }
  return { json, options };
}

const { json, options } = parseArguments(process.argv.slice(2));
const report = createReport({ json });
for (const section of SECTIONS) await section(report, options);
report.finish();
