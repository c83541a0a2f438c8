// Building the console's DOM from data: elements are made with properties and text nodes, never from
// HTML strings, so nothing a code, a license or an error message contains can become markup.

type Child = Node | string | number | null | undefined | false;
type Props = Record<string, string | number | boolean | EventListener | null | undefined>;

/** An element: `on…` properties become listeners, booleans toggle attributes, the rest are attributes. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent`. */
export function replace(parent: Node, ...children: (Child | Child[])[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}

/** An alert box; role=alert for errors so a screen reader announces them at once. */
export function alertBox(kind: 'error' | 'ok' | 'warn', ...children: Child[]): HTMLElement {
  return h(
    'div',
    { class: `alert ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    children,
  );
}

/** A definition list of facts, skipping those without a value. */
export function facts(rows: readonly (readonly [string, Child])[]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    rows
      .filter(([, value]) => value !== null && value !== undefined && value !== false)
      .flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );
}

/** A data table with a caption (for screen readers) and one header row. */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly Child[])[],
): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { class: 'skip' }, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((title) => h('th', { scope: 'col' }, title)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((cells) =>
          h(
            'tr',
            {},
            cells.map((cell) => h('td', {}, cell)),
          ),
        ),
      ),
    ),
  );
}

/** A code for reading and copying: breaks only after a dash, never inside a group. */
export function codeText(text: string, props: Props = {}): HTMLElement {
  const parts = text.split('-');
  return h(
    'p',
    { class: 'code-text', ...props },
    parts.flatMap((part, i) => (i === parts.length - 1 ? [part] : [part, '-', h('wbr')])),
  );
}
