// Wrap-up (话后处理) of the agent's call: a disposition from the list of the call's queue (or
// the box-wide one) and notes, written during the call or after it, saved with the call
// (PUT /api/workspace/calls/:id/wrap-up); "Save and ready" also ends the wrap-up time. The
// call is the connected one, else the last one the agent talked on (the agent record's
// lastCallId, so a reload during wrap-up still knows it). The saved wrap-up joins the
// customer's history in the screen pop.
import { html } from 'lit';
import { api } from '../api.ts';
import { DeskElement } from '../base.ts';
import { errorText } from '../errors.ts';
import { lang, t } from '../i18n.ts';
import type { Disposition } from '../types.ts';

interface WrapUpTarget {
  callId: string;
  queue?: string;
}

interface SavedWrapUp {
  disposition: Disposition;
  notes: string;
  savedAt: number;
}

export class WrapUpPanel extends DeskElement {
  static override properties = { ...DeskElement.properties, saved: { state: true }, error: { state: true }, busy: { state: true } };
  declare saved: boolean;
  declare error: unknown;
  declare busy: boolean;
  private readonly lists = new Map<string, Disposition[]>();
  private loadedFor?: string;
  private prefill?: SavedWrapUp;

  constructor() {
    super();
    this.saved = false;
    this.busy = false;
  }

  /** The call a wrap-up would be saved for now, if any. */
  target(): WrapUpTarget | undefined {
    const d = this.desk;
    if (d.call?.state === 'connected') return { callId: d.call.callId, queue: d.call.queue };
    const rec = d.record;
    if (!rec?.lastCallId) return undefined;
    const queue = rec.state === 'wrap-up' ? rec.queue : d.lastCall?.callId === rec.lastCallId ? d.lastCall.queue : undefined;
    return { callId: rec.lastCallId, ...(queue ? { queue } : {}) };
  }

  /** Read the queue's list and any wrap-up already saved, once per call. */
  private load(target: WrapUpTarget): void {
    const key = `${target.callId}|${target.queue ?? ''}`;
    if (this.loadedFor === key) return;
    const fresh = this.loadedFor?.split('|')[0] !== target.callId;
    this.loadedFor = key;
    if (fresh) {
      this.saved = false;
      this.error = undefined;
      this.prefill = undefined;
    }
    const q = target.queue ?? '';
    if (!this.lists.has(q)) {
      void api<{ dispositions: Disposition[] }>('GET', `/api/workspace/dispositions${q ? `?queue=${encodeURIComponent(q)}` : ''}`)
        .then((r) => {
          this.lists.set(q, r.dispositions);
          this.requestUpdate();
        })
        .catch((err) => (this.error = err));
    }
    if (fresh) {
      void api<{ caller?: string; wrapUp?: SavedWrapUp }>('GET', `/api/workspace/calls/${encodeURIComponent(target.callId)}`)
        .then((c) => {
          if (!this.loadedFor?.startsWith(`${target.callId}|`)) return;
          this.prefill = c.wrapUp;
          this.requestUpdate();
          // After a reload the page knows no caller: bring the screen pop of this call back.
          if (c.caller && !this.desk.popNumber) void this.desk.showCustomer(c.caller);
        })
        .catch((err) => (this.error = err));
    }
  }

  async save(ready: boolean): Promise<void> {
    const target = this.target();
    const form = this.querySelector<HTMLFormElement>('form[data-test="wrapup-form"]');
    if (!target || !form) return;
    const data = new FormData(form);
    this.error = undefined;
    this.saved = false;
    this.busy = true;
    try {
      const r = await api<{ wrapUp: SavedWrapUp }>('PUT', `/api/workspace/calls/${encodeURIComponent(target.callId)}/wrap-up`, {
        disposition: String(data.get('disposition') ?? ''),
        notes: String(data.get('notes') ?? ''),
        ...(ready ? { ready: true } : {}),
      });
      this.prefill = r.wrapUp;
      this.saved = true;
      void this.desk.refreshHistory();
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const target = this.target();
    if (!target) return html``;
    this.load(target);
    const list = this.lists.get(target.queue ?? '') ?? [];
    const label = (d: Disposition) => (lang() === 'zh-CN' ? d.zh : d.en);
    const chosen = this.prefill?.disposition.code;
    const inWrapUp = this.desk.record?.state === 'wrap-up';
    return html`<section class="card wrap-up" data-test="wrapup" data-call=${target.callId}>
      <h2>${t('wrapup.title')}</h2>
      <form data-test="wrapup-form" @submit=${(e: Event) => (e.preventDefault(), void this.save(false))}>
        <label>${t('wrapup.disposition')}
          <select name="disposition" required data-test="wrapup-disposition">
            <option value="" ?selected=${!chosen}>${t('wrapup.choose')}</option>
            ${list.map((d) => html`<option value=${d.code} ?selected=${d.code === chosen}>${label(d)}</option>`)}
          </select>
        </label>
        <label>${t('wrapup.notes')}<textarea name="notes" maxlength="4000" rows="3" .value=${this.prefill?.notes ?? ''} data-test="wrapup-notes"></textarea></label>
        <div class="actions">
          <button type="submit" ?disabled=${this.busy} data-test="wrapup-save">${t('wrapup.save')}</button>
          ${inWrapUp ? html`<button type="button" class="primary" ?disabled=${this.busy} data-test="wrapup-save-ready" @click=${() => {
            if (this.querySelector<HTMLFormElement>('form[data-test="wrapup-form"]')?.reportValidity()) void this.save(true);
          }}>${t('wrapup.saveReady')}</button>` : ''}
          ${this.saved ? html`<span class="ok" data-test="wrapup-saved">${t('wrapup.saved')}</span>` : ''}
        </div>
        ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      </form>
    </section>`;
  }
}
customElements.define('cc-wrap-up-panel', WrapUpPanel);
