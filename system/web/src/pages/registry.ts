// The app's pages: each has a URL (#/<id>), a navigation label, the roles that may open it
// (the API enforces the same roles on its routes) and the roles that land on it after
// signing in. A feature area adds its page here with one entry; the shell (app.ts) builds
// the navigation and the routing from this list, in this order.
import { html, type TemplateResult } from 'lit';
import type { Desk } from '../desk.ts';
import type { MessageKey } from '../messages/en.ts';
import type { LiveEvents } from '../live.ts';
import type { Me, Role } from '../types.ts';
import './workspace.ts';
import './supervisor.ts';
import './quality.ts';
import './recordings.ts';
import './monitoring.ts';
import './wallboard.ts';
import './reports.ts';
import './admin.ts';
import './ivr.ts';
import './users.ts';
import './backup.ts';
import './security.ts';
import './kb.ts';
import './tickets.ts';

export interface PageContext {
  me: Me;
  live: LiveEvents;
  desk: Desk;
}

export interface PageEntry {
  id: string;
  nav: MessageKey;
  roles: readonly Role[];
  /** Roles for which this is the first page after signing in (the first match wins). */
  home?: readonly Role[];
  render(ctx: PageContext): TemplateResult;
}

export const PAGES: PageEntry[] = [
  { id: 'workspace', nav: 'nav.workspace', roles: ['admin', 'supervisor', 'agent', 'technician'], home: ['agent', 'technician'], render: (c) => html`<cc-workspace .desk=${c.desk} .live=${c.live}></cc-workspace>` },
  { id: 'supervisor', nav: 'nav.supervisor', roles: ['admin', 'supervisor'], home: ['admin', 'supervisor'], render: (c) => html`<cc-supervisor .live=${c.live}></cc-supervisor>` },
  { id: 'recordings', nav: 'recordings.nav', roles: ['admin', 'supervisor', 'agent'], render: (c) => html`<cc-recordings .me=${c.me}></cc-recordings>` },
  { id: 'wallboard', nav: 'wallboard.nav', roles: ['admin', 'supervisor'], render: (c) => html`<cc-wallboard .live=${c.live}></cc-wallboard>` },
  { id: 'reports', nav: 'reports.nav', roles: ['admin', 'supervisor'], render: () => html`<cc-reports></cc-reports>` },
  { id: 'ivr', nav: 'ivr.nav', roles: ['admin', 'supervisor'], render: () => html`<cc-ivr-page></cc-ivr-page>` },
  { id: 'users', nav: 'admin.users.nav', roles: ['admin'], render: (c) => html`<cc-users .me=${c.me}></cc-users>` },
  { id: 'backup', nav: 'backup.nav', roles: ['admin'], render: () => html`<cc-backup></cc-backup>` },
  { id: 'admin', nav: 'admin.nav', roles: ['admin'], render: () => html`<cc-admin></cc-admin>` },
  { id: 'security', nav: 'security.nav', roles: ['admin'], render: () => html`<cc-security></cc-security>` },
  { id: 'monitoring', nav: 'monitoring.nav', roles: ['admin', 'technician'], render: (c) => html`<cc-monitoring .me=${c.me} .live=${c.live}></cc-monitoring>` },
  { id: 'tickets', nav: 'tickets.nav', roles: ['admin', 'supervisor', 'agent'], render: (c) => html`<cc-tickets .me=${c.me} .live=${c.live}></cc-tickets>` },
  { id: 'quality', nav: 'quality.nav', roles: ['admin', 'supervisor', 'agent'], render: (c) => html`<cc-quality .me=${c.me}></cc-quality>` },
  { id: 'kb', nav: 'kb.nav', roles: ['admin', 'supervisor', 'agent'], render: (c) => html`<cc-kb-page .me=${c.me}></cc-kb-page>` },
];

/** The pages `role` may open, in navigation order. */
export function pagesFor(role: Role): PageEntry[] {
  return PAGES.filter((p) => p.roles.includes(role));
}

/** The page for a URL hash: the wanted one if the role may open it, else the role's home. */
export function pageFor(role: Role, wanted: string): PageEntry {
  const mine = pagesFor(role);
  return mine.find((p) => p.id === wanted) ?? mine.find((p) => p.home?.includes(role)) ?? mine[0] ?? PAGES[0]!;
}
