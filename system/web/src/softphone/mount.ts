// The softphone in the web app's agent workspace: fills the slot the workspace gives it
// (src/softphone-slot.ts) with a status line, the caller, answer / hang up / hold / mute and a
// keypad, driving createSoftphone() over the session cookie. Its own labels in both languages
// (the app's catalogue does not carry them). Plain DOM, no framework.
import { createSoftphone, type Softphone } from './softphone.ts';

/** What this module needs of the app's slot context (a subset of SoftphoneContext). */
export interface MountContext {
  lang: () => string;
  onLanguageChange: (fn: () => void) => () => void;
}

const LABELS = {
  en: {
    connecting: 'Connecting…', ready: 'Ready', phoneDevice: 'Calls ring on your desk phone', ringing: 'Incoming call', connected: 'Connected',
    held: 'On hold', ended: 'Call ended', closed: 'Softphone closed', answer: 'Answer', hangup: 'Hang up', hold: 'Hold', resume: 'Resume',
    mute: 'Mute', unmute: 'Unmute', queue: 'Queue', failed: 'Failed',
  },
  'zh-CN': {
    connecting: '正在连接…', ready: '就绪', phoneDevice: '来电将在您的座机上振铃', ringing: '来电', connected: '通话中',
    held: '保持中', ended: '通话结束', closed: '软电话已关闭', answer: '接听', hangup: '挂断', hold: '保持', resume: '恢复',
    mute: '静音', unmute: '取消静音', queue: '队列', failed: '失败',
  },
} as const;
type Label = keyof (typeof LABELS)['en'];

export function mountSoftphone(el: HTMLElement, ctx: MountContext): { unmount(): void } {
  const label = (k: Label) => (ctx.lang() === 'zh-CN' ? LABELS['zh-CN'] : LABELS.en)[k];
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/softphone`;
  const phone: Softphone = createSoftphone({ wsUrl });
  let state: Label = 'connecting';
  let detail = '';
  let timer: ReturnType<typeof setInterval> | undefined;

  const root = document.createElement('div');
  root.className = 'softphone';
  const status = document.createElement('p');
  status.className = 'softphone-status';
  status.setAttribute('role', 'status');
  const who = document.createElement('p');
  who.className = 'softphone-caller';
  const bar = document.createElement('div');
  const button = (name: string, run: () => Promise<void> | void) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.action = name;
    b.onclick = () => {
      b.disabled = true;
      Promise.resolve()
        .then(run)
        .catch((err) => (detail = `${label('failed')}: ${(err as { code?: string }).code ?? String(err)}`))
        .finally(render);
    };
    bar.append(b);
    return b;
  };
  const answer = button('answer', () => phone.answer());
  const hangup = button('hangup', () => phone.hangup());
  const hold = button('hold', () => phone.hold(!phone.call?.held));
  const mute = button('mute', () => phone.mute(!phone.call?.muted));
  const keypad = document.createElement('div');
  keypad.className = 'softphone-keypad';
  const keys = [...'123456789*0#'].map((d) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = d;
    b.dataset.digit = d;
    b.onclick = () => void phone.sendDigit(d).catch((err) => ((detail = `${label('failed')}: ${err.code ?? err}`), render()));
    keypad.append(b);
    return b;
  });
  root.append(status, who, bar, keypad);
  el.replaceChildren(root);

  function render(): void {
    const call = phone.call;
    const talking = call?.state === 'connected';
    const since = call?.answeredAt ? Math.floor((Date.now() - call.answeredAt) / 1000) : undefined;
    const clock = since === undefined ? '' : ` ${String(Math.floor(since / 60)).padStart(2, '0')}:${String(since % 60).padStart(2, '0')}`;
    status.textContent = `${label(call?.held ? 'held' : state)}${talking ? clock : ''}${detail ? ` — ${detail}` : ''}`;
    who.textContent = call ? `${call.info.caller.number}${call.info.queue ? ` · ${label('queue')} ${call.info.queue}` : ''}` : '';
    answer.textContent = label('answer');
    hangup.textContent = label('hangup');
    hold.textContent = label(call?.held ? 'resume' : 'hold');
    mute.textContent = label(call?.muted ? 'unmute' : 'mute');
    answer.disabled = call?.state !== 'ringing';
    hangup.disabled = !call;
    hold.disabled = !talking;
    mute.disabled = !talking;
    for (const k of keys) k.disabled = !talking;
  }

  const offs = [
    phone.on('ready', (d) => ((state = 'ready'), (detail = d.device === 'phone' ? label('phoneDevice') : ''), render())),
    phone.on('incoming', () => ((state = 'ringing'), (detail = ''), render())),
    phone.on('connected', () => {
      state = 'connected';
      timer ??= setInterval(render, 1000);
      render();
    }),
    phone.on('held', render),
    phone.on('muted', render),
    phone.on('ended', () => {
      state = 'ended';
      clearInterval(timer);
      timer = undefined;
      render();
    }),
    phone.on('closed', (d) => ((state = 'closed'), (detail = d.code), render())),
    ctx.onLanguageChange(render),
  ];
  render();
  return {
    unmount() {
      for (const off of offs) off();
      clearInterval(timer);
      phone.close();
      root.remove();
    },
  };
}
