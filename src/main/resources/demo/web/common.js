// Parts shared by the agent console and the customer page: DOM building (text only, never HTML from data),
// the demo API, the session, the connection indicator, the debug panel, typing names and the message list.
(function () {
  'use strict';

  const { t, lang } = window.DemoI18n;

  // ------------------------------------------------------------------ DOM

  /**
   * Creates an element. props: className, text (set as textContent, so data is never parsed as HTML),
   * testid, title, attrs {name: value}, dataset {key: value}, hidden, on {event: handler}.
   */
  function el(tag, props, children) {
    const node = document.createElement(tag);
    const p = props || {};
    if (p.className) node.className = p.className;
    if (p.text != null) node.textContent = String(p.text);
    if (p.testid) node.dataset.testid = p.testid;
    if (p.title) node.title = p.title;
    if (p.hidden) node.hidden = true;
    if (p.attrs) for (const [k, v] of Object.entries(p.attrs)) if (v != null) node.setAttribute(k, String(v));
    if (p.dataset) for (const [k, v] of Object.entries(p.dataset)) if (v != null) node.dataset[k] = String(v);
    if (p.on) for (const [k, v] of Object.entries(p.on)) node.addEventListener(k, v);
    for (const child of children || []) {
      if (child == null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** The element with data-testid=id under root (document by default). */
  function byTestId(id, root) {
    return (root || document).querySelector('[data-testid="' + id + '"]');
  }

  // ------------------------------------------------------------------ API

  /** An API answer other than 2xx: status and the server's {"error": ...} message. */
  class ApiFailure extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  /** Calls /demo/api/<path>; resolves to the JSON body, rejects with ApiFailure. */
  async function api(path, options) {
    const o = options || {};
    const headers = { Accept: 'application/json' };
    if (o.body !== undefined) headers['Content-Type'] = 'application/json';
    if (o.token) headers.Authorization = 'Bearer ' + o.token;
    let response;
    try {
      response = await fetch('/demo/api/' + path, {
        method: o.method || 'GET',
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        cache: 'no-store',
      });
    } catch (err) {
      throw new ApiFailure(0, err && err.message ? err.message : 'network error');
    }
    let data = null;
    try {
      data = await response.json();
    } catch (err) {
      data = null;
    }
    if (!response.ok) throw new ApiFailure(response.status, (data && data.error) || response.statusText);
    return data;
  }

  /** The agents and contacts of the demo, with a lookup by id. */
  async function loadUsers() {
    const data = await api('users');
    const byId = new Map();
    for (const user of data.agents.concat(data.contacts)) byId.set(Number(user.id), user);
    return { agents: data.agents, contacts: data.contacts, byId };
  }

  // -------------------------------------------------------------- session

  /**
   * A sign-in kept in sessionStorage: per tab, so two tabs can be two different users, and gone when the tab
   * closes. {token, user: {id, name, role}}.
   */
  function session(key) {
    return {
      load() {
        try {
          const value = JSON.parse(sessionStorage.getItem(key));
          return value && value.token && value.user ? value : null;
        } catch (err) {
          return null;
        }
      },
      save(value) { sessionStorage.setItem(key, JSON.stringify(value)); },
      clear() { sessionStorage.removeItem(key); },
    };
  }

  // ----------------------------------------------------------------- time

  const timeFormat = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' });
  const dayFormat = new Intl.DateTimeFormat(lang, { day: '2-digit', month: '2-digit' });

  /** "14:05" today, "26/01 14:05" on other days. */
  function formatTime(iso) {
    if (!iso) return '';
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    const today = new Date();
    const sameDay = date.toDateString() === today.toDateString();
    return sameDay ? timeFormat.format(date) : dayFormat.format(date) + ' ' + timeFormat.format(date);
  }

  function clockTime(date) {
    const pad = (n, w) => String(n).padStart(w || 2, '0');
    return pad(date.getHours()) + ':' + pad(date.getMinutes()) + ':' + pad(date.getSeconds()) + '.'
      + pad(date.getMilliseconds(), 3);
  }

  // ------------------------------------------------- connection indicator

  /**
   * Guide 000's status indicator, bound to a client: a coloured dot and text per status (green connected,
   * amber connecting/reconnecting, red disconnected/failed), the reconnect attempts and the last error.
   */
  function bindConnectionIndicator(root, client) {
    const dot = byTestId('status-dot', root);
    const text = byTestId('status-text', root);
    const attempts = byTestId('reconnect-attempts', root);
    const lastError = byTestId('last-error', root);

    function render() {
      const status = client.status;
      root.dataset.status = status;
      dot.dataset.status = status;
      text.textContent = t('status.' + status);
      const n = client.reconnectAttempts;
      const error = client.lastError;
      attempts.dataset.count = String(n);
      attempts.textContent = t('status.attempts', { n });
      // After a refused token the attempts are history: what matters is the error shown next to "failed".
      attempts.hidden = n === 0 || status === 'connected' || Boolean(error && error.code === 'unauthorized');
      lastError.hidden = !error;
      lastError.dataset.code = error ? String(error.code || '') : '';
      lastError.textContent = error
        ? t('status.lastError', { error: (error.code || 'error') + (error.message ? ' – ' + error.message : '') })
        : '';
      lastError.title = lastError.textContent;
    }

    for (const event of ['status', 'reconnecting', 'reconnect_failed', 'connected', 'disconnected', 'error']) {
      client.on(event, render);
    }
    render();
    return render;
  }

  // --------------------------------------------------------- debug panel

  const DEBUG_LIMIT = 100;
  const LIFECYCLE = ['status', 'connected', 'disconnected', 'reconnecting', 'reconnect_failed'];

  /**
   * A collapsible list of the last 100 events, newest first: every server frame (durable ones with their id)
   * and the client's lifecycle events. Closed by default.
   */
  function bindDebugPanel(toggle, panel, client) {
    const list = byTestId('debug-list', panel);
    const empty = byTestId('debug-empty', panel);
    const count = byTestId('debug-count', toggle);
    let total = 0;

    function setOpen(open) {
      panel.hidden = !open;
      toggle.setAttribute('aria-expanded', String(open));
      panel.dataset.open = String(open);
    }

    function add(event, data, id, kind) {
      total += 1;
      count.textContent = String(total);
      let compact;
      try {
        compact = JSON.stringify(data);
      } catch (err) {
        compact = String(data);
      }
      if (compact && compact.length > 300) compact = compact.slice(0, 299) + '…';
      const row = el('li', { className: 'debug-row ' + kind, testid: 'debug-event', dataset: { event } }, [
        el('time', { className: 'debug-time', text: clockTime(new Date()) }),
        el('span', { className: 'debug-name', text: event }),
        el('span', { className: 'debug-id', text: id != null ? '#' + id : '' }),
        el('code', { className: 'debug-data', text: compact === undefined ? '' : compact }),
      ]);
      list.prepend(row);
      while (list.children.length > DEBUG_LIMIT) list.lastElementChild.remove();
      empty.hidden = true;
    }

    client.on('*', (data, envelope) => add(envelope.event, data, envelope.id, 'server'));
    for (const event of LIFECYCLE) client.on(event, (data) => add(event, data, null, 'lifecycle'));
    // Client-side errors (heartbeat, token) have no envelope; server error frames are logged by '*'.
    client.on('error', (data, envelope) => { if (!envelope) add('error', data, null, 'lifecycle'); });

    toggle.addEventListener('click', () => setOpen(panel.hidden));
    const close = byTestId('debug-close', panel);
    if (close) close.addEventListener('click', () => setOpen(false));
    const clear = byTestId('debug-clear', panel);
    if (clear) {
      clear.addEventListener('click', () => {
        list.replaceChildren();
        empty.hidden = false;
      });
    }
    setOpen(false);
    return { add };
  }

  // -------------------------------------------------------------- typing

  /**
   * Who is typing in which conversation, from `typing` events. The server ends every indicator (6 s without
   * a refresh, or on disconnect); the local expiry is only a safety net.
   */
  class TypingTracker {
    constructor(onChange) {
      this._byConversation = new Map();
      this._onChange = onChange;
    }

    set(conversationId, userId, isTyping) {
      const key = Number(conversationId);
      let typists = this._byConversation.get(key);
      if (!typists) {
        typists = new Map();
        this._byConversation.set(key, typists);
      }
      const uid = Number(userId);
      clearTimeout(typists.get(uid));
      if (isTyping) {
        typists.set(uid, setTimeout(() => this.set(key, uid, false), 10000));
      } else {
        typists.delete(uid);
      }
      this._onChange(key);
    }

    /** User ids typing in the conversation, in the order they started. */
    typists(conversationId) {
      const typists = this._byConversation.get(Number(conversationId));
      return typists ? Array.from(typists.keys()) : [];
    }

    clear() {
      for (const typists of this._byConversation.values()) for (const timer of typists.values()) clearTimeout(timer);
      this._byConversation.clear();
    }
  }

  /** "Ana is typing…", "Ana and Bruno are typing…", or '' for nobody. */
  function typingText(names) {
    if (!names.length) return '';
    if (names.length === 1) return t('typing.one', { name: names[0] });
    const joined = names.slice(0, -1).join(', ') + t('typing.and') + names[names.length - 1];
    return t('typing.many', { names: joined });
  }

  /** Renders the typing line: empty (and data-active=false) when nobody types. */
  function renderTyping(node, names) {
    node.textContent = typingText(names);
    node.dataset.active = String(names.length > 0);
  }

  /** The first name, for compact labels ("Ana" from "Ana Souza"). */
  function firstName(name) {
    return String(name || '').split(/\s+/)[0];
  }

  /** Up to two initials for an avatar ("AS" from "Ana Souza"), "?" for no name. */
  function initials(name) {
    return String(name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0]).join('').toUpperCase();
  }

  // -------------------------------------------------------- message list

  /**
   * The messages of the open conversation, kept in id order whatever order they arrive in (the page's own
   * POST reply and the new_message event race). Read receipts: a message is read once someone on the other
   * side has read up to it; the tick marks are shown on the viewer's own side's messages.
   *
   * @param list    the <ol data-testid="message-list">
   * @param ownSide 'agent' on the console, 'contact' on the customer page
   */
  class MessageList {
    constructor(list, ownSide) {
      this._list = list;
      this._ownSide = ownSide;
      this._nodes = new Map();
      this._messages = new Map();
    }

    reset() {
      this._nodes.clear();
      this._messages.clear();
      this._list.replaceChildren();
    }

    has(id) {
      return this._nodes.has(Number(id));
    }

    /** Adds or updates a message; keeps the view at the bottom if it was there. */
    upsert(message) {
      const id = Number(message.id);
      const atBottom = this._nearBottom();
      const previous = this._messages.get(id);
      const merged = Object.assign({}, previous, message);
      if (previous && previous.read) merged.read = true;
      this._messages.set(id, merged);
      const node = this._render(merged);
      const old = this._nodes.get(id);
      if (old) {
        old.replaceWith(node);
      } else {
        let before = null;
        for (const [otherId, other] of this._nodes) {
          if (otherId > id && (!before || otherId < Number(before.dataset.id))) before = other;
        }
        this._list.insertBefore(node, before);
      }
      this._nodes.set(id, node);
      if (atBottom || message.sender_type === this._ownSide) this.scrollToEnd();
    }

    /** A message_read from a reader on readerSide: the other side's messages up to messageId are read. */
    markReadUpTo(messageId, readerSide) {
      for (const [id, message] of this._messages) {
        if (id <= Number(messageId) && message.sender_type !== readerSide && !message.read) {
          message.read = true;
          const node = this._nodes.get(id);
          node.dataset.read = 'true';
          const receipt = node.querySelector('.receipt');
          if (receipt) this._fillReceipt(receipt, true);
        }
      }
    }

    /** The newest message sent from side ('agent' or 'contact'), or null. */
    lastFrom(side) {
      let last = null;
      for (const [id, message] of this._messages) {
        if (message.sender_type === side && (last === null || id > Number(last.id))) last = message;
      }
      return last;
    }

    /** The newest message's id, or null. */
    lastId() {
      let last = null;
      for (const id of this._messages.keys()) if (last === null || id > last) last = id;
      return last;
    }

    scrollToEnd() {
      this._list.scrollTop = this._list.scrollHeight;
    }

    _nearBottom() {
      const l = this._list;
      return l.scrollHeight - l.scrollTop - l.clientHeight < 80;
    }

    _render(message) {
      const mine = message.sender_type === this._ownSide;
      const read = !!message.read;
      const bubble = el('div', { className: 'bubble' }, [
        el('div', { className: 'message-meta' }, [
          el('span', { className: 'message-sender', text: message.sender_name || '' }),
          el('time', { className: 'message-time', text: formatTime(message.created_at), attrs: { datetime: message.created_at } }),
        ]),
        el('p', { className: 'message-content', text: message.content }),
      ]);
      if (mine) {
        const receipt = el('span', { className: 'receipt', testid: 'message-receipt' });
        this._fillReceipt(receipt, read);
        bubble.append(receipt);
      }
      return el('li', {
        className: 'message ' + (mine ? 'mine' : 'theirs') + ' from-' + message.sender_type,
        testid: 'message-' + message.id,
        dataset: { id: message.id, read: String(read), senderType: message.sender_type, senderId: message.sender_id },
      }, [bubble]);
    }

    _fillReceipt(receipt, read) {
      receipt.textContent = read ? '✓✓' : '✓';
      receipt.title = t(read ? 'receipt.read' : 'receipt.sent');
      receipt.dataset.read = String(read);
      receipt.classList.toggle('is-read', read);
    }
  }

  // --------------------------------------------------------------- toasts

  /** A short notice in the corner that goes away by itself. */
  function toast(container, text, testid) {
    const node = el('div', { className: 'toast', testid: testid || 'toast', text, attrs: { role: 'status' } });
    container.append(node);
    setTimeout(() => node.classList.add('leaving'), 5000);
    setTimeout(() => node.remove(), 5600);
  }

  window.Demo = {
    el, byTestId, api, ApiFailure, loadUsers, session, formatTime,
    bindConnectionIndicator, bindDebugPanel, TypingTracker, renderTyping, typingText, firstName, initials,
    MessageList, toast,
  };
})();
