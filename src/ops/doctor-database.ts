// airlock doctor's findings about a ledger kept in PostgreSQL: whether the node reaches its
// database, whether its schema is one this airlock knows, and the quick check of its rows. Pure.

import type { DoctorFacts, Finding } from './doctor-facts.ts';
import { fail, ok, warn } from './doctor-words.ts';

type Database = NonNullable<DoctorFacts['database']>;

/** Whether the rest of the database's facts (ledger, revocations) were read. */
export const databaseRead = (database: Database): boolean =>
  database.state.kind === 'schema' && database.state.version <= database.state.known;

export function databaseFinding(database: Database): Finding {
  const { label, state } = database;
  switch (state.kind) {
    case 'unreachable':
      return fail(
        'ledger database',
        `the ledger database at ${label} cannot be reached (${state.problem}): this node refuses activations until it can.`,
        'start the database or mend the network, and check the ledger setting (airlock.toml, AIRLOCK_LEDGER) and its password file',
      );
    case 'empty':
      return warn(
        'ledger database',
        `the database at ${label} answers but holds no Airlock ledger yet; the first node to start creates one, empty.`,
        `if this appliance's ledger is elsewhere, correct the ledger setting; to move a file ledger there: airlock ledger migrate --from DIR --to postgres://…`,
      );
    case 'schema':
      if (state.version > state.known) {
        return fail(
          'ledger database',
          `the ledger database at ${label} has schema version ${state.version}, newer than this airlock knows (${state.known}): a newer airlock migrated it, and this one refuses it.`,
          'run that airlock version or a newer one on every node sharing the database',
        );
      }
      return ok(
        'ledger database',
        state.version === state.known
          ? `the ledger database at ${label} answers; its schema is current (version ${state.version}).`
          : `the ledger database at ${label} answers; its schema (version ${state.version}) is migrated to version ${state.known} when a node of this airlock starts.`,
      );
  }
}

export function rowsFinding(f: DoctorFacts, database: Database): Finding | null {
  const l = f.ledger;
  const verify = `airlock ledger verify --data ${f.dir}; restore the database from a dump, then airlock ledger mark-restored --data ${f.dir}`;
  switch (l.kind) {
    case 'rows':
      return ok(
        'ledger',
        `${l.records} record${l.records === 1 ? '' : 's'} in ${database.label}; ${
          l.full || l.checked >= l.records
            ? 'every record verifies'
            : `no row is missing, the first record and the newest ${l.checked} verify (--full reads every record)`
        }.`,
      );
    case 'bad':
      return fail(
        'ledger',
        `record ${l.seq} (row ${l.line} of ${l.file} in ${database.label}) fails: ${l.reason}.`,
        verify,
      );
    case 'unreadable':
      return fail('ledger', l.problem, verify);
    default:
      return null; // a journal's facts: not for a ledger in a database
  }
}
