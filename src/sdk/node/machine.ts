// Reads this machine's identity components (docs/FORMATS.md §5) from Linux: machine-id, DMI
// product UUID, permanent MAC addresses, hostname; or one explicit ID from AIRLOCK_MACHINE_ID.

import { closeSync, openSync, readdirSync, readSync, realpathSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, sep } from 'node:path';
import { AirlockError } from '../../core/errors.ts';
import { explicitComponents, type MachineComponents } from '../../core/fingerprint.ts';

const MAX_MACHINE_ID_LENGTH = 256;
/** Every file read here is a one-line value; sysfs files report a size of 4096 whatever they hold. */
const MAX_READ_BYTES = 4096;

/**
 * The components the fingerprint and the activation store are bound to. `root` is the file system
 * root to read from (tests point it at a fake tree); the hostname is read only for the real root.
 * A component that cannot be read is left out: this never throws for a missing one.
 */
export function readMachineComponents(env: NodeJS.ProcessEnv, root = '/'): MachineComponents {
  const explicit = env['AIRLOCK_MACHINE_ID'];
  if (explicit !== undefined) {
    if (explicit === '' || explicit.length > MAX_MACHINE_ID_LENGTH || /\p{Cc}/u.test(explicit)) {
      throw new AirlockError(
        'FORMAT_INVALID',
        `AIRLOCK_MACHINE_ID must be 1 to ${MAX_MACHINE_ID_LENGTH} characters without control characters; unset it to use this machine's own identity.`,
      );
    }
    return explicitComponents(explicit);
  }
  const components: MachineComponents = {};
  const machineId = readMachineId(root);
  if (machineId !== undefined) components['machine-id'] = machineId;
  const productUuid = readProductUuid(root);
  if (productUuid !== undefined) components['product-uuid'] = productUuid;
  const macs = readPermanentMacs(root);
  if (macs !== undefined) components.mac = macs;
  if (root === '/') {
    const name = hostname().trim().toLowerCase();
    if (name !== '') components.hostname = name;
  }
  return components;
}

/** A small file's content, trimmed; undefined when it cannot be read or is empty. */
function readValue(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const buffer = Buffer.alloc(MAX_READ_BYTES);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const value = buffer.toString('utf8', 0, length).trim();
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function readMachineId(root: string): string | undefined {
  // systemd writes "uninitialized" until first boot completes (machine-id(5)).
  for (const path of ['etc/machine-id', 'var/lib/dbus/machine-id']) {
    const value = readValue(join(root, path))?.toLowerCase();
    if (value !== undefined && value !== 'uninitialized') return value;
  }
  return undefined;
}

function readProductUuid(root: string): string | undefined {
  // Usually readable by root only. Some firmware ships placeholder UUIDs: all 0 or all F.
  const value = readValue(join(root, 'sys/class/dmi/id/product_uuid'))?.toLowerCase();
  if (value === undefined || /^[0-]*$/.test(value) || /^[f-]*$/.test(value)) return undefined;
  return value;
}

const MAC_PATTERN = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/;

/**
 * Sorted, comma-joined permanent MAC addresses of physical interfaces. Left out: virtual devices
 * (bridges, veth, tun, docker), addresses not assigned by the hardware (addr_assign_type != 0:
 * random, stolen or set by the user), and all-zero, group or locally administered addresses.
 */
function readPermanentMacs(root: string): string | undefined {
  const netDir = join(root, 'sys/class/net');
  let names: string[];
  let virtualDir: string;
  try {
    names = readdirSync(netDir);
    virtualDir = realpathSync(join(root, 'sys')) + sep + join('devices', 'virtual') + sep;
  } catch {
    return undefined;
  }
  const macs = new Set<string>();
  for (const name of names) {
    const dir = join(netDir, name);
    try {
      if ((realpathSync(dir) + sep).startsWith(virtualDir)) continue;
    } catch {
      continue;
    }
    const assignType = readValue(join(dir, 'addr_assign_type'));
    if (assignType !== undefined && assignType !== '0') continue;
    const mac = readValue(join(dir, 'address'))?.toLowerCase();
    if (mac === undefined || !MAC_PATTERN.test(mac) || mac === '00:00:00:00:00:00') continue;
    const firstOctet = parseInt(mac.slice(0, 2), 16);
    if ((firstOctet & 0x02) !== 0 || (firstOctet & 0x01) !== 0) continue;
    macs.add(mac);
  }
  return macs.size === 0 ? undefined : [...macs].sort().join(',');
}
