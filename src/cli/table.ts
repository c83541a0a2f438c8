// Lists for people: aligned columns under a header, numbers to the right. Colour codes in cells
// do not upset the alignment.

import { type Paint, visibleWidth } from './terminal.ts';

export interface Column {
  readonly title: string;
  /** Numbers read better aligned right. */
  readonly align?: 'left' | 'right';
}

/** The table's lines (header, then one per row), each indented by two spaces; none without rows. */
export function table(
  columns: readonly (Column | string)[],
  rows: readonly (readonly string[])[],
  paint: Paint,
): string[] {
  if (rows.length === 0) return [];
  const cols = columns.map((c) => (typeof c === 'string' ? { title: c } : c));
  const widths = cols.map((c, i) =>
    Math.max(visibleWidth(c.title), ...rows.map((row) => visibleWidth(row[i] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - visibleWidth(cell)));
        return cols[i]!.align === 'right' ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd()}`;
  return [
    paint('bold', line(cols.map((c) => c.title))),
    ...rows.map((row) => line(cols.map((_, i) => row[i] ?? ''))),
  ];
}
