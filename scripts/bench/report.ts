// How the benchmarks report: each section is a titled table, printed as it completes, or, with
// --json, every figure collected into one JSON document printed at the end.

import { cpus } from 'node:os';

export type Cell = string | number;
export type Row = Readonly<Record<string, Cell>>;

export interface Section {
  readonly title: string;
  readonly rows: readonly Row[];
  readonly notes: readonly string[];
}

export interface Report {
  /** Adds one section; the first row's keys are the column titles, in order. */
  section(title: string, rows: readonly Row[], notes?: readonly string[]): void;
  /** Prints the JSON document (in --json mode); the text tables are already out. */
  finish(): void;
}

export function environment(): Record<string, string | number> {
  return {
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cpus: cpus().length,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Operation rates get thousands separators; small numbers are ratios, shown with two decimals. */
function formatCell(cell: Cell): string {
  if (typeof cell === 'string') return cell;
  return Math.abs(cell) >= 100 ? Math.round(cell).toLocaleString('en-US') : cell.toFixed(2);
}

export function formatTable(rows: readonly Row[]): string {
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((row) => columns.map((column) => formatCell(row[column] ?? '')));
  const widths = columns.map((column, i) =>
    Math.max(column.length, ...cells.map((line) => line[i]!.length)),
  );
  // Text columns align left, numbers right.
  const numeric = columns.map((column) => rows.every((row) => typeof row[column] === 'number'));
  const line = (values: readonly string[]) =>
    values
      .map((value, i) => (numeric[i] ? value.padStart(widths[i]!) : value.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join(
    '\n',
  );
}

export function createReport(options: { readonly json: boolean }): Report {
  const sections: Section[] = [];
  if (!options.json) {
    const env = environment();
    console.log(
      `Airlock benchmarks: Node ${env['node']}, OpenSSL ${env['openssl']}, ${env['cpus']} x ${env['cpu']}\n`,
    );
  }
  return {
    section(title, rows, notes = []) {
      sections.push({ title, rows, notes });
      if (options.json) return;
      console.log(`${title}\n\n${formatTable(rows)}`);
      for (const note of notes) console.log(`  ${note}`);
      console.log('');
    },
    finish() {
      if (options.json)
        console.log(JSON.stringify({ environment: environment(), sections }, null, 2));
    },
  };
}
