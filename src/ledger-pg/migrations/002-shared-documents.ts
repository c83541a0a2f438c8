// Migration 2: documents the nodes share besides the ledger (the vendor's revocations), each one
// row replaced whole: its text, a version that grows with every replacement (a node asks for it
// to know cheaply whether it changed) and the SHA-256 of the text (checked as read). Run by
// migrate.ts with search_path set to the ledger's schema; docs/POSTGRES.md shows it.

export default {
  version: 2,
  name: 'shared documents',
  sql: `
-- text, not jsonb: a document may be 60 MB of JSON (a million revocations), and a node parses it
-- itself; jsonb would parse it once more on every write. A text value may be up to 1 GB.
CREATE TABLE shared_documents (
  name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9-]{0,31}$'),
  version bigint NOT NULL CHECK (version > 0),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  body text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
};
