// `npm run bench`: Airlock's performance figures, one section per subject, as text tables or, with
// --json, one JSON document. Options: --json, --seconds=N (time budget per measurement), and
// section names to run only those (`npm run bench -- http`); all of them by default.

import { applianceLedgerSection } from './bench/appliance-ledger.ts';
import { binarySection } from './bench/binary.ts';
import { browserScanSection } from './bench/browser-scan.ts';
import { ed25519Section } from './bench/ed25519.ts';
import { httpSection } from './bench/http.ts';
import { ledgerSection } from './bench/ledger.ts';
import { DEFAULT_MEASURE, type MeasureOptions } from './bench/measure.ts';
import { postgresSection } from './bench/postgres.ts';
import { createReport, type Report } from './bench/report.ts';
import { revocationsSection } from './bench/revocations.ts';
import { scanSection } from './bench/scan.ts';

/** Each section measures one subject and adds its table to the report; add new ones here. */
const SECTIONS: Readonly<
  Record<string, (report: Report, options: MeasureOptions) => void | Promise<void>>
> = {
  ed25519: ed25519Section,
  ledger: ledgerSection,
  http: httpSection,
  'appliance-ledger': applianceLedgerSection,
  postgres: postgresSection,
  revocations: revocationsSection,
  scan: scanSection,
  'browser-scan': browserScanSection,
  binary: binarySection,
};

function usage(problem: string): never {
  console.error(
    `usage: npm run bench -- [--json] [--seconds=N] [section …]\n` +
      `sections: ${Object.keys(SECTIONS).join(', ')}\n${problem}`,
  );
  process.exit(2);
}

function parseArguments(argv: readonly string[]): {
  json: boolean;
  options: MeasureOptions;
  sections: string[];
} {
  let json = false;
  let options = DEFAULT_MEASURE;
  const sections: string[] = [];
  for (const arg of argv) {
    const seconds = /^--seconds=(\d+(?:\.\d+)?)$/.exec(arg)?.[1];
    if (arg === '--json') json = true;
    else if (seconds !== undefined && Number(seconds) > 0) {
      options = {
        ...options,
        seconds: Number(seconds),
        warmupSeconds: Math.min(0.2, Number(seconds) / 5),
      };
    } else if (Object.hasOwn(SECTIONS, arg)) {
      if (!sections.includes(arg)) sections.push(arg);
    } else usage(`unknown argument: ${arg}`);
  }
  return { json, options, sections: sections.length > 0 ? sections : Object.keys(SECTIONS) };
}

const { json, options, sections } = parseArguments(process.argv.slice(2));
const report = createReport({ json });
for (const name of sections) await SECTIONS[name]!(report, options);
report.finish();
