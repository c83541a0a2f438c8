// The console's entry point: sign-in, the navigation for the signed-in role, and a hash router
// (#/activate, #/licenses/lic_…) that draws one page at a time into <main>.

import { getJson, postJson } from './api.ts';
import { alertBox, h, replace } from './dom.ts';
import { accessPage, accountPage } from './pages/access.ts';
import { activatePage } from './pages/activate.ts';
import { type Alert, auditPage } from './pages/audit.ts';
import { activationsPage } from './pages/activations.ts';
import { deactivatePage } from './pages/deactivate.ts';
import { ledgerPage } from './pages/ledger.ts';
import { licensePage, licensesPage } from './pages/licenses.ts';
import type { Page } from './pages/page.ts';
import { renderSignIn } from './pages/sign-in.ts';
import { syncPage } from './pages/sync.ts';
import { session, type SessionInfo } from './session.ts';

interface RouteEntry {
  readonly pattern: RegExp;
  readonly page: Page;
  /** The navigation entry that is current on this route. */
  readonly nav: string;
}

const ROUTES: readonly RouteEntry[] = [
  { pattern: /^\/activate$/, page: activatePage, nav: '/activate' },
  { pattern: /^\/deactivate$/, page: deactivatePage, nav: '/deactivate' },
  { pattern: /^\/licenses$/, page: licensesPage, nav: '/licenses' },
  { pattern: /^\/licenses\/(?<id>[\w-]{1,64})$/, page: licensePage, nav: '/licenses' },
  { pattern: /^\/activations$/, page: activationsPage, nav: '/activations' },
  { pattern: /^\/sync$/, page: syncPage, nav: '/sync' },
  { pattern: /^\/ledger$/, page: ledgerPage, nav: '/ledger' },
  { pattern: /^\/audit$/, page: auditPage, nav: '/audit' },
  { pattern: /^\/access$/, page: accessPage, nav: '/access' },
  { pattern: /^\/account$/, page: accountPage, nav: '' },
];

const NAV: readonly [string, string, Page][] = [
  ['/activate', 'Activate', activatePage],
  ['/deactivate', 'Deactivate', deactivatePage],
  ['/licenses', 'Licenses', licensesPage],
  ['/activations', 'Activations', activationsPage],
  ['/sync', 'Sync', syncPage],
  ['/ledger', 'Ledger', ledgerPage],
  ['/audit', 'Audit', auditPage],
  ['/access', 'Access', accessPage],
];

/** What each role finds in the console, said when a page is closed to it. */
const ROLE_PAGES: Readonly<Record<SessionInfo['role'], string>> = {
  admin: '',
  operator: 'Operators activate and deactivate machines; ask an admin for anything else.',
  auditor: 'Auditors read licenses, activations, sync status and the ledger; they change nothing.',
};

const main = document.getElementById('main')!;
const nav = document.getElementById('nav')!;
const who = document.getElementById('who')!;
let leave: (() => void) | void;

function currentPath(): string {
  const path = location.hash.replace(/^#/, '');
  return path === '' || path === '/' ? '/activate' : path.split('?')[0]!;
}

function drawChrome(info: SessionInfo | null, current: string): void {
  replace(
    nav,
    info === null
      ? []
      : NAV.filter(([, , page]) => session.can(page.access)).map(([path, label]) =>
          h(
            'a',
            { href: `#${path}`, ...(path === current ? { 'aria-current': 'page' } : {}) },
            label,
          ),
        ),
  );
  replace(
    who,
    info === null
      ? []
      : [
          h(
            'span',
            {},
            `${info.role === 'admin' ? 'Admin' : 'Operator'} · ${info.appliance.applianceId}`,
          ),
          h('button', { type: 'button', onclick: signOut }, 'Sign out'),
        ],
  );
}

/** The number of alerts beside the Audit link, so admins and auditors see them on every page. */
async function showAlertCount(): Promise<void> {
  const link = nav.querySelector<HTMLAnchorElement>('a[href="#/audit"]');
  const { alerts } = await getJson<{ alerts: Alert[] }>('/alerts').catch(() => ({ alerts: [] }));
  if (link === null || alerts.length === 0) return;
  link.append(
    ' ',
    h('span', { class: 'badge stale', title: 'alerts since start-up' }, String(alerts.length)),
  );
}

function signOut(): void {
  // The appliance ends the session and clears its cookie; the page forgets it either way.
  postJson('/auth/sign-out', {})
    .catch(() => undefined)
    .finally(() => {
      session.end();
      location.hash = '#/activate';
      route(undefined);
    });
}

function route(notice?: string): void {
  if (typeof leave === 'function') leave();
  leave = undefined;
  const info = session.info();
  const path = currentPath();
  const entry = ROUTES.find((r) => r.pattern.test(path));
  drawChrome(info, entry?.nav ?? '');
  if (info === null) {
    renderSignIn(main, notice, () => route());
    return;
  }
  if (entry === undefined) {
    document.title = 'Not found · Airlock';
    replace(main, h('h1', {}, 'Not found'), h('p', {}, 'There is no such page in the console.'));
    return;
  }
  document.title = `${entry.page.title} · Airlock`;
  if (!session.can(entry.page.access)) {
    replace(
      main,
      h('h1', {}, entry.page.title),
      alertBox(
        'error',
        `This page is not open to the ${info.role} role you are signed in with. ${ROLE_PAGES[info.role]}`,
      ),
    );
    return;
  }
  if (session.can('audit')) void showAlertCount();
  const params = entry.pattern.exec(path)?.groups ?? {};
  leave = entry.page.render(main, params);
  main.focus();
}

session.onExpired((message) => route(`${message} Sign in again.`));
window.addEventListener('hashchange', () => route());

// A reload keeps the session (its cookie): ask the appliance whether it is still live.
getJson<SessionInfo>('/session')
  .then((info) => session.start(info))
  .catch(() => session.end())
  .finally(() => route());
