// The administration page (系统设置, admins only): every section of the box configuration
// edited as a form built from the configuration's schema (components/schema-form.ts), saved
// one section at a time through PUT /api/config/sections/:section, which validates the
// whole configuration: the problems come back with their paths and are shown next to their
// fields, and nothing is saved. Sections read only at start say so after a save. Below the
// sections, the configuration file: export it, or import one with a dry-run report first.
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api, ApiError } from '../api.ts';
import { errorText } from '../errors.ts';
import { t, tMaybe } from '../i18n.ts';
import type { JsonSchema, Problem } from '../admin/schema-walk.ts';
import '../components/schema-form.ts';
import '../components/config-import.ts';
import '../admin/admin.css';

interface ConfigView {
  stored: Record<string, unknown>;
  effective: Record<string, unknown>;
  network: {
    addresses: { interface: string; family: string; address: string }[];
    sip: { udp: number; tcp: number; publicAddress: string | null };
    http: { port: number; tlsPort: number | null };
  };
}

interface SaveAnswer {
  section: string;
  value: unknown;
  restartRequired: boolean;
}

/** Sections in the order an administrator sets a box up; any other section follows. */
const ORDER = ['extensions', 'trunks', 'dids', 'dialPlan', 'queues', 'agents', 'conferences', 'schedules', 'timeZone', 'time', 'ivr', 'recording', 'recordings', 'workspace', 'acd', 'calls', 'backup', 'monitoring', 'sip', 'registrar', 'media', 'http'];

export class AdminPage extends AppElement {
  static override properties = {
    schema: { state: true }, config: { state: true }, section: { state: true }, draft: { state: true },
    problems: { state: true }, busy: { state: true }, notice: { state: true }, error: { state: true },
  };
  declare schema: JsonSchema | undefined;
  declare config: ConfigView | undefined;
  declare section: string;
  declare draft: unknown;
  declare problems: Problem[];
  declare busy: boolean;
  declare notice: string;
  declare error: unknown;

  constructor() {
    super();
    this.schema = undefined;
    this.config = undefined;
    this.section = ORDER[0]!;
    this.draft = undefined;
    this.problems = [];
    this.busy = false;
    this.notice = '';
    this.error = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      const [schema, config] = await Promise.all([api<JsonSchema>('GET', '/api/config/schema'), api<ConfigView>('GET', '/api/config')]);
      this.schema = schema;
      this.config = config;
      this.pick(this.section);
    } catch (err) {
      this.error = err;
    }
  }

  private get sections(): string[] {
    const names = Object.keys(this.schema?.properties ?? {});
    return [...ORDER.filter((n) => names.includes(n)), ...names.filter((n) => !ORDER.includes(n))];
  }

  private pick(section: string): void {
    this.section = section;
    this.draft = structuredClone(this.config?.effective[section]);
    this.problems = [];
    this.notice = '';
  }

  private async save(): Promise<void> {
    this.busy = true;
    this.notice = '';
    this.error = undefined;
    try {
      const answer = await api<SaveAnswer>('PUT', `/api/config/sections/${encodeURIComponent(this.section)}`, this.draft === undefined ? {} : { value: this.draft });
      this.problems = [];
      this.config = await api<ConfigView>('GET', '/api/config');
      this.draft = structuredClone(this.config.effective[this.section]);
      this.notice = answer.restartRequired ? t('admin.savedRestart') : t('admin.saved');
    } catch (err) {
      const problems = err instanceof ApiError ? (err.body as { problems?: Problem[] } | undefined)?.problems : undefined;
      if (problems?.length) this.problems = problems;
      else this.error = err;
    } finally {
      this.busy = false;
    }
  }

  private renderNetwork(n: ConfigView['network']) {
    const v4 = n.addresses.filter((a) => a.family === 'IPv4');
    return html`<section class="card network" data-test="box-network">
      <h2>${t('admin.network.title')}</h2>
      <p><span class="muted">${t('admin.network.addresses')}</span> <strong data-test="box-addresses">${(v4.length ? v4 : n.addresses).map((a) => `${a.address} (${a.interface})`).join(', ') || '—'}</strong></p>
      <p><span class="muted">${t('admin.network.sip')}</span> UDP ${n.sip.udp} · TCP ${n.sip.tcp}${n.sip.publicAddress ? ` · ${n.sip.publicAddress}` : ''}
        · <span class="muted">${t('admin.network.web')}</span> ${n.http.tlsPort ? `HTTPS ${n.http.tlsPort} (HTTP ${n.http.port} → HTTPS)` : `HTTP ${n.http.port}`}</p>
    </section>`;
  }

  override render() {
    if (this.error && !this.schema) return html`<main class="admin"><p class="error" role="alert">${errorText(this.error)}</p></main>`;
    if (!this.schema || !this.config) return html`<main class="admin"><p class="muted">${t('admin.loading')}</p></main>`;
    const sectionSchema = this.schema.properties?.[this.section] ?? {};
    return html`<main class="admin" data-test="admin">
      <h1>${t('admin.title')}</h1>
      ${this.renderNetwork(this.config.network)}
      <div class="admin-layout">
        <nav class="admin-sections" aria-label=${t('admin.sections')}>
          ${this.sections.map((s) => html`<button type="button" class="link ${s === this.section ? 'active' : ''}" data-test="section-${s}" @click=${() => this.pick(s)}>${tMaybe(`admin.section.${s}`, s)}</button>`)}
        </nav>
        <section class="card admin-form" data-test="section-form" data-section=${this.section}>
          <h2>${tMaybe(`admin.section.${this.section}`, this.section)}</h2>
          ${this.problems.length ? html`<p class="error" role="alert" data-test="save-refused">${t('admin.invalid', { n: this.problems.length })}</p>` : nothing}
          ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : nothing}
          <cc-schema-form .schema=${sectionSchema} .value=${this.draft} .problems=${this.problems} section=${this.section}
            @value-change=${(e: CustomEvent) => (this.draft = e.detail)}></cc-schema-form>
          <div class="actions">
            <button type="button" class="primary" data-test="save" ?disabled=${this.busy} @click=${() => this.save()}>${this.busy ? t('admin.saving') : t('admin.save')}</button>
            <button type="button" data-test="revert" ?disabled=${this.busy} @click=${() => this.pick(this.section)}>${t('admin.revert')}</button>
            ${this.notice ? html`<span class="ok" role="status" data-test="saved">${this.notice}</span>` : nothing}
          </div>
        </section>
      </div>
      <cc-config-import @imported=${() => this.load()}></cc-config-import>
    </main>`;
  }
}
customElements.define('cc-admin', AdminPage);
