// The browser softphone's controls in the workspace: the module in src/softphone (WebRTC
// through mediasoup, built by its own owner) does the audio and signalling; this panel opens
// it for an agent whose calls ring in the browser (agent config `device: 'browser'`; the
// session cookie authenticates its WebSocket), and draws answer/decline, hang up, hold,
// mute, the keypad and the call timer. Keys: F8 answer, F9 hang up, F7 hold, Alt+M mute.
// For a desk-phone agent it only says where calls ring.
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { everySecond, formatDuration } from '../clock.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';
import { registerShortcuts } from '../shortcuts.ts';
import { createSoftphone, type Softphone, type SoftphoneCall } from '../softphone/index.ts';

type Status = 'connecting' | 'ready' | 'closed';
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

export class SoftphonePanel extends AppElement {
  static override properties = { extension: {}, device: {}, status: { state: true }, call: { state: true }, ended: { state: true }, error: { state: true } };
  declare extension: string;
  declare device: 'phone' | 'browser';
  declare status: Status;
  declare call: SoftphoneCall | undefined;
  /** How the last call ended (shown until the next one rings). */
  declare ended: 'hangup' | 'cancelled' | 'declined' | 'failed' | undefined;
  declare error: unknown;
  /** A dialled call the far end refused: its SIP status, and the number. */
  private endedSip?: { status: number; reason: string; number: string };
  private phone?: Softphone;
  private ringsHere = false;
  private closedCode = '';

  constructor() {
    super();
    this.status = 'connecting';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.device !== 'browser') return;
    this.open();
    this.keep(() => this.phone?.close());
    // A reload or closing the tab would end a live call (the page's WebRTC media cannot be
    // taken over by a new page): the browser asks first.
    const guard = (e: BeforeUnloadEvent) => {
      if (!this.call) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', guard);
    this.keep(() => window.removeEventListener('beforeunload', guard));
    this.keep(everySecond(() => this.call?.state === 'connected' && this.requestUpdate()));
    this.keep(registerShortcuts([
      { keys: 'F8', label: 'shortcuts.answer', run: () => void this.act(() => this.phone?.answer()) },
      { keys: 'F9', label: 'shortcuts.hangup', run: () => void this.act(() => this.phone?.hangup()) },
      { keys: 'F7', label: 'shortcuts.hold', run: () => this.call?.state === 'connected' && void this.act(() => this.phone?.hold(!this.call?.held)) },
      { keys: 'Alt+M', label: 'shortcuts.mute', run: () => this.call?.state === 'connected' && this.phone?.mute(!this.call.muted) },
    ]));
  }

  private open(): void {
    this.phone?.close();
    this.status = 'connecting';
    this.error = undefined;
    const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/softphone`;
    const phone = createSoftphone({ token: '', wsUrl });
    this.phone = phone;
    const refresh = (c?: SoftphoneCall) => {
      this.call = c ? { ...c } : phone.call && { ...phone.call };
      this.requestUpdate();
    };
    phone.on('ready', (d) => {
      this.ringsHere = d.device === 'browser';
      this.status = 'ready';
    });
    phone.on('incoming', (c) => {
      this.ended = undefined;
      this.endedSip = undefined;
      refresh(c);
    });
    phone.on('connected', refresh);
    phone.on('ringback', refresh);
    phone.on('held', refresh);
    phone.on('muted', refresh);
    phone.on('ended', ({ call, reason, sip }) => {
      this.call = undefined;
      this.ended = reason;
      this.endedSip = sip && call.info.dialled ? { ...sip, number: call.info.dialled } : undefined;
    });
    phone.on('closed', ({ code }) => {
      if (this.phone !== phone) return;
      this.status = 'closed';
      this.call = undefined;
      this.closedCode = code;
    });
  }

  private async act(fn: () => Promise<unknown> | unknown): Promise<void> {
    this.error = undefined;
    try {
      await fn();
    } catch (err) {
      this.error = err;
    }
    this.call = this.phone?.call && { ...this.phone.call };
  }

  override render() {
    if (this.device !== 'browser') return html`<p class="muted small" data-test="softphone-desk">${t('softphone.deskPhone', { ext: this.extension })}</p>`;
    const c = this.call;
    const number = c?.info.caller.number ?? '';
    return html`<div class="softphone" data-test="softphone" data-status=${this.status} data-call=${c?.state ?? 'none'} data-held=${String(!!c?.held)} data-muted=${String(!!c?.muted)}>
      ${this.status === 'connecting' ? html`<p class="muted">${t('softphone.connecting')}</p>` : ''}
      ${this.status === 'closed' ? html`<p class="error">${t('softphone.closed', { code: this.closedCode })}</p><button @click=${() => this.open()}>${t('softphone.reconnect')}</button>` : ''}
      ${this.status === 'ready' && !c ? html`<p class="muted small" data-test="softphone-ready">${this.ringsHere ? t('softphone.ready') : t('softphone.readyPhone')}</p>` : ''}
      ${c?.info.dialled && c.state !== 'connected' ? html`<p class="big" data-test=${c.ringback ? 'sp-ringback' : 'sp-calling'}>${c.ringback ? t('dial.ringback', { number }) : t('dial.calling', { number })}</p>
        <div class="actions"><button class="danger" data-test="sp-hangup" title="F9" @click=${() => this.act(() => this.phone?.hangup())}>${t('softphone.hangup')}</button></div>` : ''}
      ${c?.state === 'ringing' && !c.info.dialled ? html`<p class="ringing big" data-test="softphone-incoming" data-consult=${c.info.consult?.agent ?? ''}>${c.info.consult ? t('transfer.consultIncoming', { agent: c.info.consult.name ?? c.info.consult.agent, number }) : t('softphone.incoming', { number })}</p>
        <div class="actions">
          <button class="primary" data-test="sp-answer" title="F8" @click=${() => this.act(() => this.phone?.answer())}>${t('softphone.answer')}</button>
          <button data-test="sp-decline" title="F9" @click=${() => this.act(() => this.phone?.hangup())}>${t('softphone.decline')}</button>
        </div>` : ''}
      ${c?.state === 'answering' && !c.info.dialled ? html`<p class="muted">${t('softphone.answering')}</p>` : ''}
      ${c?.state === 'connected' ? html`<p><strong>${t('softphone.talking', { number })}</strong>
          <span class="timer" data-test="sp-timer">${formatDuration(Date.now() - (c.answeredAt ?? Date.now()))}</span>
          ${c.held ? html`<span class="badge" data-test="sp-held">${t('softphone.held')}</span>` : ''}
          ${c.muted ? html`<span class="badge" data-test="sp-muted">${t('softphone.mutedBadge')}</span>` : ''}</p>
        <div class="actions">
          <button class="danger" data-test="sp-hangup" title="F9" @click=${() => this.act(() => this.phone?.hangup())}>${t('softphone.hangup')}</button>
          <button data-test="sp-hold" title="F7" @click=${() => this.act(() => this.phone?.hold(!c.held))}>${c.held ? t('softphone.resume') : t('softphone.hold')}</button>
          <button data-test="sp-mute" title="Alt+M" @click=${() => this.act(() => this.phone?.mute(!c.muted))}>${c.muted ? t('softphone.unmute') : t('softphone.mute')}</button>
        </div>
        <div class="keypad" role="group" aria-label=${t('softphone.keypad')}>
          ${KEYS.map((k) => html`<button data-test="sp-key" data-key=${k} @click=${() => this.act(() => this.phone?.sendDigit(k))}>${k}</button>`)}
        </div>` : ''}
      ${this.ended && !c ? html`<p class="muted small" data-test="sp-ended" data-reason=${this.ended} data-status=${this.endedSip?.status ?? ''}>${this.endedSip ? notConnected(this.endedSip) : t(`softphone.ended.${this.ended}`)}</p>` : ''}
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
    </div>`;
  }
}
customElements.define('cc-softphone-panel', SoftphonePanel);

/** Why a call this page dialled was not connected, from the far end's SIP status. */
function notConnected(s: { status: number; reason: string; number: string }): string {
  if (s.status === 486 || s.status === 600) return t('dial.notConnected.busy', { number: s.number });
  if (s.status === 404 || s.status === 484 || s.status === 410) return t('dial.notConnected.notFound', { number: s.number });
  if (s.status === 480 || s.status === 408) return t('dial.notConnected.noAnswer', { number: s.number });
  return t('dial.notConnected.other', { status: s.status, reason: s.reason });
}
