// The customer's side of the helpdesk: /demo/customer?conversation=ID shows one conversation as its contact
// sees it; without an id, the contact's conversations and a form to start a new one. Together with the agent
// console in another window, two people can chat.
(function () {
  'use strict';

  const { t } = window.DemoI18n;
  const { el, byTestId, api, session, formatTime } = window.Demo;
  const { createChatPage, loginButton } = window.DemoChat;
  const client = window.wsClient;
  const store = session('switchboard.demo.contact');

  const chat = createChatPage({
    client, store, ownSide: 'contact',
    hooks: {
      start,
      signOut,
      renderList,
      renderChatHeader,
      conversationsLoaded: renderList,
      upsertConversation,
      // A conversation not in this contact's list was shown as "not yours", never subscribed.
      subscribed: (id) => state.conversations.has(id),
      loadFailedText: (err) => (err.status === 403 ? t('customer.notYours')
        : t('chat.loadFailed', { message: err.message })),
    },
  });
  const {
    state, showSignIn, signIn, sessionEnded, loadConversations, unreadFor, sortedConversations, closeConversation,
  } = chat;

  // The shared elements (common to both pages) and the customer page's own.
  const ui = Object.assign(chat.ui, {
    switchUser: byTestId('switch-user'),
    loginContacts: byTestId('login-contacts'),
    list: byTestId('customer-conversation-list'),
    listEmpty: byTestId('customer-conversation-empty'),
    newOpen: byTestId('new-conversation-open'),
    newPanel: byTestId('new-conversation'),
    newForm: byTestId('new-conversation-form'),
    newSubject: byTestId('new-conversation-subject'),
    newContent: byTestId('new-conversation-content'),
    newSubmit: byTestId('new-conversation-submit'),
    newError: byTestId('new-conversation-error'),
    notice: byTestId('chat-notice'),
    back: byTestId('back-to-list'),
    newBack: byTestId('new-conversation-back'),
  });

  chat.bindPageChrome();
  listenToEvents();
  wireActions();
  boot();

  // ------------------------------------------------------------ sign-in

  function requestedConversation() {
    const id = Number(new URLSearchParams(location.search).get('conversation'));
    return Number.isInteger(id) && id > 0 ? id : null;
  }

  async function boot() {
    if (!await chat.loadSignInUsers()) return;
    renderLoginButtons();
    const wanted = requestedConversation();
    const owner = wanted === null ? null
      : state.users.contacts.find((c) => (c.conversations || []).map(Number).includes(wanted));
    const saved = store.load();
    // The link names a conversation: be its contact by default (the picker switches).
    if (owner && (!saved || Number(saved.user.id) !== Number(owner.id))) signIn(owner.id);
    else if (saved && saved.user.role === 'contact') start(saved);
    else showSignIn();
  }

  function renderLoginButtons() {
    ui.loginContacts.replaceChildren(...state.users.contacts.map((contact) => loginButton(contact, {
      testid: 'login-contact-' + contact.id,
      avatarClass: 'avatar contact',
      detail: contact.email,
      onClick: () => signIn(contact.id),
    })));
  }

  async function start(signedIn) {
    closeConversation();
    state.readRequested.clear();
    chat.enterWorkspace(signedIn);
    // The token lists this contact's conversations: the only ones it may subscribe to. Asked for at every
    // (re)connect, so a reconnect uses the newest token, whichever way it was swapped in.
    client.connect({ userId: state.me.id, token: tokenForConnect });
    scheduleTokenRenewal();
    await loadConversations();
    const wanted = requestedConversation();
    if (wanted !== null) openConversation(wanted);
    else showNewConversation(state.conversations.size === 0);
  }

  /** A refused token: back to the sign-in (the contact's list stays until the next sign-in replaces it). */
  function signOut(message) {
    clearTimeout(renewalTimer);
    chat.forgetSession();
    showSignIn(message);
  }

  // -------------------------------------------------------------- token

  /**
   * How long before a token's exp the page swaps it for a fresh one: this, or half the token's remaining life
   * if that is shorter, so a short-lived token is renewed in time too.
   */
  const RENEW_BEFORE_EXP_MS = 5 * 60 * 1000;
  /** setTimeout's longest delay (about 24.8 days); a longer one would fire at once. */
  const MAX_TIMER_MS = 2147483647;
  /** After a failed renewal, the next try. */
  const RENEW_RETRY_MS = 15000;
  let renewalTimer = null;

  /** The token's exp in epoch milliseconds, read from its payload (the server verifies it; this only plans). */
  function expiryOf(token) {
    try {
      const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const exp = JSON.parse(atob(payload)).exp;
      return typeof exp === 'number' ? exp * 1000 : null;
    } catch (err) {
      return null;
    }
  }

  function renewalDelay(token) {
    const exp = expiryOf(token);
    if (exp === null) return null;
    const remaining = exp - Date.now();
    return Math.min(MAX_TIMER_MS, Math.max(0, remaining - Math.min(RENEW_BEFORE_EXP_MS, remaining / 2)));
  }

  function scheduleTokenRenewal() {
    clearTimeout(renewalTimer);
    const delay = renewalDelay(state.token);
    if (delay !== null) renewalTimer = setTimeout(renewTokenOnTheOpenSocket, delay);
  }

  /**
   * DEMO-ONLY: the demo's sign-in mints the fresh token. A real page asks its own web app, which knows who is
   * signed in. Resolves to false when the page signed out meanwhile.
   */
  async function fetchFreshToken() {
    const me = state.me;
    const result = await api('login', { method: 'POST', body: { user_id: me.id } });
    if (state.me !== me) return false;
    adoptToken(result);
    return true;
  }

  /** A token for the same contact replaces the old one for the API calls, the saved sign-in and reconnects. */
  function adoptToken(result) {
    state.token = result.token;
    store.save({ token: result.token, user: result.user });
    scheduleTokenRenewal();
  }

  /**
   * The client's token option: the current token, or, if it is already due for renewal (a timer in a
   * background tab can fire late), a Promise of a fresh one, so a reconnect never presents a token about to
   * expire. A plain string when nothing is due: the client then sends its auth frame at once, before any frame
   * the page sends after it (a subscribe the new token allows).
   */
  function tokenForConnect() {
    if (!state.me || renewalDelay(state.token) !== 0) return state.token;
    // On failure the current token is still the best there is; the server says if it is refused.
    return fetchFreshToken().then(() => state.token, () => state.token);
  }

  /** Before exp: a fresh token, swapped in on the open connection. */
  async function renewTokenOnTheOpenSocket() {
    if (!state.me) return;
    try {
      if (await fetchFreshToken()) await swapTokenOnTheSocket();
    } catch (err) {
      if (sessionEnded(err)) return;
      // The old token may be good a while longer, and a reconnect renews it itself (tokenForConnect).
      clearTimeout(renewalTimer);
      renewalTimer = setTimeout(renewTokenOnTheOpenSocket, RENEW_RETRY_MS);
    }
  }

  /**
   * Hands the open connection state.token: with reauthenticate(), the server swaps it on the live socket and
   * subscriptions, presence and typing carry on; a client without it reconnects, which asks tokenForConnect.
   * A connection still authenticating may have sent the old token: it starts over. One waiting to reconnect
   * needs nothing: its next attempt asks tokenForConnect.
   */
  async function swapTokenOnTheSocket() {
    if (client.status === 'connected' && typeof client.reauthenticate === 'function') {
      try {
        // The client keeps tokenForConnect as its token option for later reconnects.
        await client.reauthenticate(tokenForConnect);
      } catch (err) {
        // Refused: the client reports it and the page signs out ('unauthorized'). Or the connection went away
        // first: its reconnect asks tokenForConnect. Nothing more to do here either way.
      }
    } else if (client.status === 'connected' || client.status === 'connecting') {
      client.disconnect();
      client.connect({ userId: state.me.id, token: tokenForConnect });
    }
  }

  // ------------------------------------------------------- conversations

  function upsertConversation(c) {
    if (!state.me || Number(c.contact_id) !== state.me.id) return;
    state.conversations.set(Number(c.id), c);
    renderList();
    if (Number(c.id) === state.openId) renderChatHeader();
  }

  function renderList() {
    const sorted = sortedConversations();
    ui.list.replaceChildren(...sorted.map((c) => {
      const id = Number(c.id);
      const unread = unreadFor(c);
      return el('li', {
        className: 'conversation' + (id === state.openId ? ' active' : '') + (unread ? ' has-unread' : '')
          + (c.status === 'closed' ? ' is-closed' : ''),
        testid: 'customer-conversation-' + id,
        dataset: { id, unread, status: c.status },
      }, [
        el('button', {
          className: 'conversation-button',
          attrs: { type: 'button' },
          on: { click: () => navigateTo(id) },
        }, [
          el('span', { className: 'conversation-top' }, [
            el('span', { className: 'conversation-contact', text: c.subject }),
            el('time', { className: 'conversation-time', text: formatTime(c.last_message_at) }),
          ]),
          el('span', { className: 'conversation-preview', text: c.last_message ? c.last_message.preview : '' }),
          el('span', { className: 'conversation-tags' }, [
            el('span', { className: 'pill status-' + c.status, text: t('conv.status.' + c.status) }),
            el('span', { className: 'badge', text: unread, hidden: unread === 0 }),
          ]),
        ]),
      ]);
    }));
    ui.listEmpty.hidden = sorted.length > 0;
  }

  function navigateTo(id) {
    history.pushState(null, '', '/demo/customer?conversation=' + id);
    openConversation(id);
  }

  /** Phones: from a conversation or the new-conversation form back to the list (wider, the form shows too). */
  function backToList() {
    history.pushState(null, '', '/demo/customer');
    showNewConversation(false);
  }

  // -------------------------------------------------- open conversation

  async function openConversation(id) {
    if (state.openId === id) return;
    closeConversation();
    state.openId = id;
    ui.newPanel.hidden = true;
    ui.chat.hidden = false;
    chat.showView('chat');
    ui.notice.hidden = true;
    ui.chatError.hidden = true;
    ui.composerError.hidden = true;
    ui.subject.textContent = '';
    renderList();
    if (!state.conversations.has(id)) {
      // Not in this contact's list: someone else's (or gone). The API would answer 403 or 404.
      ui.chatError.hidden = false;
      ui.chatError.textContent = t('customer.notYours');
      ui.composer.hidden = true;
      return;
    }
    ui.composer.hidden = false;
    renderChatHeader();
    chat.followConversation(id);
    chat.renderTypingLine();
    await chat.showMessages(id);
  }

  function renderChatHeader() {
    const c = state.conversations.get(state.openId);
    if (!c) return;
    const closed = c.status === 'closed';
    chat.renderChatTitle(c);
    ui.assignee.textContent = assigneeText(c);
    ui.notice.hidden = !closed;
    ui.notice.textContent = closed ? t('customer.closedNote') : '';
  }

  /**
   * Who serves the contact: the assignee; else the agent who last answered (agents may answer without taking
   * the conversation); only when no agent has written yet, "waiting".
   */
  function assigneeText(c) {
    if (c.agent_name) return t('customer.servedBy', { name: c.agent_name });
    const answered = chat.messages.lastFrom('agent')
      || (c.last_message && c.last_message.sender_type === 'agent' ? c.last_message : null);
    return answered ? t('customer.answeredBy', { name: answered.sender_name }) : t('customer.waiting');
  }

  // ------------------------------------------------------------- events

  function listenToEvents() {
    // Resume (a reload only on resync_required), typing, new messages, read receipts, a refused token: as on the
    // console.
    chat.listen();
    client.on('conversation_updated', (data) => upsertConversation(data.conversation));
    // An agent's answer can change who the header says serves the contact (chat.listen added it to the list).
    client.on('new_message', (data) => {
      if (Number(data.conversation_id) === state.openId) renderChatHeader();
    });
    window.addEventListener('popstate', () => {
      if (!state.me) return;
      const wanted = requestedConversation();
      if (wanted !== null) openConversation(wanted);
      else showNewConversation(false);
    });
  }

  // ------------------------------------------------------------ actions

  function wireActions() {
    ui.switchUser.addEventListener('click', () => {
      clearTimeout(renewalTimer);
      showSignIn();
    });
    ui.back.addEventListener('click', backToList);
    ui.newBack.addEventListener('click', backToList);
    ui.newOpen.addEventListener('click', () => {
      history.pushState(null, '', '/demo/customer');
      showNewConversation(true);
    });
    ui.newForm.addEventListener('submit', (event) => {
      event.preventDefault();
      startConversation();
    });
    chat.wireComposer();
  }

  /**
   * The new-conversation form, beside the list. On a phone, which shows one of them, the form when the contact
   * asked for it (or has no conversation yet), else the list.
   */
  function showNewConversation(formOnPhone) {
    closeConversation();
    renderList();
    ui.newPanel.hidden = false;
    ui.newError.hidden = true;
    chat.showView(formOnPhone ? 'chat' : 'list');
    ui.newSubject.focus();
  }

  async function startConversation() {
    const subject = ui.newSubject.value.trim();
    const content = ui.newContent.value;
    if (!subject || !content.trim()) return;
    ui.newSubmit.disabled = true;
    ui.newError.hidden = true;
    try {
      const result = await api('conversations', { method: 'POST', token: state.token, body: { subject, content } });
      // The old token does not list the new conversation; the fresh one does. Swapped in before the page
      // subscribes to it (frames on one connection are handled in order).
      adoptToken(result);
      swapTokenOnTheSocket();
      ui.newSubject.value = '';
      ui.newContent.value = '';
      state.conversations.set(Number(result.conversation.id), result.conversation);
      navigateTo(Number(result.conversation.id));
    } catch (err) {
      if (!sessionEnded(err)) {
        ui.newError.hidden = false;
        ui.newError.textContent = t('error.generic', { message: err.message });
      }
    } finally {
      ui.newSubmit.disabled = false;
    }
  }
})();
