// Which files of a data directory only their owner may read: `airlock doctor` fails one open to
// others, and `airlock restore` makes them 0600 whatever the archive says.

const SECRET_NAMES = new Set(['secret.key', 'users.json', 'tokens.json', 'tls/key.pem']);

/** Files only their owner may read: keys, the secret, users and tokens, the journal and snapshot. */
export function isPrivatePath(path: string): boolean {
  return (
    path.endsWith('.key') ||
    SECRET_NAMES.has(path) ||
    path.startsWith('ledger/journal/') ||
    path === 'ledger/snapshot.json'
  );
}
