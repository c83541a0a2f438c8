// Activations: every machine's activation on this appliance, filtered by license, status and date,
// newest first, a page at a time; an active one can be revoked from here.

import { getJson } from '../api.ts';
import { alertBox, h, replace } from '../dom.ts';
import { describeError } from '../errors.ts';
import { type Activation, activationTable } from './licenses.ts';
import type { Page } from './page.ts';

const PAGE_SIZE = 50;

export const activationsPage: Page = {
  title: 'Activations',
  access: 'audit',
  render(main) {
    const license = h('input', {
      id: 'filter-license',
      type: 'text',
      maxlength: 64,
      placeholder: 'lic_…',
      size: 22,
    });
    const status = h(
      'select',
      { id: 'filter-status' },
      h('option', { value: '' }, 'any'),
      h('option', { value: 'active' }, 'active'),
      h('option', { value: 'deactivated' }, 'deactivated'),
      h('option', { value: 'revoked' }, 'revoked'),
    );
    const from = h('input', { id: 'filter-from', type: 'date' });
    const to = h('input', { id: 'filter-to', type: 'date' });
    const results = h('div', { 'aria-live': 'polite' });
    const more = h('button', { type: 'button', class: 'secondary' }, 'Show more');
    let rows: Activation[] = [];
    let cursor: string | null = null;

    function query(): string {
      const q = new URLSearchParams({ order: 'newest', limit: String(PAGE_SIZE) });
      if (license.value.trim() !== '') q.set('licenseId', license.value.trim());
      if (status.value !== '') q.set('status', status.value);
      if (from.value !== '') q.set('from', from.value);
      if (to.value !== '') q.set('to', to.value);
      if (cursor !== null) q.set('cursor', cursor);
      return q.toString();
    }

    async function load(append: boolean): Promise<void> {
      if (!append) {
        rows = [];
        cursor = null;
      }
      try {
        const page = await getJson<{ activations: Activation[]; nextCursor: string | null }>(
          `/activations?${query()}`,
        );
        rows = [...rows, ...page.activations];
        cursor = page.nextCursor;
        replace(
          results,
          rows.length === 0
            ? h('p', { class: 'muted' }, 'No activation matches these filters.')
            : activationTable(rows, () => void load(false), true),
          h(
            'p',
            { class: 'muted' },
            `${rows.length} shown${cursor === null ? '' : ', more match'}.`,
          ),
          cursor === null ? null : more,
        );
      } catch (error) {
        replace(results, alertBox('error', describeError(error)));
      }
    }
    more.addEventListener('click', () => void load(true));

    const form = h(
      'form',
      { class: 'row panel', 'aria-label': 'Filter activations' },
      h('div', {}, h('label', { for: license.id }, 'License'), license),
      h('div', {}, h('label', { for: status.id }, 'Status'), status),
      h('div', {}, h('label', { for: from.id }, 'Activated from'), from),
      h('div', {}, h('label', { for: to.id }, 'to'), to),
      h('button', { type: 'submit' }, 'Filter'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void load(false);
    });
    status.addEventListener('change', () => void load(false));

    replace(main, h('h1', {}, 'Activations'), form, results);
    void load(false);
  },
};
