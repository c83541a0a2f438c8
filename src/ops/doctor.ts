// `airlock doctor`'s decisions: facts about an installation in (gathered by doctor-gather.ts), one
// finding per thing checked out, each ok, warn or fail with a sentence and the fix. Pure: the
// time, the user and every file's state are facts, so each finding is tested on its own.

import { DATA_FORMAT } from '../appliance/data-format.ts';
import { databaseFinding, databaseRead, rowsFinding } from './doctor-database.ts';
import type { DoctorFacts, Finding } from './doctor-facts.ts';
import { certificateFinding, clockFinding, revocationFinding, tlsFinding } from './doctor-time.ts';
import { modeText } from '../node/private-file.ts';
import { fail, ok, warn } from './doctor-words.ts';
import { isPrivatePath } from './private-paths.ts';

export type { CheckName, DoctorFacts, Finding, PathFacts, Status } from './doctor-facts.ts';

export const LOW_DISK_BYTES = 1024 ** 3;
export const LOW_DISK_FRACTION = 0.05;

function formatFinding(f: DoctorFacts): Finding {
  const { format, dir } = f;
  if (format === null) {
    return fail(
      'data format',
      `${dir} is not an appliance data directory (no appliance.json).`,
      `airlock appliance init --data ${dir}`,
    );
  }
  if (format === 'unreadable') {
    return fail(
      'data format',
      `${dir}/appliance.json is not an Airlock settings file.`,
      'restore the data directory from a backup (airlock restore)',
    );
  }
  if (format.format > DATA_FORMAT) {
    return fail(
      'data format',
      `data format ${format.format}, written by airlock ${format.writtenBy}; this airlock reads format ${DATA_FORMAT} and older.`,
      `run airlock ${format.writtenBy} or newer on it`,
    );
  }
  if (format.format < DATA_FORMAT) {
    return fail(
      'data format',
      `data format ${format.format}: this airlock needs format ${DATA_FORMAT}.`,
      `airlock upgrade --data ${dir}`,
    );
  }
  return ok('data format', `data format ${format.format}, written by airlock ${format.writtenBy}.`);
}

function permissionFindings(f: DoctorFacts): Finding[] {
  const findings: Finding[] = [];
  const full = (path: string) => (path === '' ? f.dir : `${f.dir}/${path}`);
  const foreign = f.uid === null ? [] : f.paths.filter((p) => p.uid !== f.uid);
  if (foreign.length > 0) {
    const named = foreign.slice(0, 3).map((p) => `${full(p.path)} (uid ${p.uid})`);
    findings.push(
      fail(
        'permissions',
        `${foreign.length} path${foreign.length === 1 ? '' : 's'} belong${foreign.length === 1 ? 's' : ''} to another user than the one running airlock (uid ${f.uid}): ${named.join(', ')}${foreign.length > 3 ? ', …' : ''}.`,
        `chown -R ${f.uid} ${f.dir} (or run airlock as the data directory's owner)`,
      ),
    );
  }
  for (const p of f.paths) {
    if (p.directory) {
      if ((p.mode & 0o022) !== 0) {
        findings.push(
          fail(
            'permissions',
            `${full(p.path)} can be written by other users (mode ${modeText(p.mode)}), who could replace the keys in it.`,
            `chmod go-w ${full(p.path)}`,
          ),
        );
      } else if (p.path === '' && (p.mode & 0o005) !== 0) {
        findings.push(
          warn(
            'permissions',
            `other users can enter and list ${f.dir} (mode ${modeText(p.mode)}).`,
            `chmod 700 ${f.dir}`,
          ),
        );
      }
    } else if (isPrivatePath(p.path) && (p.mode & 0o077) !== 0) {
      findings.push(
        fail(
          'permissions',
          `${full(p.path)} is open to other users (mode ${modeText(p.mode)}); only its owner may read it.`,
          `chmod 600 ${full(p.path)}`,
        ),
      );
    }
  }
  if (findings.length === 0) {
    const secrets = f.paths.filter((p) => !p.directory && isPrivatePath(p.path)).length;
    findings.push(
      ok(
        'permissions',
        `${secrets} private files are readable by their owner only; no folder is writable by others${f.uid === null ? '' : ', and all belong to the user running airlock'}.`,
      ),
    );
  }
  return findings;
}

function diskFinding(f: DoctorFacts): Finding {
  if (f.disk === null) {
    return warn(
      'disk space',
      'the free space of the data directory’s file system could not be read.',
      `df -h ${f.dir}`,
    );
  }
  const { available, total } = f.disk;
  const gib = (available / 1024 ** 3).toFixed(1);
  const percent = total === 0 ? 0 : Math.floor((available / total) * 100);
  if (available < LOW_DISK_BYTES || available < total * LOW_DISK_FRACTION) {
    return warn(
      'disk space',
      `only ${gib} GiB (${percent} %) is free where the ledger grows; writes are refused when it is full.`,
      'free disk space, or move the data directory to a larger file system (airlock backup, airlock restore)',
    );
  }
  return ok('disk space', `${gib} GiB (${percent} %) free.`);
}

function lockFinding(f: DoctorFacts): Finding {
  const lockFile = `${f.dir}/ledger/LOCK`;
  const l = f.lock;
  switch (l.state) {
    case 'free':
      return ok('ledger lock', 'no process holds the ledger.');
    case 'held':
      return ok(
        'ledger lock',
        `held by process ${l.holder.pid} (${l.holder.purpose}, since ${l.holder.since}).`,
      );
    case 'elsewhere':
      return warn(
        'ledger lock',
        `held by process ${l.holder.pid} on another host, ${l.holder.host} (${l.holder.purpose}); it cannot be checked from here.`,
        `if no airlock runs on ${l.holder.host} with this directory, delete ${lockFile}`,
      );
    case 'stale':
      return warn(
        'ledger lock',
        `left by process ${l.holder.pid} (${l.holder.purpose}), which no longer runs; the next writer takes it over.`,
        `nothing needed; or delete ${lockFile}`,
      );
    case 'unreadable':
      return warn(
        'ledger lock',
        `${lockFile} is damaged (a crash while it was written).`,
        `if no airlock runs, delete ${lockFile}`,
      );
  }
}

function configFinding(f: DoctorFacts): Finding {
  switch (f.config.kind) {
    case 'none':
      return ok(
        'config',
        'no configuration file: serve uses its defaults and AIRLOCK_* variables.',
      );
    case 'valid':
      return ok('config', `${f.config.path} is valid.`);
    case 'invalid':
      return fail(
        'config',
        f.config.problem,
        'correct the setting it names (docs/CONFIG.md lists them)',
      );
  }
}

function ledgerFinding(f: DoctorFacts): Finding {
  const l = f.ledger;
  if (f.database !== undefined) {
    return (
      rowsFinding(f, f.database) ??
      fail(
        'ledger',
        'the ledger database was not checked.',
        `airlock ledger verify --data ${f.dir}`,
      )
    );
  }
  const verify = `airlock ledger verify --data ${f.dir}; restore the data directory from a backup (airlock restore)`;
  switch (l.kind) {
    case 'ok':
      return ok(
        'ledger',
        `${l.records} record${l.records === 1 ? '' : 's'} in ${l.segments} segment${l.segments === 1 ? '' : 's'}; ${l.full || l.segments <= 1 ? 'every record verifies' : 'the chain links across the segments and the last one verifies (--full reads every record)'}.`,
      );
    case 'torn':
      return f.lock.state === 'held'
        ? ok(
            'ledger',
            `${l.records} records; the last line is being written by the serving appliance.`,
          )
        : warn(
            'ledger',
            `${l.records} whole records, then an unfinished one at the end of ${l.file} (a crash while writing; it was never acknowledged).`,
            'nothing needed: the next start cuts it',
          );
    case 'bad':
      return fail(
        'ledger',
        `record ${l.seq} (line ${l.line} of ${l.file}) fails: ${l.reason}.`,
        verify,
      );
    case 'unreadable':
      return fail('ledger', l.problem, verify);
    case 'rows':
      return fail('ledger', 'the journal was read as a database.', verify); // never: see above
  }
}

function keysFinding(f: DoctorFacts): Finding {
  const open = f.keys.filter((k) => !k.sealed);
  if (f.keys.length === 0) return ok('keys', 'no private key files found.');
  if (open.length > 0) {
    return warn(
      'keys',
      `${open.length} of ${f.keys.length} private keys are kept unsealed (${open.map((k) => k.path).join(', ')}): whoever reads a copy of them, a backup included, can sign.`,
      `write a passphrase into a file only you can read, set AIRLOCK_PASSPHRASE_FILE, and run airlock appliance seal-key --data ${f.dir}`,
    );
  }
  return ok('keys', `all ${f.keys.length} private keys are sealed with a passphrase.`);
}

export function diagnose(facts: DoctorFacts): Finding[] {
  const format = formatFinding(facts);
  // Of another format, or no appliance at all: the rest would read a layout this airlock does not know.
  const known =
    facts.format !== null && facts.format !== 'unreadable' && facts.format.format <= DATA_FORMAT;
  if (!known) return [format];
  const { database } = facts;
  // A ledger in PostgreSQL: no journal lock; its ledger and revocations are read from the database,
  // so they are reported only when it answered with a schema this airlock knows.
  const read = database === undefined || databaseRead(database);
  return [
    format,
    ...permissionFindings(facts),
    tlsFinding(facts),
    certificateFinding(facts),
    ...(read ? [revocationFinding(facts)] : []),
    diskFinding(facts),
    clockFinding(facts),
    database === undefined ? lockFinding(facts) : databaseFinding(database),
    configFinding(facts),
    ...(read ? [ledgerFinding(facts)] : []),
    keysFinding(facts),
  ];
}
