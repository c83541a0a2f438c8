// The three ways a code reaches the console: the camera held to the machine's screen, a photo of it
// uploaded, or the code typed with each group checked as it is typed. Whichever way, the code is
// checked here first (its kind, its groups) and then handed to the page, which asks the appliance.

import { checkGroups, type GroupCheck } from '../../src/core/typed-code.ts';
import { classifyCode, type CodeKind } from '../../src/scan/classify.ts';
import { postBytes } from './api.ts';
import { cameraProblem, createCameraScanner } from './camera.ts';
import { alertBox, h, replace } from './dom.ts';
import { describeError } from './errors.ts';

export interface CodeEntryOptions {
  /** The kind of code wanted. */
  readonly kind: Extract<CodeKind, 'challenge' | 'deactivation'>;
  /** How the page names it: "challenge", "deactivation code". */
  readonly what: string;
  /** How many groups its typed form has. */
  readonly groups: number;
  /** The label of the typed form's button: "Answer", "Deactivate". */
  readonly submitLabel: string;
  /** Called with the code's text; the entry is disabled until it settles. */
  readonly onCode: (text: string) => Promise<void>;
}

export interface CodeEntry {
  readonly element: HTMLElement;
  /** Stops the camera (leaving the page). */
  stop(): void;
  /** Back to an empty entry, on the tab last used (the next machine). */
  reset(): void;
}

type Way = 'camera' | 'photo' | 'type';
const WAYS: readonly [Way, string][] = [
  ['camera', 'Camera'],
  ['photo', 'Photo'],
  ['type', 'Type the code'],
];

const KIND_NAMES: Readonly<Record<CodeKind, string>> = {
  challenge: 'a challenge',
  response: 'a response',
  deactivation: 'a deactivation code',
  license: 'a license key',
  'held-license': 'an appliance-held license key',
  certificate: 'an appliance certificate',
  unknown: 'not an Airlock code',
};

export function createCodeEntry(options: CodeEntryOptions): CodeEntry {
  const { what } = options;
  let way: Way = 'camera';
  let busy = false;

  const message = h('div', { class: 'entry-message', 'aria-live': 'polite' });
  const say = (node: HTMLElement | null) => replace(message, node);

  async function deliver(text: string): Promise<void> {
    busy = true;
    setDisabled(true);
    try {
      await options.onCode(text);
    } finally {
      busy = false;
      setDisabled(false);
    }
  }

  /** A scanned text of the wrong kind gets a sentence saying what it is instead. */
  function wrongKind(text: string): string | undefined {
    const kind = classifyCode(text);
    if (kind === options.kind) return undefined;
    return `That QR code is ${KIND_NAMES[kind]}, not ${KIND_NAMES[options.kind]}. Scan the ${what} the machine shows.`;
  }

  // --- Camera ---
  const video = h('video', { 'aria-label': `Camera view: hold the ${what} QR code in the frame` });
  const cameraSelect = h('select', { id: `${options.kind}-camera`, disabled: true });
  const cameraStatus = h('p', { class: 'hint', 'aria-live': 'polite' });
  const cameraButton = h('button', { type: 'button', class: 'secondary' }, 'Stop camera');
  const scanner = createCameraScanner({
    video,
    onText(text) {
      const problem = wrongKind(text);
      if (problem !== undefined) {
        cameraStatus.textContent = problem;
        return false;
      }
      cameraStatus.textContent = `Read the ${what}; the camera is paused. Start it again for the next machine.`;
      cameraButton.textContent = 'Start camera';
      void deliver(text.trim());
      return true;
    },
    onFrame(answer) {
      if (answer.text === null) {
        cameraStatus.textContent = `Looking for a QR code… (${Math.round(answer.ms)} ms a frame)`;
      }
    },
  });

  async function startCamera(deviceId?: string): Promise<void> {
    say(null);
    cameraStatus.textContent = 'Starting the camera…';
    try {
      await scanner.start(deviceId);
      cameraButton.textContent = 'Stop camera';
      cameraStatus.textContent = 'Looking for a QR code…';
      await listCameras();
    } catch (error) {
      cameraButton.textContent = 'Start camera';
      cameraStatus.textContent = '';
      say(alertBox('error', cameraProblem(error)));
    }
  }

  async function listCameras(): Promise<void> {
    const cameras = await scanner.cameras();
    replace(
      cameraSelect,
      cameras.map((camera, i) =>
        h(
          'option',
          { value: camera.deviceId, selected: camera.deviceId === scanner.deviceId },
          camera.label || `Camera ${i + 1}`,
        ),
      ),
    );
    cameraSelect.disabled = cameras.length < 2;
  }

  cameraSelect.addEventListener('change', () => void startCamera(cameraSelect.value));
  cameraButton.addEventListener('click', () => {
    if (scanner.running) {
      scanner.stop();
      cameraButton.textContent = 'Start camera';
      cameraStatus.textContent = 'The camera is off.';
    } else {
      void startCamera(cameraSelect.value || undefined);
    }
  });

  const cameraPanel = h(
    'div',
    {},
    h(
      'p',
      {},
      `Hold the ${what} QR code on the machine's screen up to the camera, inside the frame.`,
    ),
    h('div', { class: 'video-box' }, video, h('div', { class: 'aim', 'aria-hidden': 'true' })),
    cameraStatus,
    h(
      'div',
      { class: 'row' },
      h('div', {}, h('label', { for: cameraSelect.id }, 'Camera'), cameraSelect),
      cameraButton,
    ),
  );

  // --- Photo ---
  const photoInput = h('input', {
    type: 'file',
    id: `${options.kind}-photo`,
    accept: 'image/png,image/jpeg',
    capture: 'environment',
  });
  photoInput.addEventListener('change', () => {
    const file = photoInput.files?.[0];
    if (file !== undefined) void readPhoto(file);
  });

  async function readPhoto(file: File): Promise<void> {
    say(h('p', { class: 'hint' }, `Reading ${file.name}…`));
    setDisabled(true);
    try {
      const type = file.type === 'image/png' ? 'image/png' : 'image/jpeg';
      const { codes } = await postBytes<{ codes: { text: string; kind: CodeKind }[] }>(
        '/scan',
        file,
        type,
      );
      const wanted = codes.filter((c) => c.kind === options.kind);
      if (wanted.length === 1) {
        say(null);
        setDisabled(false);
        await deliver(wanted[0]!.text.trim());
      } else if (wanted.length > 1) {
        say(
          alertBox(
            'error',
            `This picture shows ${wanted.length} different codes of this kind; photograph only the one to use.`,
          ),
        );
      } else {
        say(alertBox('error', wrongKind(codes[0]!.text)!));
      }
    } catch (error) {
      say(alertBox('error', describeError(error)));
    } finally {
      photoInput.value = '';
      if (!busy) setDisabled(false);
    }
  }

  const photoPanel = h(
    'div',
    {},
    h(
      'p',
      {},
      `Take a photo of the ${what} QR code with a phone or tablet, or choose a screenshot. PNG or JPEG.`,
    ),
    h('label', { for: photoInput.id }, 'Photo of the code'),
    photoInput,
  );

  // --- Typed ---
  const typed = h('textarea', {
    id: `${options.kind}-typed`,
    rows: 3,
    spellcheck: 'false',
    autocomplete: 'off',
    autocapitalize: 'characters',
    'aria-describedby': `${options.kind}-typed-hint ${options.kind}-typed-check`,
  });
  const groupView = h('div', { class: 'groups', 'aria-hidden': 'true' });
  const typedCheck = h('p', { id: `${options.kind}-typed-check`, 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', disabled: true }, options.submitLabel);

  function showGroups(): GroupCheck[] {
    const groups = checkGroups(typed.value, options.groups);
    replace(
      groupView,
      groups.map((g, i) =>
        h(
          'span',
          {
            class: g.state === 'ok' || g.state === 'partial' ? g.state : 'bad',
            title: `group ${i + 1}`,
          },
          g.text,
        ),
      ),
    );
    const problem = typedProblem(groups, options.groups, what);
    typedCheck.textContent = problem ?? '';
    typedCheck.className = problem === undefined ? '' : 'alert warn';
    const complete = groups.length === options.groups && groups.every((g) => g.state === 'ok');
    submit.disabled = !complete || busy;
    if (complete) typedCheck.textContent = `All ${options.groups} groups check out.`;
    if (complete) typedCheck.className = 'muted';
    return groups;
  }
  typed.addEventListener('input', () => void showGroups());

  const typedForm = h(
    'form',
    {},
    h('label', { for: typed.id }, `The ${what}, as shown on the machine`),
    h(
      'p',
      { class: 'hint', id: `${options.kind}-typed-hint` },
      `${options.groups} groups of 9 characters; dashes and spaces are optional, and O, I and L are read as 0, 1 and 1.`,
    ),
    typed,
    groupView,
    typedCheck,
    submit,
  );
  typedForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const groups = showGroups();
    if (submit.disabled) return;
    void deliver(groups.map((g) => g.text).join('-'));
  });

  // --- Tabs ---
  const panels: Record<Way, HTMLElement> = {
    camera: cameraPanel,
    photo: photoPanel,
    type: typedForm,
  };
  const tabButtons = WAYS.map(([id, label]) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `${options.kind}-tab-${id}`,
        'aria-controls': `${options.kind}-panel`,
      },
      label,
    ),
  );
  const panelBox = h('div', { role: 'tabpanel', id: `${options.kind}-panel` });
  const tabList = h(
    'div',
    { class: 'tabs', role: 'tablist', 'aria-label': 'How to enter the code' },
    tabButtons,
  );

  function choose(next: Way, focus = false): void {
    way = next;
    tabButtons.forEach((button, i) => {
      const selected = WAYS[i]![0] === next;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    });
    panelBox.setAttribute('aria-labelledby', `${options.kind}-tab-${next}`);
    replace(panelBox, panels[next]);
    say(null);
    if (next === 'camera') void startCamera(cameraSelect.value || undefined);
    else scanner.stop();
    // A click on "Type the code" goes straight to the field; arrow keys keep focus on the tabs.
    if (next === 'type' && !focus) typed.focus();
  }
  tabButtons.forEach((button, i) => {
    button.addEventListener('click', () => choose(WAYS[i]![0]));
    // Arrow keys move between tabs, as in every tab list.
    button.addEventListener('keydown', (event) => {
      const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
      if (step === 0) return;
      event.preventDefault();
      choose(WAYS[(i + step + WAYS.length) % WAYS.length]![0], true);
    });
  });

  function setDisabled(disabled: boolean): void {
    photoInput.disabled = disabled;
    typed.disabled = disabled;
    if (disabled) submit.disabled = true;
    else showGroups();
  }

  const element = h('section', { class: 'panel no-print' }, tabList, panelBox, message);
  choose('camera');
  return {
    element,
    stop: () => scanner.stop(),
    reset() {
      typed.value = '';
      showGroups();
      choose(way);
    },
  };
}

/** The sentence under the typed code: the first group that is wrong, or too many groups. */
function typedProblem(
  groups: readonly GroupCheck[],
  expected: number,
  what: string,
): string | undefined {
  const bad = groups.findIndex((g) => g.state !== 'ok' && g.state !== 'partial');
  if (bad !== -1) {
    const g = groups[bad]!;
    const n = bad + 1;
    switch (g.state) {
      case 'mistyped':
        return `Group ${n} (${g.text}) looks mistyped: check it against the machine's screen.`;
      case 'too-long':
        return `Group ${n} has ${g.text.length} characters; every group has 9.`;
      default:
        return `Group ${n} contains a character that codes never use.`;
    }
  }
  if (groups.length > expected) {
    return `A ${what} has ${expected} groups; this has more.`;
  }
  const partial = groups.findIndex((g) => g.state === 'partial');
  if (partial !== -1 && partial < groups.length - 1) {
    return `Group ${partial + 1} is short: every group has 9 characters.`;
  }
  return undefined;
}
