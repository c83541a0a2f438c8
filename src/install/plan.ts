// What `airlock appliance install` and `uninstall` must do, decided from the facts gathered on
// the host (what exists already, with which mode and owner): a list of steps, empty when the
// installation is already as laid out. Pure: the facts and a new passphrase come in, the steps
// go out; src/install/apply.ts carries them out.

import { dirname } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { INSTALL_PORT, type InstallLayout, initialSettings } from './layout.ts';
import type { Step } from './steps.ts';
import { systemdUnit } from './systemd-unit.ts';

/** A path that exists. */
export interface PathFact {
  readonly type: 'file' | 'directory' | 'other';
  readonly mode: number;
  /** Owned by the service user (under --root owners are not managed: always true). */
  readonly ownedByUser: boolean;
}

export interface HostFacts {
  /** --root was given: files below a staging directory; no user, no owners, no systemctl. */
  readonly prefixed: boolean;
  readonly isRoot: boolean;
  /** The host runs systemd (it has /run/systemd/system). */
  readonly systemd: boolean;
  readonly userExists: boolean;
  /** systemctl says the service runs. */
  readonly serviceActive: boolean;
  /** The paths of the layout (and their directories) that exist, by host path. */
  readonly paths: ReadonlyMap<string, PathFact>;
  /** The unit file's text, when there is one. */
  readonly unitText: string | undefined;
}

export interface InstallFacts extends HostFacts {
  /** The binary to install (a path of this machine) and its SHA-256. */
  readonly source: { readonly path: string; readonly digest: string };
  /** SHA-256 of the installed binary, when there is one. */
  readonly installedDigest: string | undefined;
  /** The settings file's port and tls_hosts, when there is a settings file. */
  readonly settings: { readonly port: number; readonly tlsHosts: readonly string[] } | undefined;
  /** What the data directory holds, when it exists: nothing, an appliance, or something else. */
  readonly dataContent: 'empty' | 'appliance' | 'other' | undefined;
}

export interface InstallRequest {
  readonly layout: InstallLayout;
  /** Make the passphrase and initialise an empty data directory (not for a package's tree). */
  readonly init: boolean;
  /** --tls-hosts, for a new settings file. */
  readonly tlsHosts: readonly string[];
  /** The passphrase written when there is no passphrase file yet (randomness from the caller). */
  readonly newPassphrase: string;
}

export interface UninstallRequest {
  readonly layout: InstallLayout;
  /** Also remove the settings, the passphrase and the data directory. */
  readonly purge: boolean;
  /** --yes: the purge is meant. */
  readonly yes: boolean;
}

const DIR_MODE = 0o755;
const DATA_MODE = 0o700;
const PRIVATE_MODE = 0o600;

function requireRoot(facts: HostFacts, command: 'install' | 'uninstall'): void {
  if (facts.prefixed || facts.isRoot) return;
  throw new AirlockError(
    'ROOT_REQUIRED',
    `airlock appliance ${command} changes the system (a system user, files in /usr/local, /etc and /var, systemctl): run it as root (sudo), or give --root DIR to lay the files out below a directory.`,
  );
}

/** The steps that make the host's installation the standard one; none when it already is. */
export function planInstall(facts: InstallFacts, request: InstallRequest): Step[] {
  requireRoot(facts, 'install');
  const { layout } = request;
  const at = (path: string) => facts.paths.get(path);
  const owners = !facts.prefixed;
  const steps: Step[] = [];
  const makeDir = (path: string, mode = DIR_MODE) => {
    if (at(path) === undefined) steps.push({ kind: 'make-dir', path, mode });
  };

  if (owners && !facts.userExists) {
    steps.push({ kind: 'create-user', user: layout.user, home: layout.dataDir });
  }

  makeDir(dirname(layout.binary));
  if (facts.installedDigest !== facts.source.digest) {
    steps.push({
      kind: 'copy-binary',
      source: facts.source.path,
      path: layout.binary,
      replaces: at(layout.binary) !== undefined,
    });
  }

  makeDir(layout.configDir);
  if (at(layout.configFile) === undefined) {
    steps.push({
      kind: 'write-file',
      path: layout.configFile,
      mode: 0o644,
      text: initialSettings(request.tlsHosts),
      what: 'the settings of airlock serve',
      secret: false,
      replaces: false,
    });
  }

  const passphrase = at(layout.passphraseFile);
  if (request.init) {
    if (passphrase === undefined) {
      steps.push({
        kind: 'write-file',
        path: layout.passphraseFile,
        mode: PRIVATE_MODE,
        text: `${request.newPassphrase}\n`,
        what: "a new passphrase that seals the appliance's keys",
        secret: true,
        replaces: false,
      });
    } else if ((passphrase.mode & 0o077) !== 0) {
      steps.push({ kind: 'set-mode', path: layout.passphraseFile, mode: PRIVATE_MODE });
    }
  }

  const data = at(layout.dataDir);
  if (data !== undefined && data.type !== 'directory') {
    throw new AirlockError(
      'FILE_EXISTS',
      `${layout.dataDir} exists and is not a directory: move it away, then install again.`,
      { path: layout.dataDir },
    );
  }
  makeDir(layout.dataDir, DATA_MODE);
  if (data !== undefined && (data.mode & 0o777) !== DATA_MODE) {
    steps.push({ kind: 'set-mode', path: layout.dataDir, mode: DATA_MODE });
  }
  const initialise = request.init && facts.dataContent !== 'appliance';
  if (initialise && facts.dataContent === 'other') {
    throw new AirlockError(
      'FILE_EXISTS',
      `${layout.dataDir} holds files but no appliance (an interrupted airlock appliance init?): move them away and install again, or give --no-init and initialise it yourself.`,
      { path: layout.dataDir },
    );
  }
  if (initialise) {
    steps.push({ kind: 'init-data', dir: layout.dataDir, passphraseFile: layout.passphraseFile });
  }

  if (owners) {
    if (request.init && (passphrase === undefined || !passphrase.ownedByUser)) {
      steps.push({
        kind: 'set-owner',
        path: layout.passphraseFile,
        user: layout.user,
        recursive: false,
      });
    }
    if (initialise || data === undefined || !data.ownedByUser) {
      steps.push({ kind: 'set-owner', path: layout.dataDir, user: layout.user, recursive: true });
    }
  }

  const unit = systemdUnit({ layout, port: facts.settings?.port ?? INSTALL_PORT });
  makeDir(dirname(layout.unitFile));
  if (facts.unitText !== unit) {
    steps.push({
      kind: 'write-file',
      path: layout.unitFile,
      mode: 0o644,
      text: unit,
      what: 'the service unit',
      secret: false,
      replaces: facts.unitText !== undefined,
    });
    if (owners && facts.systemd) steps.push({ kind: 'daemon-reload' });
  }
  return steps;
}

/** The steps that remove the binary and the unit, and with a purge the settings and the data. */
export function planUninstall(facts: HostFacts, request: UninstallRequest): Step[] {
  requireRoot(facts, 'uninstall');
  const { layout } = request;
  if (request.purge && !request.yes) {
    throw new AirlockError(
      'USAGE',
      `--purge deletes the data directory ${layout.dataDir} (the appliance's keys, its ledger of activations) and ${layout.configDir}, which no command can bring back: add --yes when that is meant.`,
    );
  }
  if (!facts.prefixed && facts.serviceActive) {
    throw new AirlockError(
      'SERVICE_ACTIVE',
      'The airlock service is running: stop and disable it first (systemctl disable --now airlock), then uninstall.',
    );
  }
  const exists = (path: string) => facts.paths.has(path);
  const steps: Step[] = [];
  if (exists(layout.unitFile)) {
    steps.push({
      kind: 'remove',
      path: layout.unitFile,
      what: 'the service unit',
      recursive: false,
    });
  }
  if (exists(layout.binary)) {
    steps.push({ kind: 'remove', path: layout.binary, what: 'the binary', recursive: false });
  }
  if (request.purge) {
    if (exists(layout.configDir)) {
      steps.push({
        kind: 'remove',
        path: layout.configDir,
        what: 'the settings and the passphrase',
        recursive: true,
      });
    }
    if (exists(layout.dataDir)) {
      steps.push({
        kind: 'remove',
        path: layout.dataDir,
        what: "the appliance's keys and ledger",
        recursive: true,
      });
    }
  }
  if (!facts.prefixed && facts.systemd && exists(layout.unitFile)) {
    steps.push({ kind: 'daemon-reload' });
  }
  return steps;
}
