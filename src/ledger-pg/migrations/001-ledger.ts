// Migration 1: the ledger's records (append-only: a trigger refuses UPDATE, DELETE and TRUNCATE)
// and the snapshots of its state. Run by migrate.ts with search_path set to the ledger's schema.
// SQL held in a module so that the single binary carries it (docs/POSTGRES.md shows it whole).

export default {
  version: 1,
  name: 'ledger records and snapshots',
  sql: `
-- One row per record. line is the record exactly as record.ts encodes it (the journal's line,
-- without its newline): checksum, sequence and chain are checked on it, byte for byte as in the
-- file ledger. type, at and hash are copies for queries; verify checks that they agree.
CREATE TABLE ledger_records (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  line text NOT NULL,
  type text NOT NULL,
  at bigint NOT NULL,
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
CREATE INDEX ledger_records_type_seq ON ledger_records (type, seq);

-- The reducer's state as of record seq (whose hash it names), as JSON text: a node opens from
-- the newest and replays only the records after it. Only the newest few are kept.
CREATE TABLE ledger_snapshots (
  seq bigint PRIMARY KEY CHECK (seq >= 0),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  taken_at bigint NOT NULL,
  state text NOT NULL
);

-- Records are only ever inserted. A change of history is caught by the hash chain anyway
-- (airlock ledger verify); this refuses it outright, short of a superuser turning triggers off.
CREATE FUNCTION ledger_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the ledger''s records are append-only: % refused', TG_OP
    USING HINT = 'Records are never changed or removed; the ledger keeps every event.';
END;
$$;
CREATE TRIGGER ledger_records_append_only BEFORE UPDATE OR DELETE ON ledger_records
  FOR EACH ROW EXECUTE FUNCTION ledger_records_append_only();
CREATE TRIGGER ledger_records_no_truncate BEFORE TRUNCATE ON ledger_records
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_records_append_only();
`,
};
