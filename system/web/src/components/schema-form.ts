// <cc-schema-form>: edits a document or one part of it (a section of the box configuration,
// an IVR flow or one of its nodes) from its JSON Schema. Objects become groups of labelled
// fields, lists of named things (queues, agents, trunks...) become
// collapsible items with add and remove, records (menu keys, skills) become key/value rows,
// unions of constants become selects, secrets become password inputs, anything the form
// cannot shape (records of objects, mixed unions) is edited as JSON.
// Each problem the API reported is shown next to its field (by JSON Pointer); problems that
// name an item rather than a field (/dids/8001: unknown trunk) are shown on that item, and any
// left over above the form, so none is hidden. Emits `value-change` with the whole edited value.
import { html, nothing, type TemplateResult } from 'lit';
import { AppElement } from '../base.ts';
import { t, tMaybe } from '../i18n.ts';
import { emptyValue, fieldKind, parseInput, problemsAt, problemsUnder, setAt, type JsonSchema, type Problem } from '../admin/schema-walk.ts';

type Path = (string | number)[];

const ID_KEYS = ['name', 'number', 'id', 'prefix'] as const;
const pointer = (path: Path) => `/${path.join('/')}`;
const humanize = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());

/** The section (top-level member) a field sits in, when it sits below one: the same name means
 *  different things in different sections (trunks[].tls is the trunk's certificate check,
 *  http.tls is HTTPS). */
const sectionOf = (path?: Path) => (path && path.length > 1 && typeof path[0] === 'string' ? path[0] : undefined);

/** The label of a field: the catalogue's for this section ('admin.field.trunks.tls'), else the
 *  catalogue's for the name, else its name made readable. */
export function fieldLabel(name: string, path?: Path): string {
  const section = sectionOf(path);
  const general = tMaybe(`admin.field.${name}`, humanize(name));
  return section ? tMaybe(`admin.field.${section}.${name}`, general) : general;
}

/** A short help text under a field's label ('admin.help.<section>.<name>'), when the catalogue has one. */
function fieldHelp(name: string, path: Path): TemplateResult | typeof nothing {
  const section = sectionOf(path);
  const text = section ? tMaybe(`admin.help.${section}.${name}`, '') : '';
  return text ? html`<span class="muted small field-help" data-test="field-help" data-path=${pointer(path)}>${text}</span>` : nothing;
}

function itemName(item: unknown): string | undefined {
  if (!item || typeof item !== 'object') return undefined;
  for (const k of ID_KEYS) {
    const v = (item as Record<string, unknown>)[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

export class SchemaForm extends AppElement {
  static override properties = { schema: { attribute: false }, value: { attribute: false }, problems: { attribute: false }, section: {}, omit: { attribute: false } };
  declare schema: JsonSchema;
  declare value: unknown;
  declare problems: Problem[];
  /** The first path element(s) of every field, e.g. 'queues' or 'nodes/main' (a pointer's start). */
  declare section: string;
  /** Top-level members the page edits itself (e.g. an IVR node's type). */
  declare omit: string[];
  /** Problems the last render showed next to a field or an item (the rest go above the form). */
  private placed = new Set<Problem>();
  /** List items the user has opened (by pointer), so a re-render does not fold them again. */
  private opened = new Set<string>();

  constructor() {
    super();
    this.problems = [];
    this.omit = [];
  }

  /** The path of the edited value itself: [] for a whole document, ['queues'] for a section. */
  private get root(): Path {
    return this.section ? [this.section] : [];
  }

  private change(path: Path, next: unknown): void {
    this.value = setAt(this.value, path.slice(this.root.length), next);
    this.dispatchEvent(new CustomEvent('value-change', { detail: this.value }));
  }

  private errorsAt(path: Path): TemplateResult | typeof nothing {
    const here = problemsAt(this.problems, pointer(path));
    for (const p of here) this.placed.add(p);
    return here.length ? html`<span class="error field-error" role="alert" data-test="field-error" data-path=${pointer(path)}>${here.map((p) => p.message).join('; ')}</span>` : nothing;
  }

  private field(name: string, schema: JsonSchema, value: unknown, path: Path, required: boolean): TemplateResult {
    const kind = fieldKind(schema, name);
    const id = `f${pointer(path).replace(/[^a-zA-Z0-9]/g, '-')}`;
    const label = html`<span class="field-label">${fieldLabel(name, path)}${required ? '' : html` <span class="muted small">${t('admin.optional')}</span>`}</span>${fieldHelp(name, path)}`;
    const set = (raw: string) => this.change(path, !required && raw === '' ? undefined : parseInput(kind, raw));
    switch (kind.kind) {
      case 'object':
        return html`<fieldset class="group" data-path=${pointer(path)}><legend>${fieldLabel(name, path)}</legend>${fieldHelp(name, path)}
          ${this.errorsAt(path)}${this.objectFields(kind.schema, (value ?? {}) as Record<string, unknown>, path)}</fieldset>`;
      case 'list':
        return this.list(name, kind.item, Array.isArray(value) ? value : [], path);
      case 'map':
        return this.map(name, kind.value, (value && typeof value === 'object' ? value : {}) as Record<string, unknown>, path, label);
      case 'boolean':
        return html`<label class="field check" data-path=${pointer(path)}><input type="checkbox" id=${id} .checked=${value === undefined ? schema.default === true : value === true}
          @change=${(e: Event) => this.change(path, (e.target as HTMLInputElement).checked)} /> ${label}${this.errorsAt(path)}</label>`;
      case 'choices':
        if (kind.multiple) {
          const chosen = new Set(Array.isArray(value) ? (value as string[]) : []);
          return html`<div class="field" data-path=${pointer(path)}>${label}<span class="choices">${kind.options.map((o) => html`<label class="check"><input type="checkbox" .checked=${chosen.has(o)}
            @change=${(e: Event) => this.change(path, kind.options.filter((x) => (x === o ? (e.target as HTMLInputElement).checked : chosen.has(x))))} /> ${tMaybe(`admin.option.${o}`, o)}</label>`)}</span>${this.errorsAt(path)}</div>`;
        }
        return html`<label class="field" data-path=${pointer(path)}>${label}<select id=${id} @change=${(e: Event) => set((e.target as HTMLSelectElement).value)}>
          ${required ? nothing : html`<option value="" ?selected=${value === undefined}>—</option>`}
          ${kind.options.map((o) => html`<option value=${o} ?selected=${value === o}>${tMaybe(`admin.option.${o}`, o)}</option>`)}</select>${this.errorsAt(path)}</label>`;
      case 'number':
        return html`<label class="field" data-path=${pointer(path)}>${label}<input type="text" inputmode="numeric" id=${id} .value=${value === undefined || value === null ? '' : String(value)}
          placeholder=${kind.min !== undefined && kind.max !== undefined ? `${kind.min}–${kind.max}` : ''} @change=${(e: Event) => set((e.target as HTMLInputElement).value)} />${this.errorsAt(path)}</label>`;
      case 'text':
        return html`<label class="field" data-path=${pointer(path)}>${label}<input type=${kind.secret ? 'password' : 'text'} autocomplete="off" id=${id} .value=${typeof value === 'string' ? value : ''}
          @change=${(e: Event) => set((e.target as HTMLInputElement).value)} />${this.errorsAt(path)}</label>`;
      case 'strings':
        return html`<label class="field" data-path=${pointer(path)}>${label}<input type="text" id=${id} .value=${Array.isArray(value) ? value.join(', ') : ''}
          @change=${(e: Event) => set((e.target as HTMLInputElement).value)} /><span class="muted small">${t('admin.commaSeparated')}</span>${this.errorsAt(path)}</label>`;
      case 'json':
        return html`<label class="field" data-path=${pointer(path)}>${label}<textarea rows="4" id=${id} .value=${value === undefined ? '' : JSON.stringify(value, null, 2)}
          @change=${(e: Event) => set((e.target as HTMLTextAreaElement).value)}></textarea><span class="muted small">${t('admin.json')}</span>${this.errorsAt(path)}</label>`;
    }
  }

  private objectFields(schema: JsonSchema, value: Record<string, unknown>, path: Path): TemplateResult[] {
    const required = new Set(schema.required ?? []);
    const omit = path.length === this.root.length ? new Set(this.omit) : new Set<string>();
    return Object.entries(schema.properties ?? {}).filter(([name]) => !omit.has(name)).map(([name, sub]) => this.field(name, sub, value[name], [...path, name], required.has(name)));
  }

  /** Key/value rows; renaming a key keeps its place, an empty key is dropped on save by the validator's message. */
  private map(name: string, valueSchema: JsonSchema, entries: Record<string, unknown>, path: Path, label: TemplateResult): TemplateResult {
    const rows = Object.entries(entries);
    const rebuild = (index: number, key: string, value: unknown) =>
      Object.fromEntries(rows.map(([k, v], i) => (i === index ? [key, value] : [k, v])));
    const kind = fieldKind(valueSchema);
    return html`<div class="field map" data-path=${pointer(path)}>${label}
      ${rows.map(([k, v], i) => html`<div class="map-row" data-test="map-row" data-key=${k}>
        <input type="text" class="map-key" aria-label=${t('admin.key')} .value=${k} @change=${(e: Event) => this.change(path, rebuild(i, (e.target as HTMLInputElement).value, v))} />
        ${kind.kind === 'choices' && !kind.multiple
          ? html`<select class="map-value" @change=${(e: Event) => this.change(path, rebuild(i, k, (e.target as HTMLSelectElement).value))}>${kind.options.map((o) => html`<option value=${o} ?selected=${o === v}>${o}</option>`)}</select>`
          : kind.kind === 'boolean'
            ? html`<input type="checkbox" class="map-value" .checked=${v === true} @change=${(e: Event) => this.change(path, rebuild(i, k, (e.target as HTMLInputElement).checked))} />`
            : html`<input type="text" class="map-value" aria-label=${t('admin.value')} .value=${v === undefined ? '' : String(v)} @change=${(e: Event) => this.change(path, rebuild(i, k, parseInput(kind, (e.target as HTMLInputElement).value)))} />`}
        <button type="button" class="link danger" data-test="remove-entry" @click=${() => this.change(path, Object.fromEntries(rows.filter((_, j) => j !== i)))}>✕</button>
        ${this.errorsAt([...path, k])}
      </div>`)}
      <button type="button" data-test="add-entry" @click=${() => this.change(path, { ...entries, [this.freeKey(entries)]: emptyValue(valueSchema) })}>${t('admin.add', { what: fieldLabel(name, path) })}</button>
      ${this.errorsAt(path)}
    </div>`;
  }

  private freeKey(entries: Record<string, unknown>): string {
    for (let n = 1; ; n++) if (!(String(n) in entries)) return String(n);
  }

  private list(name: string, item: JsonSchema, items: unknown[], path: Path): TemplateResult {
    return html`<div class="list" data-path=${pointer(path)}>
      ${this.errorsAt(path)}
      ${items.map((it, i) => {
        const at = [...path, i];
        const named = itemName(it);
        // Cross-checks name the item (/dids/8001: ...) rather than its index.
        const byName = named ? problemsUnder(this.problems, pointer([...path, named])) : [];
        for (const p of byName) this.placed.add(p);
        const bad = byName.length > 0 || problemsUnder(this.problems, pointer(at)).length > 0;
        const ptr = pointer(at);
        return html`<details class="item ${bad ? 'has-error' : ''}" .open=${bad || !named || this.opened.has(ptr)} data-test="list-item" data-path=${ptr}
          @toggle=${(e: Event) => ((e.target as HTMLDetailsElement).open ? this.opened.add(ptr) : this.opened.delete(ptr))}>
          <summary>${named ?? `#${i + 1}`}${bad ? html` <span class="error">⚠</span>` : nothing}</summary>
          ${byName.length ? html`<p class="error" role="alert" data-test="item-error">${byName.map((p) => p.message).join('; ')}</p>` : nothing}
          ${this.objectFields(item, (it ?? {}) as Record<string, unknown>, at)}
          <button type="button" class="link danger" data-test="remove-item" @click=${() => {
            this.opened.clear();
            this.change(path, items.filter((_, j) => j !== i));
          }}>${t('admin.remove', { what: named ?? `#${i + 1}` })}</button>
        </details>`;
      })}
      <button type="button" data-test="add-item" @click=${() => {
        this.opened.add(pointer([...path, items.length]));
        this.change(path, [...items, emptyValue(item)]);
      }}>${t('admin.add', { what: fieldLabel(name, path) })}</button>
    </div>`;
  }

  override render() {
    this.placed = new Set();
    const body = fieldKind(this.schema, this.section).kind === 'object'
      ? this.objectFields(this.schema, (this.value ?? {}) as Record<string, unknown>, this.root)
      : [this.field(this.section, this.schema, this.value, this.root, false)];
    const rest = this.problems.filter((p) => !this.placed.has(p));
    return html`${rest.length ? html`<ul class="error" role="alert" data-test="section-errors">${rest.map((p) => html`<li><code>${p.path}</code> ${p.message}</li>`)}</ul>` : nothing}${body}`;
  }
}
customElements.define('cc-schema-form', SchemaForm);
