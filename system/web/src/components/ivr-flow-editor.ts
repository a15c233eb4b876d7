// <cc-ivr-flow-editor>: a form-based editor over one IVR flow document (system/ivr's JSON
// flow). The flow's own fields and each node are forms built from the schemas the box
// serves (GET /api/ivr/schema); a node is added with its type, renamed, retyped or removed
// here. Check asks the box to validate (POST /api/ivr/flows/validate) and Publish stores a
// new version (POST /api/ivr/flows); the box's errors and warnings come back with JSON
// paths and are shown next to the field they name (or on the node, or above the form).
// Emits `flow-change` with the document after every edit and `published` after a publish.
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api, ApiError } from '../api.ts';
import { errorText } from '../errors.ts';
import { t, tMaybe } from '../i18n.ts';
import { emptyValue, problemsAt, problemsUnder, type JsonSchema, type Problem } from '../admin/schema-walk.ts';
import './schema-form.ts';

export interface IvrSchema {
  flow: JsonSchema;
  nodeTypes: Record<string, { description?: string; experimental?: boolean; schema: JsonSchema }>;
}

type Node = Record<string, unknown> & { type: string };
export interface FlowDoc {
  name: string;
  start: string;
  nodes: Record<string, Node>;
  [k: string]: unknown;
}

const NODE_ID = /^[a-zA-Z0-9_-]{1,40}$/;

export class IvrFlowEditor extends AppElement {
  static override properties = {
    schema: { attribute: false }, flow: { attribute: false }, isNew: { type: Boolean },
    errors: { state: true }, warnings: { state: true }, busy: { state: true }, notice: { state: true }, error: { state: true }, newType: { state: true },
  };
  declare schema: IvrSchema;
  declare flow: FlowDoc;
  declare isNew: boolean;
  declare errors: Problem[];
  declare warnings: Problem[];
  declare busy: boolean;
  declare notice: string;
  declare error: unknown;
  declare newType: string;

  constructor() {
    super();
    this.errors = [];
    this.warnings = [];
    this.busy = false;
    this.notice = '';
    this.error = undefined;
    this.newType = 'menu';
    this.isNew = false;
  }

  /** Every edit goes up too (`flow-change`): the page holds the document, and lit sets an
   *  object property again on each render of the page. */
  private edit(next: FlowDoc): void {
    this.flow = next;
    this.notice = '';
    this.dispatchEvent(new CustomEvent('flow-change', { detail: next }));
  }

  private typeName(type: string): string {
    const name = tMaybe(`ivr.type.${type}`, type);
    return this.schema.nodeTypes[type]?.experimental ? `${name} (${t('ivr.experimental')})` : name;
  }

  private nodeSchema(type: string): JsonSchema {
    return this.schema.nodeTypes[type]?.schema ?? {};
  }

  private newNode(type: string): Node {
    return { ...(emptyValue(this.nodeSchema(type)) as Record<string, unknown>), type };
  }

  private addNode(): void {
    let n = Object.keys(this.flow.nodes).length + 1;
    while (`${this.newType}${n}` in this.flow.nodes) n++;
    const id = `${this.newType}${n}`;
    this.edit({ ...this.flow, nodes: { ...this.flow.nodes, [id]: this.newNode(this.newType) } });
  }

  private renameNode(from: string, to: string): void {
    if (!NODE_ID.test(to) || to in this.flow.nodes) return void (this.error = { code: 'CC_IVR_NODE_NAME' });
    this.error = undefined;
    const nodes = Object.fromEntries(Object.entries(this.flow.nodes).map(([id, n]) => [id === from ? to : id, n]));
    this.edit({ ...this.flow, nodes, start: this.flow.start === from ? to : this.flow.start });
  }

  private retype(id: string, type: string): void {
    const old = this.flow.nodes[id]!;
    const fresh = this.newNode(type);
    // Keep what both types have (prompts, next...), so switching type loses little.
    for (const key of Object.keys(fresh)) if (key !== 'type' && key in old) fresh[key] = old[key];
    this.edit({ ...this.flow, nodes: { ...this.flow.nodes, [id]: fresh } });
  }

  private removeNode(id: string): void {
    const { [id]: _gone, ...nodes } = this.flow.nodes;
    this.edit({ ...this.flow, nodes });
  }

  private async send(publish: boolean): Promise<void> {
    this.busy = true;
    this.error = undefined;
    this.notice = '';
    try {
      if (publish) {
        const r = await api<{ version: number; warnings: Problem[] }>('POST', '/api/ivr/flows', this.flow);
        this.errors = [];
        this.warnings = r.warnings;
        this.notice = t('ivr.published', { version: r.version });
        this.dispatchEvent(new CustomEvent('published', { detail: { name: this.flow.name, version: r.version } }));
      } else {
        const r = await api<{ ok: boolean; errors?: Problem[]; warnings: Problem[] }>('POST', '/api/ivr/flows/validate', this.flow);
        this.errors = r.errors ?? [];
        this.warnings = r.warnings;
        if (r.ok) this.notice = t('ivr.valid');
      }
    } catch (err) {
      const body = err instanceof ApiError ? (err.body as { errors?: Problem[]; warnings?: Problem[] } | undefined) : undefined;
      if (body?.errors) {
        this.errors = body.errors;
        this.warnings = body.warnings ?? [];
      } else this.error = err;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    if (!this.flow || !this.schema) return html``;
    const ids = Object.keys(this.flow.nodes);
    const nodeProblems = (id: string) => problemsUnder(this.errors, `/nodes/${id}`);
    const flowProblems = this.errors.filter((p) => !ids.some((id) => p.path === `/nodes/${id}` || p.path.startsWith(`/nodes/${id}/`)));
    const { nodes: _nodes, ...head } = this.flow;
    const types = Object.keys(this.schema.nodeTypes);
    return html`<div class="ivr-editor admin-form" data-test="ivr-editor" data-flow=${this.flow.name}>
      ${this.errors.length ? html`<p class="error" role="alert" data-test="ivr-invalid">${t('ivr.invalid', { n: this.errors.length })}</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : nothing}
      <section class="card">
        <h2>${t('ivr.flow')}</h2>
        <label class="field">${t('ivr.start')}<select data-test="ivr-start" @change=${(e: Event) => this.edit({ ...this.flow, start: (e.target as HTMLSelectElement).value })}>
          ${ids.map((id) => html`<option value=${id} ?selected=${id === this.flow.start}>${id}</option>`)}</select>
          ${problemsAt(this.errors, '/start').map((p) => html`<span class="error field-error" data-test="field-error" data-path="/start">${p.message}</span>`)}</label>
        <cc-schema-form .schema=${this.schema.flow} .value=${head} .problems=${flowProblems.filter((p) => p.path !== '/start')} section="" .omit=${this.isNew ? ['nodes', 'start'] : ['nodes', 'start', 'name']}
          @value-change=${(e: CustomEvent) => this.edit({ ...(e.detail as FlowDoc), start: this.flow.start, nodes: this.flow.nodes })}></cc-schema-form>
      </section>
      ${ids.map((id) => {
        const node = this.flow.nodes[id]!;
        const bad = nodeProblems(id).length > 0;
        const warn = problemsUnder(this.warnings, `/nodes/${id}`);
        return html`<section class="card ivr-node ${bad ? 'has-error' : ''}" data-test="ivr-node" data-node=${id} data-type=${node.type}>
          <div class="card-head">
            <h3><input type="text" class="node-id" aria-label=${t('ivr.nodeId')} data-test="node-id" .value=${id} @change=${(e: Event) => this.renameNode(id, (e.target as HTMLInputElement).value)} />
              ${id === this.flow.start ? html`<span class="badge">${t('ivr.isStart')}</span>` : nothing}</h3>
            <label>${t('ivr.type')} <select data-test="node-type" @change=${(e: Event) => this.retype(id, (e.target as HTMLSelectElement).value)}>
              ${types.map((ty) => html`<option value=${ty} ?selected=${ty === node.type}>${this.typeName(ty)}</option>`)}</select></label>
            <button type="button" class="link danger" data-test="remove-node" @click=${() => this.removeNode(id)}>${t('ivr.removeNode')}</button>
          </div>
          <p class="muted small">${tMaybe(`ivr.typeHelp.${node.type}`, this.schema.nodeTypes[node.type]?.description ?? '')}</p>
          ${this.schema.nodeTypes[node.type]?.experimental ? html`<p class="warn small" data-test="node-experimental"><span class="badge">${t('ivr.experimental')}</span> ${t('ivr.experimentalHelp')}</p>` : nothing}
          ${warn.length ? html`<ul class="warn small" data-test="node-warnings">${warn.map((w) => html`<li>${w.message}</li>`)}</ul>` : nothing}
          <cc-schema-form .schema=${this.nodeSchema(node.type)} .value=${node} .problems=${nodeProblems(id)} section=${`nodes/${id}`} .omit=${['type']}
            @value-change=${(e: CustomEvent) => this.edit({ ...this.flow, nodes: { ...this.flow.nodes, [id]: e.detail as Node } })}></cc-schema-form>
        </section>`;
      })}
      <div class="actions">
        <select data-test="new-node-type" @change=${(e: Event) => (this.newType = (e.target as HTMLSelectElement).value)}>
          ${types.map((ty) => html`<option value=${ty} ?selected=${ty === this.newType}>${this.typeName(ty)}</option>`)}</select>
        <button type="button" data-test="add-node" @click=${() => this.addNode()}>${t('ivr.addNode')}</button>
        <span class="spacer"></span>
        <button type="button" data-test="ivr-check" ?disabled=${this.busy} @click=${() => this.send(false)}>${t('ivr.check')}</button>
        <button type="button" class="primary" data-test="ivr-publish" ?disabled=${this.busy} @click=${() => this.send(true)}>${t('ivr.publish')}</button>
        ${this.notice ? html`<span class="ok" role="status" data-test="ivr-notice">${this.notice}</span>` : nothing}
      </div>
      ${this.warnings.filter((w) => !ids.some((id) => w.path.startsWith(`/nodes/${id}`))).map((w) => html`<p class="warn small"><code>${w.path || '/'}</code> ${w.message}</p>`)}
    </div>`;
  }
}
customElements.define('cc-ivr-flow-editor', IvrFlowEditor);
