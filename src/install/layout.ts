// The standard installation of Airlock on a Linux host (docs/INSTALL.md): where the binary, the
// settings, the passphrase, the data directory and the service unit go, the system user that
// runs the service, and the settings file written on the first install.

export interface InstallLayout {
  /** The single binary. */
  readonly binary: string;
  /** Settings and the passphrase; root's, readable by all but the passphrase. */
  readonly configDir: string;
  /** `airlock serve --config`: the TOML settings (docs/CONFIG.md). */
  readonly configFile: string;
  /** AIRLOCK_PASSPHRASE_FILE of the service: seals the appliance's keys (docs/KEYS.md). */
  readonly passphraseFile: string;
  /** The appliance's data directory, the only path the service may write. */
  readonly dataDir: string;
  /** The systemd unit. */
  readonly unitFile: string;
  /** The system user that runs the service and owns the data directory. */
  readonly user: string;
}

export const STANDARD_LAYOUT: InstallLayout = {
  binary: '/usr/local/bin/airlock',
  configDir: '/etc/airlock',
  configFile: '/etc/airlock/airlock.toml',
  passphraseFile: '/etc/airlock/passphrase',
  dataDir: '/var/lib/airlock',
  unitFile: '/etc/systemd/system/airlock.service',
  user: 'airlock',
};

/** The port an installed appliance serves HTTPS on, as the container does. */
export const INSTALL_PORT = 8443;

/** The settings file of a new installation: every interface, HTTPS on INSTALL_PORT. */
export function initialSettings(tlsHosts: readonly string[]): string {
  const hosts =
    tlsHosts.length === 0
      ? '# tls_hosts = ["airlock.example.lan", "10.20.0.5"]'
      : `tls_hosts = [${tlsHosts.map((host) => JSON.stringify(host)).join(', ')}]`;
  return [
    '# The settings of `airlock serve` for the airlock service (docs/CONFIG.md lists them all).',
    '# Written once by `airlock appliance install`, which never changes it afterwards.',
    '# After a change: systemctl restart airlock (and airlock appliance install again when the',
    '# port goes below 1024, which the service unit must then allow).',
    'host = "0.0.0.0"',
    `port = ${INSTALL_PORT}`,
    '# Names and addresses the self-signed certificate is made for, besides localhost:',
    hosts,
    '',
  ].join('\n');
}
