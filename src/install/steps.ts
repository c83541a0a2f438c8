// The steps of an installation plan (`airlock appliance install | uninstall`): what the planner
// decides and the applier carries out, and how each reads for a person and in JSON. Paths are
// the host's (/usr/local/bin/airlock); under --root the applier puts them below that directory.

export type Step =
  | { readonly kind: 'create-user'; readonly user: string; readonly home: string }
  | { readonly kind: 'make-dir'; readonly path: string; readonly mode: number }
  | { readonly kind: 'set-mode'; readonly path: string; readonly mode: number }
  | {
      readonly kind: 'set-owner';
      readonly path: string;
      readonly user: string;
      /** The directory and everything in it. */
      readonly recursive: boolean;
    }
  | {
      readonly kind: 'write-file';
      readonly path: string;
      readonly mode: number;
      readonly text: string;
      /** What the file is, for people: "the settings of airlock serve". */
      readonly what: string;
      /** Its text is never shown (the passphrase). */
      readonly secret: boolean;
      readonly replaces: boolean;
    }
  | {
      readonly kind: 'copy-binary';
      /** The file copied: a path of this machine, never below --root. */
      readonly source: string;
      readonly path: string;
      readonly replaces: boolean;
    }
  | { readonly kind: 'init-data'; readonly dir: string; readonly passphraseFile: string }
  | {
      readonly kind: 'remove';
      readonly path: string;
      readonly what: string;
      readonly recursive: boolean;
    }
  | { readonly kind: 'daemon-reload' };

export const octal = (mode: number) => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;

/** One line saying what the step does. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'create-user':
      return `create the system user ${step.user} (home ${step.home}, no login shell)`;
    case 'make-dir':
      return `create the directory ${step.path} (${octal(step.mode)})`;
    case 'set-mode':
      return `set the mode of ${step.path} to ${octal(step.mode)}`;
    case 'set-owner':
      return `give ${step.path}${step.recursive ? ' and everything in it' : ''} to the user ${step.user}`;
    case 'write-file':
      return `${step.replaces ? 'replace' : 'write'} ${step.path} (${octal(step.mode)}): ${step.what}`;
    case 'copy-binary':
      return `${step.replaces ? 'replace' : 'copy'} ${step.path} (0755) with ${step.source}`;
    case 'init-data':
      return `initialise the data directory ${step.dir} (airlock appliance init, keys sealed with ${step.passphraseFile})`;
    case 'remove':
      return `remove ${step.path}${step.recursive ? ' and everything in it' : ''}: ${step.what}`;
    case 'daemon-reload':
      return 'reload the service units (systemctl daemon-reload)';
  }
}

/** The step as JSON: modes in octal, a file's text only when it is not secret. */
export function stepJson(step: Step): Record<string, unknown> {
  const json: Record<string, unknown> = { ...step, description: describeStep(step) };
  if ('mode' in step) json['mode'] = octal(step.mode);
  if (step.kind === 'write-file' && step.secret) delete json['text'];
  return json;
}
