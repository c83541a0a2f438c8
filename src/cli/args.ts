// Command-line arguments through node:util parseArgs, strict: an unknown flag, a missing value or
// a missing argument is a USAGE error with a sentence saying what to type instead.

import { parseArgs } from 'node:util';
import { AirlockError } from '../core/errors.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** The value's placeholder in messages and help, e.g. "DIR". */
  readonly value?: string;
}

export interface ArgSpec {
  /** e.g. "airlock client apply", for messages. */
  readonly command: string;
  /** Options besides --json and --help, which every command takes. */
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly required?: readonly string[];
  /** Names of the required positional arguments, in order. */
  readonly positionals?: readonly string[];
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly help: boolean;
  readonly json: boolean;
  /** A string option's value, or undefined when it was not given. */
  string(name: string): string | undefined;
  /** A string option that must be present (listed in `required`). */
  required(name: string): string;
  flag(name: string): boolean;
}

function usage(spec: ArgSpec, message: string): AirlockError {
  return new AirlockError('USAGE', `${message} See \`${spec.command} --help\`.`);
}

function missingOption(spec: ArgSpec, name: string): AirlockError {
  const value = spec.options[name]?.value;
  return usage(spec, `\`${spec.command}\` needs --${name}${value ? ` ${value}` : ''}.`);
}

function explain(spec: ArgSpec, error: Error & { code?: string }): AirlockError {
  const option = /'(--?[^' <]+)/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return usage(spec, `\`${spec.command}\` has no option ${option}.`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return spec.options[option.replace(/^--?/, '')]?.type === 'boolean' ||
        /^--?(json|help)$/.test(option)
        ? usage(spec, `${option} takes no value.`)
        : usage(
            spec,
            `${option} needs a value (to give a value starting with "-", write ${option}=VALUE).`,
          );
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return usage(spec, 'Too many arguments.');
    default:
      return usage(spec, error.message);
  }
}

export function parseCommandArgs(argv: readonly string[], spec: ArgSpec): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(
          Object.entries(spec.options).map(([name, option]) => [name, { type: option.type }]),
        ),
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw explain(spec, error as Error);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const help = values['help'] === true;
  const expected = spec.positionals ?? [];
  if (!help) {
    // A name ending in "?" is optional: `respond [CHALLENGE] --image PHOTO`.
    const missing = expected.slice(parsed.positionals.length).filter((n) => !n.endsWith('?'));
    if (missing.length > 0) {
      throw usage(spec, `\`${spec.command}\` needs ${missing.join(' and ')}.`);
    }
    if (parsed.positionals.length > expected.length) {
      const extra = parsed.positionals[expected.length]!;
      throw usage(spec, `Unexpected argument "${extra.slice(0, 40)}".`);
    }
    for (const name of spec.required ?? []) {
      if (values[name] === undefined) throw missingOption(spec, name);
    }
  }
  const string = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    positionals: parsed.positionals,
    help,
    json: values['json'] === true,
    string,
    required(name) {
      const value = string(name);
      if (value === undefined) throw missingOption(spec, name);
      return value;
    },
    flag: (name) => values[name] === true,
  };
}
