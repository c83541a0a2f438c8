// The systemd unit that runs `airlock serve` as a sandboxed service (docs/INSTALL.md): its own
// user, a read-only system but for the data directory, no capabilities, a system-call filter.
// Pure: install paths in, the unit's text out (packaging/airlock.service is it for the standard
// layout).

import type { InstallLayout } from './layout.ts';

export interface UnitOptions {
  readonly layout: InstallLayout;
  /** The port `airlock serve` listens on: below 1024 it needs CAP_NET_BIND_SERVICE. */
  readonly port: number;
}

/** The file name systemd knows the service by: `systemctl status airlock`. */
export const SERVICE_NAME = 'airlock.service';

export function systemdUnit({ layout, port }: UnitOptions): string {
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) {
    throw new TypeError('port must be a whole number from 0 to 65535');
  }
  const privileged = port > 0 && port < 1024;
  return [
    `# ${layout.unitFile}: Airlock, the offline license activation appliance.`,
    '# Written by `airlock appliance install`, which rewrites it when it differs: keep local',
    '# changes in a drop-in (systemctl edit airlock).',
    '',
    '[Unit]',
    'Description=Airlock offline license activation appliance',
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `User=${layout.user}`,
    `Group=${layout.user}`,
    // airlock refuses a passphrase file that another user owns or others can read. systemd's
    // LoadCredential= copies are owned by root with an ACL for the service's user where the file
    // system has ACLs, so the service reads the file itself: owned by the user, mode 0600.
    `Environment=AIRLOCK_PASSPHRASE_FILE=${layout.passphraseFile}`,
    `ExecStart=${layout.binary} serve --data ${layout.dataDir} --config ${layout.configFile}`,
    'Restart=on-failure',
    'RestartSec=5s',
    'UMask=0077',
    '',
    '# Sandbox: everything read-only but the data directory, no devices, no home directories.',
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    `ReadWritePaths=${layout.dataDir}`,
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'ProtectClock=yes',
    'ProtectHostname=yes',
    'ProtectProc=invisible',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    'RestrictNamespaces=yes',
    'RestrictRealtime=yes',
    'RestrictSUIDSGID=yes',
    'RemoveIPC=yes',
    'LockPersonality=yes',
    '# MemoryDenyWriteExecute= is deliberately not set: the V8 JavaScript engine in the binary',
    '# compiles code at run time into memory that is writable and executable, which it forbids.',
    ...(privileged
      ? [
          `# Port ${port} is below 1024: binding it is the one capability the service keeps.`,
          'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
          'AmbientCapabilities=CAP_NET_BIND_SERVICE',
        ]
      : ['CapabilityBoundingSet=']),
    'SystemCallArchitectures=native',
    'SystemCallFilter=@system-service',
    '# A call outside the filter fails with EPERM instead of killing the process, so that what the',
    '# runtime only probes for (V8 may ask for memory protection keys: pkey_alloc) falls back.',
    'SystemCallErrorNumber=EPERM',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
