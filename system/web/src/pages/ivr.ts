// The IVR flows page (语音导航, admins and supervisors): the published flows with their
// versions, and the form-based editor (components/ivr-flow-editor.ts) over the newest
// version of one, or over a new flow started from a one-menu template. Publishing makes a
// new version; calls already in a flow keep the version they started in.
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, t } from '../i18n.ts';
import '../components/ivr-flow-editor.ts';
import '../admin/admin.css';
import type { FlowDoc, IvrSchema } from '../components/ivr-flow-editor.ts';

interface FlowSummary {
  name: string;
  version: number;
  publishedAt: number;
  publishedBy: string;
  versions: number;
  description?: string;
}

const TEMPLATE = (name: string): FlowDoc => ({
  name,
  language: 'zh',
  start: 'main',
  nodes: {
    main: { type: 'menu', prompts: ['hello'], choices: { '1': 'agents' }, fallback: 'agents' },
    agents: { type: 'hangup', prompts: ['goodbye'] },
  },
});

export class IvrPage extends AppElement {
  static override properties = { schema: { state: true }, flows: { state: true }, editing: { state: true }, isNew: { state: true }, newName: { state: true }, error: { state: true } };
  declare schema: IvrSchema | undefined;
  declare flows: FlowSummary[];
  declare editing: FlowDoc | undefined;
  declare isNew: boolean;
  declare newName: string;
  declare error: unknown;

  constructor() {
    super();
    this.schema = undefined;
    this.flows = [];
    this.editing = undefined;
    this.isNew = false;
    this.newName = '';
    this.error = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      [this.schema, this.flows] = await Promise.all([api<IvrSchema>('GET', '/api/ivr/schema'), api<FlowSummary[]>('GET', '/api/ivr/flows')]);
    } catch (err) {
      this.error = err;
    }
  }

  private async open(name: string): Promise<void> {
    try {
      const published = await api<{ flow: FlowDoc }>('GET', `/api/ivr/flows/${encodeURIComponent(name)}`);
      this.editing = published.flow;
      this.isNew = false;
    } catch (err) {
      this.error = err;
    }
  }

  private create(): void {
    const name = this.newName.trim();
    if (!/^[a-zA-Z0-9_-]{1,32}$/.test(name)) return void (this.error = { code: 'CC_IVR_FLOW_NAME' });
    this.error = undefined;
    this.editing = TEMPLATE(name);
    this.isNew = true;
  }

  override render() {
    return html`<main class="ivr" data-test="ivr-page">
      <h1>${t('ivr.title')}</h1>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : nothing}
      <section class="card">
        <h2>${t('ivr.flows')}</h2>
        ${this.flows.length === 0 ? html`<p class="muted">${t('ivr.noFlows')}</p>` : html`
        <table class="grid" data-test="ivr-flows"><thead><tr><th>${t('ivr.name')}</th><th>${t('ivr.version')}</th><th>${t('ivr.publishedAt')}</th><th>${t('ivr.publishedBy')}</th><th></th></tr></thead>
          <tbody>${this.flows.map((f) => html`<tr data-test="ivr-flow-row" data-flow=${f.name}><td>${f.name}${f.description ? html`<div class="muted small">${f.description}</div>` : nothing}</td>
            <td class="num">${f.version}</td><td>${formatDateTime(f.publishedAt)}</td><td>${f.publishedBy}</td>
            <td><button type="button" data-test="ivr-edit" @click=${() => this.open(f.name)}>${t('ivr.edit')}</button></td></tr>`)}</tbody></table>`}
        <div class="actions">
          <input type="text" data-test="ivr-new-name" placeholder=${t('ivr.newName')} .value=${this.newName} @input=${(e: Event) => (this.newName = (e.target as HTMLInputElement).value)} />
          <button type="button" data-test="ivr-new" @click=${() => this.create()}>${t('ivr.new')}</button>
        </div>
      </section>
      ${this.editing && this.schema ? html`<cc-ivr-flow-editor .schema=${this.schema} .flow=${this.editing} ?isNew=${this.isNew}
        @flow-change=${(e: CustomEvent<FlowDoc>) => (this.editing = e.detail)}
        @published=${() => { this.isNew = false; void this.load(); }}></cc-ivr-flow-editor>` : nothing}
    </main>`;
  }
}
customElements.define('cc-ivr-page', IvrPage);
