// The data directory's format: which layout of files an airlock reads and writes, recorded in
// DATA/appliance.json (`dataFormat`, and the airlock version that wrote it). A directory of a
// newer format is refused (DATA_FORMAT_NEWER, naming the version that reads it); one of an older
// format is refused until `airlock upgrade` has migrated it (DATA_FORMAT_OLDER). docs/OPERATIONS.md.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { readFileBounded } from '../node/atomic-file.ts';

/** The data format this airlock reads and writes. Format 1: the layout before the marker. */
export const DATA_FORMAT = 2;
/**
 * The settings file's `format` before and since the marker. Format 2 changed it so that airlock
 * versions that predate the marker (they accept only v1) refuse a directory they cannot read;
 * from format 2 on it stays v2 and `dataFormat` alone counts the layouts.
 */
export const SETTINGS_FORMAT_V1 = 'airlock-appliance/v1';
export const SETTINGS_FORMAT = 'airlock-appliance/v2';
export const SETTINGS_FILE = 'appliance.json';
/** A settings file is about 200 bytes; this bounds a wrong one. */
export const MAX_SETTINGS_BYTES = 64 * 1024;

export interface DataFormatFound {
  readonly format: number;
  /** The airlock version that wrote the format (null for format 1, which did not record it). */
  readonly writtenBy: string | null;
}

const VERSION_PATTERN = /^[0-9A-Za-z.+-]{1,64}$/;

/** The format a parsed settings file declares; null when it is not a settings file at all. */
export function formatOfSettings(json: unknown): DataFormatFound | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const { format, dataFormat, airlockVersion } = json as Record<string, unknown>;
  if (format === SETTINGS_FORMAT_V1) return { format: 1, writtenBy: null };
  if (format !== SETTINGS_FORMAT) return null;
  if (
    typeof dataFormat !== 'number' ||
    !Number.isSafeInteger(dataFormat) ||
    dataFormat < 2 ||
    typeof airlockVersion !== 'string' ||
    !VERSION_PATTERN.test(airlockVersion)
  ) {
    return null;
  }
  return { format: dataFormat, writtenBy: airlockVersion };
}

/** Refuses a format this airlock cannot use as it is: newer (never), older (after an upgrade). */
export function checkDataFormat(found: DataFormatFound, dir: string, current = DATA_FORMAT): void {
  if (found.format > current) {
    const by = found.writtenBy ?? 'a newer airlock';
    throw new AirlockError(
      'DATA_FORMAT_NEWER',
      `${dir} is in data format ${found.format}, written by airlock ${by}; this airlock reads data format ${current} and older. ` +
        `Run airlock ${by} or newer on it, or restore a backup taken before it was upgraded.`,
      {
        dir,
        format: found.format,
        current,
        ...(found.writtenBy ? { needs: found.writtenBy } : {}),
      },
    );
  }
  if (found.format < current) {
    throw new AirlockError(
      'DATA_FORMAT_OLDER',
      `${dir} is in data format ${found.format}, written by an earlier airlock; this airlock uses data format ${current}. ` +
        `Run \`airlock upgrade --data ${dir}\` (it takes a backup first).`,
      { dir, format: found.format, current },
    );
  }
}

function notSettings(path: string): AirlockError {
  return new AirlockError('FORMAT_INVALID', `${path} is not an Airlock settings file.`, { path });
}

/** The settings file parsed, bounded first; FORMAT_INVALID when it is not JSON. */
export async function readSettingsJson(dir: string): Promise<unknown> {
  const path = join(dir, SETTINGS_FILE);
  const bytes = await readFileBounded(path, MAX_SETTINGS_BYTES, 'settings file');
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw notSettings(path);
  }
}

/** The data directory's format; null when it holds no appliance (no settings file). */
export async function readDataFormat(dir: string): Promise<DataFormatFound | null> {
  if ((await stat(join(dir, SETTINGS_FILE)).catch(() => undefined)) === undefined) return null;
  const found = formatOfSettings(await readSettingsJson(dir));
  if (found === null) throw notSettings(join(dir, SETTINGS_FILE));
  return found;
}

/**
 * The format of a directory that must hold an appliance, copied or migrated as it is: FILE_NOT_FOUND
 * without one, DATA_FORMAT_NEWER when it is newer (an older one is for the caller: backup, upgrade).
 */
export async function readApplianceDataFormat(dir: string): Promise<DataFormatFound> {
  const found = await readDataFormat(dir);
  if (found === null) {
    throw new AirlockError(
      'FILE_NOT_FOUND',
      `${dir} is not an appliance data directory (it has no appliance.json).`,
      { path: dir },
    );
  }
  if (found.format > DATA_FORMAT) checkDataFormat(found, dir);
  return found;
}

/** Refuses a data directory of another format; a directory without an appliance passes. */
export async function assertDataFormat(dir: string): Promise<void> {
  const found = await readDataFormat(dir);
  if (found !== null) checkDataFormat(found, dir);
}
