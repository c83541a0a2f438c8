// `airlock license …`: issue license keys with the vendor root key and explain a key's fields
// (vendor); add, create, redeem, list and show the licenses an appliance holds (site).

import type { CommandGroup } from '../command.ts';
import { inspect } from './license-inspect.ts';
import { issue } from './license-issue.ts';
import { add, create, listLicenses, redeem, show } from './license-site.ts';

export const licenseCommands: CommandGroup = {
  name: 'license',
  title: 'Licenses: issue keys (vendor), hold them on an appliance (site)',
  commands: [issue, inspect, add, create, redeem, listLicenses, show],
};
