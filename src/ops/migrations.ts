// The data directory's migrations, one per format step, each pure: facts about the old layout in,
// the steps that make the new layout out. Every step before the last leaves a directory the old
// format still describes; the last rewrites appliance.json with the new format (one atomic
// rename), so a crash at any point leaves the old format or the new one, never half of each.

import { DATA_FORMAT, SETTINGS_FORMAT } from '../appliance/data-format.ts';

/** What a migration looks at, gathered by src/ops/upgrade.ts. Paths are relative to DATA. */
export interface DataFacts {
  /** appliance.json as parsed. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Every folder, the data directory itself as "". */
  readonly directories: readonly { readonly path: string; readonly mode: number }[];
  /** Temp files of interrupted writes, stale-lock leftovers, write probes. */
  readonly leftovers: readonly string[];
  readonly tlsCertificate: boolean;
  /** `tls_cert`/`tls_key` name certificate files outside the data directory. */
  readonly tlsConfigured: boolean;
  /** Host names a certificate made now is for (`tls_hosts`). */
  readonly tlsHosts: readonly string[];
  /** appliance.next.cert certifies the appliance key, and appliance.cert does not. */
  readonly rotatedCertificatePending: boolean;
  /** Whether trust.json carries the appliance's certificate; null when it has none yet. */
  readonly certificatePublished: boolean | null;
}

export type Step =
  | { readonly kind: 'chmod'; readonly path: string; readonly mode: number; readonly why: string }
  | { readonly kind: 'remove'; readonly path: string; readonly why: string }
  | { readonly kind: 'rename'; readonly from: string; readonly to: string; readonly why: string }
  | { readonly kind: 'publish-certificate'; readonly why: string }
  | { readonly kind: 'tls-certificate'; readonly hosts: readonly string[]; readonly why: string }
  | {
      readonly kind: 'settings';
      readonly settings: Readonly<Record<string, unknown>>;
      readonly why: string;
    };

export interface Migration {
  readonly from: number;
  readonly to: number;
  readonly summary: string;
  plan(facts: DataFacts, airlockVersion: string): Step[];
}

/** The settings' own fields, without the marker's. */
function rest(settings: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const { format: _format, dataFormat: _dataFormat, airlockVersion: _version, ...own } = settings;
  return own;
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/**
 * Format 1 (no marker) → 2. What the code before it left to chance or handled on every start:
 * folders created with the process's umask (the journal's 0755, a data directory made by hand),
 * temp files of interrupted writes and stale-lock leftovers that nothing removed, a certificate a
 * cut-short key rotation left in appliance.next.cert (moved into place at each start), a trust.json
 * without the appliance's certificate (written there since), and a data directory from before
 * HTTPS without its TLS certificate (made at the first `serve`). Format 2 has private folders,
 * none of the leftovers, its certificates in place, and the marker.
 */
export const formatOneToTwo: Migration = {
  from: 1,
  to: 2,
  summary: 'private folders, no leftovers of interrupted writes, certificates in place, the marker',
  plan(facts, airlockVersion) {
    const steps: Step[] = [];
    for (const dir of facts.directories) {
      if ((dir.mode & 0o077) !== 0) {
        steps.push({
          kind: 'chmod',
          path: dir.path,
          mode: 0o700,
          why: `${dir.path === '' ? 'the data directory' : dir.path} was ${octal(dir.mode)}: only its owner may enter it`,
        });
      }
    }
    for (const path of facts.leftovers) {
      steps.push({ kind: 'remove', path, why: 'left behind by an interrupted write or lock' });
    }
    if (facts.rotatedCertificatePending) {
      steps.push({
        kind: 'rename',
        from: 'appliance.next.cert',
        to: 'appliance.cert',
        why: 'the certificate of the rotated-in key, left aside by an interrupted rotation',
      });
    }
    if (facts.certificatePublished === false) {
      steps.push({
        kind: 'publish-certificate',
        why: "trust.json, the file the site's machines are given, now carries the appliance's certificate, so a first activation's short typed response verifies",
      });
    }
    if (!facts.tlsCertificate && !facts.tlsConfigured) {
      steps.push({
        kind: 'tls-certificate',
        hosts: facts.tlsHosts,
        why: 'the data directory predates HTTPS: its self-signed certificate is made now, not at the next start',
      });
    }
    steps.push({
      kind: 'settings',
      settings: { format: SETTINGS_FORMAT, dataFormat: 2, airlockVersion, ...rest(facts.settings) },
      why: 'appliance.json records data format 2 (airlock versions before it refuse the directory)',
    });
    return steps;
  },
};

export const MIGRATIONS: readonly Migration[] = [formatOneToTwo];

/** The migrations from `format` to `to`, in order; a TypeError when the list has a gap (a bug). */
export function migrationsFrom(format: number, to = DATA_FORMAT): Migration[] {
  const path: Migration[] = [];
  for (let at = format; at < to;) {
    const next = MIGRATIONS.find((m) => m.from === at);
    if (next === undefined) throw new TypeError(`no migration from data format ${at}`);
    path.push(next);
    at = next.to;
  }
  return path;
}
