// Writes packaging/airlock.service: the systemd unit `airlock appliance install` writes for the
// standard layout, for packagers and readers (test/packaging/systemd-unit.test.ts checks it).

import { writeFileSync } from 'node:fs';
import { INSTALL_PORT, STANDARD_LAYOUT } from '../src/install/layout.ts';
import { systemdUnit } from '../src/install/systemd-unit.ts';

const target = new URL('../packaging/airlock.service', import.meta.url);
writeFileSync(target, systemdUnit({ layout: STANDARD_LAYOUT, port: INSTALL_PORT }));
console.log(`wrote ${target.pathname}`);
