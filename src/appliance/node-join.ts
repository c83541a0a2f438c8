// Another node of an existing appliance, for several nodes on one PostgreSQL ledger: the same
// appliance ID, trust file, held-key secret and (standalone) vendor key, but a signing key of its
// own with its own certificate (no private key is shared through the database, and a node's key
// can be rotated or revoked alone). The console's users and API tokens are copied as they are.

import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { writeFileAtomic } from '../node/atomic-file.ts';
import { nodeSuite } from '../node/ed25519.ts';
import { writeKeyFile } from '../node/key-file.ts';
import { readPrivateFile } from '../node/private-file.ts';
import {
  certifyKey,
  copyVendor,
  DATA_FILES,
  type Initialised,
  openApplianceDir,
  writeSettings,
} from './data-dir.ts';

/** Files a node shares with the appliance it joins, copied once (0600 where private). */
const COPIED = ['users.json', 'tokens.json', 'airlock.toml'] as const;

export interface JoinOptions {
  /** The data directory of a node of the appliance to join. */
  readonly from: string;
  readonly passphrase?: string | undefined;
  readonly now: number;
}

export async function joinApplianceDir(dir: string, options: JoinOptions): Promise<Initialised> {
  if ((await stat(join(dir, DATA_FILES.settings)).catch(() => undefined)) !== undefined) {
    throw new AirlockError(
      'FILE_EXISTS',
      `${dir} already holds an appliance; it was left as it is.`,
    );
  }
  const joined = await openApplianceDir(options.from, { passphrase: options.passphrase });
  const secret = options.passphrase ? { passphrase: options.passphrase } : {};
  await mkdir(join(dir, DATA_FILES.ledger), { recursive: true, mode: 0o700 });
  const seed = new Uint8Array(randomBytes(32));
  const signer = nodeSuite.signer(seed);
  await writeKeyFile(join(dir, DATA_FILES.key), seed, { ...secret, label: 'airlock appliance' });
  const secretBytes = await readPrivateFile(
    join(options.from, DATA_FILES.secret),
    1024,
    'secret file',
  );
  await writeFileAtomic(join(dir, DATA_FILES.secret), secretBytes, { mode: 0o600 });
  for (const name of COPIED) {
    await copyFile(join(options.from, name), join(dir, name)).catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
    });
  }
  const vendor =
    joined.settings.mode === 'standalone'
      ? await copyVendor(
          join(options.from, DATA_FILES.vendor),
          join(dir, DATA_FILES.vendor),
          options.passphrase,
        )
      : undefined;
  const result = await certifyKey(
    dir,
    joined.applianceId,
    signer.publicKey,
    { trust: joined.trust, ...(vendor === undefined ? {} : { vendor }) },
    options.now,
  );
  await writeSettings(dir, joined.settings.applianceId, joined.settings.mode, options.now);
  return result;
}
