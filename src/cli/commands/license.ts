// `airlock license …`: issue license keys with the vendor root key, and explain a key's fields.

import type { CommandGroup } from '../command.ts';
import { inspect } from './license-inspect.ts';
import { issue } from './license-issue.ts';

export const licenseCommands: CommandGroup = {
  name: 'license',
  title: 'License keys (vendor)',
  commands: [issue, inspect],
};
