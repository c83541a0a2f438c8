// Where `airlock serve` (and the commands that make its certificate) find their settings: the
// flags given, the environment, and the TOML file named by --config or AIRLOCK_CONFIG, else
// DATA/airlock.toml when it exists. Reads the file; src/http/config.ts validates.

import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { CONFIG_FILE_NAME, type ConfigSources, readSetting } from '../http/config.ts';
import { readFileBounded } from '../node/atomic-file.ts';
import type { CliContext } from './context.ts';

/** A hand-written settings file is a few hundred bytes; this bounds a wrong one. */
const MAX_CONFIG_BYTES = 64 * 1024;

export const CONFIG_OPTION = {
  config: {
    type: 'string',
    value: 'FILE',
    help: `settings file (TOML; default DATA/${CONFIG_FILE_NAME} when it exists)`,
  },
} as const;

async function readText(path: string): Promise<string> {
  return new TextDecoder('utf-8', { fatal: true }).decode(
    await readFileBounded(path, MAX_CONFIG_BYTES, 'configuration file'),
  );
}

/** The ledger setting of a data directory (its airlock.toml, AIRLOCK_CONFIG, AIRLOCK_LEDGER). */
export async function ledgerSetting(
  dir: string,
  ctx: Pick<CliContext, 'env'>,
): Promise<string | undefined> {
  return readSetting('ledger', await configSources(dir, undefined, {}, ctx));
}

export async function configSources(
  dir: string,
  named: string | undefined,
  flags: ConfigSources['flags'],
  ctx: Pick<CliContext, 'env'>,
): Promise<ConfigSources> {
  const fromEnv = ctx.env['AIRLOCK_CONFIG'];
  const [path, by] =
    named !== undefined
      ? [named, '--config']
      : fromEnv !== undefined && fromEnv !== ''
        ? [fromEnv, 'AIRLOCK_CONFIG']
        : [join(dir, CONFIG_FILE_NAME), undefined];
  let text: string;
  try {
    text = await readText(path);
  } catch (error) {
    if (!(error instanceof AirlockError || error instanceof TypeError)) throw error;
    if (error instanceof AirlockError && error.code === 'FILE_NOT_FOUND') {
      if (by === undefined) return { flags, env: ctx.env };
      throw new AirlockError('CONFIG_INVALID', `${by} names ${path}, which does not exist.`, {
        source: by,
      });
    }
    throw new AirlockError(
      'CONFIG_INVALID',
      `${path} is not a configuration file: ${error instanceof TypeError ? 'it is not UTF-8 text' : error.message}`,
      { source: path },
    );
  }
  return { flags, env: ctx.env, file: { path, text } };
}
