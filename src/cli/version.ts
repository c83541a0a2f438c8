// `airlock --version`: the version, the commit it was built from, when, and in which form it runs.

import { buildInfo } from '../node/build-info.ts';
import type { Outcome } from './output.ts';

const FORMS = { binary: 'single binary', bundle: 'bundle', source: 'from source' } as const;

export function versionOutcome(): Outcome {
  const info = buildInfo();
  const built = info.builtAt === undefined ? '' : `, built ${info.builtAt}`;
  return {
    data: { ...info, node: process.version },
    text: `airlock ${info.version} (commit ${info.commit}${built}; ${FORMS[info.form]}, Node.js ${process.version})\n`,
  };
}
