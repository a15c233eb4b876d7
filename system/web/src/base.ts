// Base of the app's components: Lit templates rendered into the light DOM (one stylesheet,
// and the softphone can be styled and queried like the rest), re-rendered when the language
// changes. Subscriptions made with `keep()` end when the element leaves the page.
import { LitElement, type PropertyValues } from 'lit';
import { onLanguageChange } from './i18n.ts';
import type { Desk } from './desk.ts';

export class AppElement extends LitElement {
  private subscriptions: (() => void)[] = [];

  override createRenderRoot(): HTMLElement {
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.keep(onLanguageChange(() => this.requestUpdate()));
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    for (const off of this.subscriptions.splice(0)) off();
  }

  /** Remember an unsubscribe function until the element is removed. */
  protected keep(off: () => unknown): void {
    this.subscriptions.push(() => void off());
  }
}

/** A component showing part of the agent's desk: re-renders whenever the desk changes. */
export class DeskElement extends AppElement {
  static override properties = { desk: { attribute: false } };
  declare desk: Desk;
  private offDesk?: () => void;

  override willUpdate(changed: PropertyValues): void {
    if (changed.has('desk')) {
      this.offDesk?.();
      this.offDesk = this.desk?.onChange(() => this.requestUpdate());
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.desk && !this.offDesk) this.offDesk = this.desk.onChange(() => this.requestUpdate());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.offDesk?.();
    this.offDesk = undefined;
  }
}
