// What a terminal gets that a pipe does not: colours, and lines redrawn in place. Colours are used
// only when the output is a terminal, --json was not given, NO_COLOR is unset and TERM is not
// "dumb" (https://no-color.org).

import type { Env } from './context.ts';

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

export type Colour = keyof typeof CODES;

/** Paints text, or leaves it plain; what commands get as `ctx.paint`. */
export type Paint = (colour: Colour, text: string) => string;

export const plain: Paint = (_colour, text) => text;

export const ansi: Paint = (colour, text) => {
  const [on, off] = CODES[colour];
  return `\u001b[${on}m${text}\u001b[${off}m`;
};

export function wantsColour(isTty: boolean | undefined, json: boolean, env: Env): boolean {
  const noColor = env['NO_COLOR'];
  return (
    isTty === true && !json && (noColor === undefined || noColor === '') && env['TERM'] !== 'dumb'
  );
}

/** The width text takes on a terminal: without colour codes, one column per code point. */
export function visibleWidth(text: string): number {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}
