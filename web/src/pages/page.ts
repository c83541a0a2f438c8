// What a console page is: its title, who may see it, and how it draws itself into <main>. A page
// may return a function the router calls when leaving it (to stop the camera).

import type { Access } from '../session.ts';

export interface Page {
  readonly title: string;
  readonly access: Access;
  render(main: HTMLElement, params: Readonly<Record<string, string>>): (() => void) | void;
}
