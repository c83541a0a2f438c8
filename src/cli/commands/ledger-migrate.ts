// `airlock ledger migrate --from DIR --to postgres://…` (and back): moves a data directory's
// activation ledger into a PostgreSQL database shared by several nodes, or out of one onto a
// single box again. The source is verified first, read under its writer's lock (a file ledger)
// and copied record by record; the target must be empty, and its chain must come out identical.

import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { DATA_FILES } from '../../appliance/data-dir.ts';
import { markLedgerMoved } from '../../appliance/ledger-moved.ts';
import { verifyApplianceLedger } from '../../appliance/ledger-readers.ts';
import {
  copyRevocationsToDatabase,
  copyRevocationsToFile,
} from '../../appliance/shared-revocations.ts';
import { applianceReducer, ledgerDir } from '../../appliance/service.ts';
import type { ApplianceState } from '../../appliance/state.ts';
import { AirlockError } from '../../core/errors.ts';
import { CONFIG_FILE_NAME } from '../../http/config.ts';
import { acquireLock, allRecords, type Ledger, openLedger } from '../../ledger/index.ts';
import type { ChainHead } from '../../ledger/record.ts';
import { allPgRecords } from '../../ledger-pg/all-records.ts';
import { databaseLabel } from '../../ledger-pg/connection.ts';
import { openPgLedger } from '../../ledger-pg/pg-ledger.ts';
import { copyLedger } from '../../ops/ledger-copy.ts';
import type { Command } from '../command.ts';
import type { CliContext } from '../context.ts';
import { outcome, plural } from '../output.ts';

const PURPOSE = 'moving the ledger (airlock ledger migrate)';
const REVOCATION_WORDS = {
  copied: "The vendor's revocations it held were copied into the database too.",
  'no-file': 'It held no vendor revocations.',
  'database-holds-some': "The database holds vendor revocations already: the node's were left out.",
} as const;
const isUrl = (text: string) => /^postgres(ql)?:\/\//.test(text);

/** The ledger setting written into (or to be removed from) DIR/airlock.toml. */
async function pointAt(dir: string, url: string): Promise<'written' | 'already' | 'other'> {
  const path = join(dir, CONFIG_FILE_NAME);
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    if ((error as { code?: string }).code === 'ENOENT') return '';
    throw error;
  });
  const current = (parseToml(text) as { ledger?: unknown }).ledger;
  if (current === url) return 'already';
  if (current !== undefined) return 'other';
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  await writeFile(path, `${text}${separator}ledger = ${JSON.stringify(url)}\n`, { mode: 0o600 });
  return 'written';
}

async function verifiedCount(dir: string, url: string | undefined, what: string) {
  const result = await verifyApplianceLedger(dir, url);
  if (!result.ok) {
    throw new AirlockError(
      'LEDGER_CORRUPT',
      `The ${what} does not verify (record ${result.firstBad!.seq}): nothing was moved. \`airlock ledger verify\` shows the damage.`,
    );
  }
  return result;
}

/** DIR's journal → the database. */
async function toDatabase(
  dir: string,
  url: string,
  ctx: CliContext,
): Promise<ChainHead & { records: number }> {
  const lock = await acquireLock(ledgerDir(dir), { purpose: PURPOSE });
  let target: Ledger<ApplianceState> | undefined;
  try {
    const source = await verifiedCount(dir, undefined, `ledger in ${dir}`);
    target = await openPgLedger({ url, reducer: applianceReducer, purpose: PURPOSE });
    const head = await copy(ctx, allRecords(ledgerDir(dir)), target, source.records);
    await target.checkpoint();
    await markLedgerMoved(ledgerDir(dir), databaseLabel(url), ctx.now());
    return { ...head, records: source.records };
  } finally {
    await target?.close();
    await lock.release();
  }
}

/** The database → DIR's (empty) journal. */
async function toDirectory(
  url: string,
  dir: string,
  ctx: CliContext,
): Promise<ChainHead & { records: number }> {
  if ((await stat(join(dir, DATA_FILES.settings)).catch(() => undefined)) === undefined) {
    throw new AirlockError(
      'FILE_NOT_FOUND',
      `${dir} is not an appliance's data directory (it has no ${DATA_FILES.settings}): make one first, e.g. \`airlock appliance init --join\`.`,
      { path: dir },
    );
  }
  const source = await verifiedCount(dir, url, `ledger in ${databaseLabel(url)}`);
  await mkdir(ledgerDir(dir), { recursive: true, mode: 0o700 });
  const target = await openLedger({
    dir: ledgerDir(dir),
    reducer: applianceReducer,
    purpose: PURPOSE,
  });
  try {
    const head = await copy(ctx, allPgRecords(url, { purpose: PURPOSE }), target, source.records);
    return { ...head, records: source.records };
  } finally {
    await target.close();
  }
}

async function copy(
  ctx: CliContext,
  records: Parameters<typeof copyLedger>[0],
  target: Ledger<ApplianceState>,
  total: number,
): Promise<ChainHead> {
  const progress = ctx.progress('moving');
  try {
    return await copyLedger(records, target, {
      total,
      onProgress: (done, all) => progress.update(done, all),
    });
  } finally {
    progress.finish();
  }
}

export const migrate: Command = {
  group: 'ledger',
  name: 'migrate',
  summary: 'move the ledger into PostgreSQL (several nodes) or back into the data directory',
  usage: '--from DIR --to postgres://… | --from postgres://… --to DIR',
  help: [
    'Moves the activation ledger of the data directory DIR into an empty PostgreSQL database, for',
    'several appliance nodes on one database (docs/POSTGRES.md), or from the database back into',
    "DIR's own ledger folder, for a single box again. Stop `airlock serve` first.",
    '',
    'The source is verified first; every record is copied as it is (same time, type and data, so',
    'the same hash chain) and the target is verified after: `ledger verify` and usage reports go',
    'on as before. The target must hold no records (LEDGER_NOT_EMPTY). Into the database, the',
    'setting `ledger = "postgres://…"` is then written into DIR/airlock.toml, so that serve and',
    'every command use the database; back into DIR, remove that line. The source is left as it',
    'was: keep it until the appliance has served from the target.',
  ].join('\n'),
  options: {
    from: { type: 'string', value: 'DIR|URL', help: 'the data directory, or the database' },
    to: { type: 'string', value: 'URL|DIR', help: 'the database, or the data directory' },
  },
  required: ['from', 'to'],
  async run(args, ctx) {
    const from = args.required('from');
    const to = args.required('to');
    if (isUrl(from) === isUrl(to)) {
      throw new AirlockError(
        'USAGE',
        'One of --from and --to is a data directory and the other a postgres:// URL.',
      );
    }
    if (isUrl(to)) {
      const head = await toDatabase(from, to, ctx);
      const revocations = await copyRevocationsToDatabase(from, { url: to, purpose: PURPOSE });
      const pointed = await pointAt(from, to);
      const database = databaseLabel(to);
      return outcome({ from, to: database, ...head, setting: pointed, revocations }, [
        `Moved ${plural(head.records, 'record')} from ${from} into the database at ${database}; it verifies, ending at record ${head.seq} (hash ${head.hash}).`,
        REVOCATION_WORDS[revocations.outcome],
        pointed === 'written'
          ? `${from}/${CONFIG_FILE_NAME} now says ledger = "…${database}": serve and every command use the database.`
          : pointed === 'already'
            ? `${from}/${CONFIG_FILE_NAME} already names this database.`
            : `${from}/${CONFIG_FILE_NAME} names another ledger: set ledger to this database there.`,
        `The journal in ${from}/ledger is left as it was; remove it once the appliance serves from the database.`,
      ]);
    }
    const head = await toDirectory(from, to, ctx);
    const revocations = await copyRevocationsToFile(to, { url: from, purpose: PURPOSE });
    const database = databaseLabel(from);
    return outcome({ from: database, to, ...head, revocations }, [
      `Moved ${plural(head.records, 'record')} from the database at ${database} into ${to}/ledger; it verifies, ending at record ${head.seq} (hash ${head.hash}).`,
      revocations.vendorSequence === null
        ? 'The database held no vendor revocations.'
        : `The vendor's revocations (bundle ${revocations.vendorSequence}) were copied into ${to} too.`,
      `Remove the ledger setting from ${to}/${CONFIG_FILE_NAME} (and AIRLOCK_LEDGER) so that serve uses it.`,
    ]);
  },
};
