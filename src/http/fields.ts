// The shape of a JSON body or a query string, checked strictly: every field a string of bounded
// length, required fields present, and no field the endpoint does not know.

import { AirlockError } from '../core/errors.ts';

export interface StringField {
  readonly optional: boolean;
  readonly maxLength: number;
  /** Refuse control characters (for free text that ends up in the ledger). */
  readonly plain?: boolean;
}

export type Shape = Readonly<Record<string, StringField>>;

export const required = (maxLength: number) => ({ optional: false, maxLength }) as const;
export const optional = (maxLength: number, plain = true) =>
  ({ optional: true, maxLength, plain }) as const;

type RequiredKeys<S extends Shape> = {
  [K in keyof S]: S[K]['optional'] extends true ? never : K;
}[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;

export type Fields<S extends Shape> = { [K in RequiredKeys<S>]: string } & {
  [K in OptionalKeys<S>]?: string;
};

const invalid = (message: string, field?: string) =>
  new AirlockError('FORMAT_INVALID', message, field === undefined ? {} : { field });

/** Checks `value` (a parsed JSON object) against `shape`; `where` names it in messages. */
export function parseFields<S extends Shape>(
  value: Readonly<Record<string, unknown>>,
  shape: S,
  where = 'The request body',
): Fields<S> {
  const known = Object.keys(shape);
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(shape, key)) {
      const list = known.length === 0 ? 'none' : known.join(', ');
      throw invalid(
        `${where} has "${key.slice(0, 40)}", which this endpoint does not know (it knows: ${list}).`,
        key.slice(0, 40),
      );
    }
  }
  const out: Record<string, string> = {};
  for (const [key, field] of Object.entries(shape)) {
    const v = Object.hasOwn(value, key) ? value[key] : undefined;
    if (v === undefined) {
      if (!field.optional) throw invalid(`${where} needs "${key}".`, key);
      continue;
    }
    if (typeof v !== 'string') {
      throw invalid(
        `"${key}" must be a string, not ${v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`}.`,
        key,
      );
    }
    if (v.length > field.maxLength) {
      throw invalid(`"${key}" is longer than ${field.maxLength} characters.`, key);
    }
    if (field.plain === true && /\p{Cc}/u.test(v)) {
      throw invalid(`"${key}" contains control characters.`, key);
    }
    out[key] = v;
  }
  return out as Fields<S>;
}

/** Query parameters: the same rules, and a parameter given twice is refused. */
export function parseQuery<S extends Shape>(
  query: Readonly<Record<string, string | string[] | undefined>>,
  shape: S,
): Fields<S> {
  const single: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(query)) {
    if (Array.isArray(v))
      throw invalid(`The query parameter "${key.slice(0, 40)}" is given twice.`);
    single[key] = v;
  }
  return parseFields(single, shape, 'The query');
}

/** A whole-number query parameter from `min` to `max` (digits only: no sign, point or exponent). */
export function parseWholeNumber(
  text: string,
  field: string,
  range: { readonly min: number; readonly max: number },
): number {
  const n = /^\d{1,16}$/.test(text) ? Number(text) : NaN;
  if (!(n >= range.min && n <= range.max)) {
    throw invalid(`"${field}" must be a whole number from ${range.min} to ${range.max}.`, field);
  }
  return n;
}
