// `airlock appliance seal-key` and `airlock vendor seal-key` (docs/KEYS.md "Sealing keys"): seal
// every private key of a data or vendor directory with the passphrase, or seal them again under a
// new one after the old one leaked; and the warning `init` gives when it writes keys unsealed.

import { AirlockError, isAirlockError } from '../../core/errors.ts';
import { formatId } from '../../core/ids.ts';
import {
  type KeyFile,
  readKeyFile,
  resealKeyFile,
  type ResealOutcome,
} from '../../node/key-file.ts';
import type { ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { outcome, rows } from '../output.ts';
import { readPassphraseFile } from '../passphrase.ts';

export interface SealKeySpec {
  readonly group: 'appliance' | 'vendor';
  /** The option naming the directory: --data or --vendor. */
  readonly dirOption: 'data' | 'vendor';
  /** "data directory", "vendor directory". */
  readonly what: string;
  readonly keyFiles: (dir: string) => Promise<string[]>;
}

/**
 * An init command that warns when it wrote the keys unsealed (no passphrase was set): a line on
 * stderr, and `warnings` in its JSON. Not refused: demos and tests run without a passphrase.
 */
export function warnWhenUnsealed(
  init: Command,
  sealCommand: (args: ParsedArgs) => string,
): Command {
  return {
    ...init,
    async run(args, ctx) {
      const result = await init.run(args, ctx);
      if (ctx.passphrase !== undefined) return result;
      const warning = `The private keys were written unsealed: whoever can read them (a backup, a copied disk) can sign with them. To seal them, write a passphrase into a file only you can read (chmod 600), set AIRLOCK_PASSPHRASE_FILE to that file and run \`${sealCommand(args)}\`.`;
      if (!args.json) ctx.warn(`warning: ${warning}`);
      return { ...result, data: { ...result.data, warnings: [warning] } };
    },
  };
}

/** Opens the key with the current passphrase, or returns it when it is sealed with the new one. */
async function sealedWithNew(
  path: string,
  current: string | undefined,
  next: string,
): Promise<KeyFile | undefined> {
  try {
    await readKeyFile(path, current === undefined ? {} : { passphrase: current });
    return undefined;
  } catch (error) {
    if (!isAirlockError(error) || error.code !== 'PASSPHRASE_WRONG' || current === next)
      throw error;
    return readKeyFile(path, { passphrase: next }); // an interrupted earlier run sealed it already
  }
}

export function sealKeyCommand(spec: SealKeySpec): Command {
  const option = `--${spec.dirOption}`;
  return {
    group: spec.group,
    name: 'seal-key',
    summary: 'seal the private keys with a passphrase, or seal them again under a new one',
    usage: `${option} DIR [--new-passphrase-file FILE]`,
    help: [
      `Seals every private key of the ${spec.what} (scrypt and AES-256-GCM) with the passphrase of`,
      'AIRLOCK_PASSPHRASE_FILE (or AIRLOCK_PASSPHRASE). Keys sealed already are opened with that',
      'passphrase and sealed again under the one in --new-passphrase-file: what to do when the',
      'passphrase leaked. Each key file is replaced atomically; the keys themselves do not change.',
      'Every key is opened before any is rewritten, and running it again after an interruption',
      'finishes the work.',
    ].join('\n'),
    options: {
      [spec.dirOption]: { type: 'string', value: 'DIR', help: `the ${spec.what}` },
      'new-passphrase-file': {
        type: 'string',
        value: 'FILE',
        help: 'the new passphrase (a file only you can read), to change it',
      },
    },
    required: [spec.dirOption],
    async run(args, ctx) {
      const dir = args.required(spec.dirOption);
      const newFile = args.string('new-passphrase-file');
      const next =
        newFile === undefined
          ? ctx.passphrase
          : await readPassphraseFile(newFile, '--new-passphrase-file');
      if (next === undefined) {
        throw new AirlockError(
          'USAGE',
          'Set AIRLOCK_PASSPHRASE_FILE (or AIRLOCK_PASSPHRASE) to the passphrase to seal the keys with; to change the passphrase of sealed keys, give the new one with --new-passphrase-file FILE.',
        );
      }
      const files = await spec.keyFiles(dir);
      if (files.length === 0) {
        throw new AirlockError(
          'FILE_NOT_FOUND',
          `${dir} holds no private keys: is it a ${spec.what}?`,
        );
      }
      // Every key opened first: a wrong passphrase rewrites nothing.
      const done = new Map<string, KeyFile | undefined>();
      for (const path of files) done.set(path, await sealedWithNew(path, ctx.passphrase, next));
      const sealed: { path: string; keyId: string; outcome: ResealOutcome }[] = [];
      for (const path of files) {
        const already = done.get(path);
        const { outcome: result, key } =
          already === undefined
            ? await resealKeyFile(path, { passphrase: ctx.passphrase, newPassphrase: next })
            : { outcome: 'unchanged' as const, key: already };
        sealed.push({ path, keyId: formatId('key', key.keyId), outcome: result });
      }
      return outcome({ dir, keys: sealed }, [
        `Every private key of ${dir} is sealed${newFile === undefined ? '' : ' under the new passphrase'}:`,
        ...rows(sealed.map((k) => [k.path, `${k.keyId} ${k.outcome}`])),
        newFile === undefined
          ? 'Keep the passphrase where AIRLOCK_PASSPHRASE_FILE points; every command that signs needs it.'
          : `From now on, set AIRLOCK_PASSPHRASE_FILE=${newFile}.`,
      ]);
    },
  };
}
