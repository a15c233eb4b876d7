// The embeddable web chat (served by the box as /chat/widget.js, bundled by esbuild on first
// request: system/api/chat-routes.ts; it sits under src/ to be typechecked with the DOM by
// system/web/tsconfig.json, but is not part of the app bundle). A company website adds
//   <script src="https://BOX/chat/widget.js" data-queue="sales" async></script>
// (optional: data-box-url, data-title, data-lang="zh-CN|en"). It draws a button and a panel in a
// shadow root (the page's styles do not leak in), opens a WebSocket to the box's /chat/ws on
// the visitor's first message, and keeps the visitor token in sessionStorage to resume after a
// reload. No framework, no sign-in. Protocol: system/interactions/chat-visitors.ts.

interface Wire {
  type: string;
  token?: string;
  state?: string;
  from?: 'customer' | 'agent';
  text?: string;
  code?: string;
  message?: string;
  messages?: { from: 'customer' | 'agent'; text: string }[];
}

const TEXT = {
  en: { open: 'Chat with us', title: 'Chat', placeholder: 'Type a message…', send: 'Send', end: 'End chat', name: 'Your name (optional)', queued: 'Waiting for an agent…', active: 'An agent has joined', closed: 'The chat has ended', error: 'Error', reconnect: 'Connection lost — reconnecting…' },
  'zh-CN': { open: '在线咨询', title: '在线客服', placeholder: '请输入消息…', send: '发送', end: '结束对话', name: '您的称呼（可选）', queued: '正在为您转接客服…', active: '客服已接入', closed: '对话已结束', error: '错误', reconnect: '连接中断，正在重连…' },
} as const;

const STYLE = `
:host { all: initial; font: 14px/1.4 system-ui, sans-serif; }
.btn { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; background: #1f6feb; color: #fff; border: 0; border-radius: 24px; padding: 12px 18px; cursor: pointer; box-shadow: 0 2px 8px #0004; }
.panel { position: fixed; right: 20px; bottom: 20px; z-index: 2147483001; width: 320px; height: 420px; background: #fff; color: #111; border-radius: 8px; box-shadow: 0 4px 16px #0005; display: flex; flex-direction: column; overflow: hidden; }
.panel[hidden], .btn[hidden] { display: none; }
header { background: #1f6feb; color: #fff; padding: 8px 12px; display: flex; justify-content: space-between; align-items: center; }
header button { background: none; border: 0; color: #fff; cursor: pointer; font-size: 16px; }
.log { flex: 1; overflow-y: auto; padding: 8px; display: flex; flex-direction: column; gap: 6px; }
.msg { max-width: 80%; padding: 6px 10px; border-radius: 12px; white-space: pre-wrap; word-break: break-word; }
.msg.customer { align-self: flex-end; background: #1f6feb; color: #fff; }
.msg.agent { align-self: flex-start; background: #eee; }
.status { font-size: 12px; color: #666; text-align: center; padding: 2px; }
form { display: flex; gap: 4px; padding: 6px; border-top: 1px solid #ddd; flex-wrap: wrap; }
input { flex: 1; padding: 6px; border: 1px solid #bbb; border-radius: 4px; font: inherit; min-width: 0; }
.name { flex-basis: 100%; }
form button { padding: 6px 10px; border: 0; border-radius: 4px; background: #1f6feb; color: #fff; cursor: pointer; }
.end { background: none; border: 0; color: #fff; text-decoration: underline; cursor: pointer; font-size: 12px; }
`;

function boot(script: HTMLScriptElement | null): void {
  const queue = script?.dataset.queue ?? '';
  const boxUrl = (script?.dataset.boxUrl ?? (script?.src ? new URL(script.src).origin : location.origin)).replace(/\/+$/, '');
  const lang = (script?.dataset.lang ?? navigator.language).toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
  const t = TEXT[lang];
  const storeKey = `cc-chat:${boxUrl}:${queue}`;

  const host = document.createElement('div');
  host.className = 'cc-chat-widget';
  const root = host.attachShadow({ mode: 'open' });
  root.innerHTML = `<style>${STYLE}</style>
<button class="btn" part="button" data-cc="open">${t.open}</button>
<div class="panel" hidden data-cc="panel">
  <header><span>${script?.dataset.title ?? t.title}</span><span><button class="end" data-cc="end" hidden>${t.end}</button> <button data-cc="hide" aria-label="close">×</button></span></header>
  <div class="log" data-cc="log" aria-live="polite"></div>
  <div class="status" data-cc="status"></div>
  <form data-cc="form"><input class="name" data-cc="name" maxlength="64" placeholder="${t.name}"><input data-cc="input" maxlength="2000" placeholder="${t.placeholder}" autocomplete="off"><button data-cc="send">${t.send}</button></form>
</div>`;
  document.body.appendChild(host);
  const $ = <T extends HTMLElement>(name: string) => root.querySelector(`[data-cc="${name}"]`) as T;
  const log = $('log');
  const status = $('status');
  const input = $<HTMLInputElement>('input');
  const nameInput = $<HTMLInputElement>('name');
  const endBtn = $('end');

  let ws: WebSocket | undefined;
  let token = sessionStorage.getItem(storeKey) ?? undefined;
  let ended = false;
  /** A start was sent (or a chat resumed): further lines are messages of that chat. */
  let started = !!token;
  const outbox: object[] = [];

  const show = (open: boolean) => {
    $('panel').hidden = !open;
    $('open').hidden = open;
    if (open) input.focus();
  };
  const line = (from: 'customer' | 'agent', text: string) => {
    const div = document.createElement('div');
    div.className = `msg ${from}`;
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
  };
  const setState = (state?: string) => {
    status.textContent = state === 'active' ? t.active : state === 'closed' ? t.closed : state ? t.queued : '';
    status.dataset.state = state ?? '';
    endBtn.hidden = !state || state === 'closed';
  };

  const connect = () => {
    ws = new WebSocket(`${boxUrl.replace(/^http/, 'ws')}/chat/ws`);
    ws.onopen = () => {
      if (token) ws!.send(JSON.stringify({ type: 'resume', token }));
      for (const m of outbox.splice(0)) ws!.send(JSON.stringify(m));
    };
    ws.onmessage = (ev) => {
      let m: Wire;
      try {
        m = JSON.parse(String(ev.data)) as Wire;
      } catch {
        return;
      }
      switch (m.type) {
        case 'started':
          token = m.token;
          if (token) sessionStorage.setItem(storeKey, token);
          nameInput.hidden = true;
          setState(m.state);
          break;
        case 'resumed':
          log.textContent = '';
          for (const x of m.messages ?? []) line(x.from, x.text);
          nameInput.hidden = true;
          setState(m.state);
          break;
        case 'message':
          if (m.from === 'agent' && m.text) line('agent', m.text);
          break;
        case 'state':
          setState(m.state);
          break;
        case 'closed':
          ended = true;
          started = false;
          token = undefined;
          sessionStorage.removeItem(storeKey);
          setState('closed');
          ws?.close();
          break;
        case 'error':
          if (m.code === 'CC_IX_BAD_TOKEN') {
            token = undefined;
            started = false;
            sessionStorage.removeItem(storeKey);
            setState(undefined);
            nameInput.hidden = false;
          } else {
            status.textContent = `${t.error}: ${m.message ?? m.code}`;
          }
          break;
      }
    };
    ws.onclose = () => {
      ws = undefined;
      if (token && !ended) {
        status.textContent = t.reconnect;
        setTimeout(connect, 2000);
      }
    };
  };
  const send = (m: object) => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(m));
    else {
      outbox.push(m);
      if (!ws) connect();
    }
  };

  $('open').addEventListener('click', () => show(true));
  $('hide').addEventListener('click', () => show(false));
  endBtn.addEventListener('click', () => send({ type: 'close' }));
  $('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    if (ended) {
      // A new chat after the last one ended.
      ended = false;
      log.textContent = '';
    }
    const first = !started;
    started = true;
    send(!first ? { type: 'message', text } : { type: 'start', queue, name: nameInput.value.trim() || undefined, text });
    line('customer', text);
    input.value = '';
  });
  if (token) {
    show(true);
    connect();
  }
}

{
  const script = document.currentScript as HTMLScriptElement | null;
  if (document.body) boot(script);
  else document.addEventListener('DOMContentLoaded', () => boot(script));
}
export {};
