// The customer's side of the helpdesk: /demo/customer?conversation=ID shows one conversation as its contact
// sees it; without an id, the contact's conversations and a form to start a new one. Together with the agent
// console in another window, two people can chat.
(function () {
  'use strict';

  const { t, apply } = window.DemoI18n;
  const {
    el, byTestId, api, loadUsers, session, formatTime, bindConnectionIndicator, bindDebugPanel,
    TypingTracker, renderTyping, firstName, MessageList, toast,
  } = window.Demo;
  const client = window.wsClient;
  const store = session('switchboard.demo.contact');

  const ui = {
    loading: byTestId('loading'),
    connection: byTestId('connection'),
    debugToggle: byTestId('debug-toggle'),
    debugPanel: byTestId('debug-panel'),
    me: byTestId('me'),
    meAvatar: byTestId('me-avatar'),
    currentUser: byTestId('current-user'),
    switchUser: byTestId('switch-user'),
    signin: byTestId('signin'),
    signinMessage: byTestId('signin-message'),
    loginContacts: byTestId('login-contacts'),
    workspace: byTestId('workspace'),
    list: byTestId('customer-conversation-list'),
    listEmpty: byTestId('customer-conversation-empty'),
    newOpen: byTestId('new-conversation-open'),
    newPanel: byTestId('new-conversation'),
    newForm: byTestId('new-conversation-form'),
    newSubject: byTestId('new-conversation-subject'),
    newContent: byTestId('new-conversation-content'),
    newSubmit: byTestId('new-conversation-submit'),
    newError: byTestId('new-conversation-error'),
    chat: byTestId('chat'),
    subject: byTestId('chat-subject'),
    status: byTestId('chat-status'),
    assignee: byTestId('chat-assignee'),
    notice: byTestId('chat-notice'),
    chatError: byTestId('chat-error'),
    messages: byTestId('message-list'),
    typing: byTestId('typing-indicator'),
    composer: byTestId('composer'),
    input: byTestId('message-input'),
    send: byTestId('send-button'),
    composerError: byTestId('composer-error'),
    toasts: byTestId('toasts'),
  };

  const state = {
    users: null,
    me: null,
    token: null,
    conversations: new Map(),
    openId: null,
    detachTyping: null,
    everConnected: false,
    openSeq: 0,
    readRequested: new Map(),
  };

  const messages = new MessageList(ui.messages, 'contact');
  const typing = new TypingTracker((conversationId) => {
    if (conversationId === state.openId) renderTypingLine();
  });

  apply(document);
  bindConnectionIndicator(ui.connection, client);
  bindDebugPanel(ui.debugToggle, ui.debugPanel, client);
  listenToEvents();
  wireActions();
  boot();

  // ------------------------------------------------------------ sign-in

  function requestedConversation() {
    const id = Number(new URLSearchParams(location.search).get('conversation'));
    return Number.isInteger(id) && id > 0 ? id : null;
  }

  async function boot() {
    try {
      state.users = await loadUsers();
    } catch (err) {
      showSignIn(t('error.generic', { message: err.message }));
      return;
    }
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
    ui.loginContacts.replaceChildren(...state.users.contacts.map((contact) => el('button', {
      className: 'user-button',
      testid: 'login-contact-' + contact.id,
      attrs: { type: 'button' },
      on: { click: () => signIn(contact.id) },
    }, [
      el('span', { className: 'avatar contact', text: initials(contact.name), attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'user-button-text' }, [
        el('span', { className: 'user-name', text: contact.name }),
        el('span', { className: 'user-detail', text: contact.email }),
      ]),
    ])));
  }

  function showSignIn(message) {
    ui.loading.hidden = true;
    ui.signin.hidden = false;
    ui.workspace.hidden = true;
    ui.me.hidden = true;
    ui.signinMessage.hidden = !message;
    ui.signinMessage.textContent = message || '';
  }

  async function signIn(userId) {
    try {
      const result = await api('login', { method: 'POST', body: { user_id: userId } });
      store.save({ token: result.token, user: result.user });
      start(result);
    } catch (err) {
      showSignIn(t('error.generic', { message: err.message }));
    }
  }

  async function start(signedIn) {
    closeConversation();
    state.me = { id: Number(signedIn.user.id), name: signedIn.user.name, role: signedIn.user.role };
    state.token = signedIn.token;
    state.readRequested.clear();
    ui.loading.hidden = true;
    ui.signin.hidden = true;
    ui.workspace.hidden = false;
    ui.me.hidden = false;
    ui.currentUser.textContent = state.me.name;
    ui.meAvatar.textContent = initials(state.me.name);
    // The token lists this contact's conversations: the only ones it may subscribe to.
    client.connect({ userId: state.me.id, token: state.token });
    await loadConversations();
    const wanted = requestedConversation();
    if (wanted !== null) openConversation(wanted);
    else showNewConversation();
  }

  function sessionEnded(err) {
    if (err && err.status === 401) {
      closeConversation();
      if (client.status !== 'failed') client.disconnect();
      store.clear();
      state.me = null;
      showSignIn(t('error.session'));
      return true;
    }
    return false;
  }

  // ------------------------------------------------------- conversations

  async function loadConversations() {
    try {
      const data = await api('conversations', { token: state.token });
      state.conversations = new Map(data.conversations.map((c) => [Number(c.id), c]));
      renderList();
    } catch (err) {
      if (!sessionEnded(err)) toast(ui.toasts, t('error.generic', { message: err.message }), 'error-toast');
    }
  }

  function unreadFor(c) {
    if (c.unread && c.unread[state.me.id] != null) return Number(c.unread[state.me.id]);
    return Number(c.unread_count || 0);
  }

  function upsertConversation(c) {
    if (!state.me || Number(c.contact_id) !== state.me.id) return;
    state.conversations.set(Number(c.id), c);
    renderList();
    if (Number(c.id) === state.openId) renderChatHeader();
  }

  function renderList() {
    const sorted = Array.from(state.conversations.values()).sort((a, b) =>
      (b.updated_at || '').localeCompare(a.updated_at || '') || Number(b.id) - Number(a.id));
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

  // -------------------------------------------------- open conversation

  async function openConversation(id) {
    if (state.openId === id) return;
    closeConversation();
    state.openId = id;
    ui.newPanel.hidden = true;
    ui.chat.hidden = false;
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
    client.subscribe(id);
    state.detachTyping = client.typingFor(id, ui.input);
    renderTypingLine();
    await loadMessages(id);
    if (state.openId === id) ui.input.focus();
  }

  async function loadMessages(id) {
    const seq = ++state.openSeq;
    try {
      const detail = await api('conversations/' + id, { token: state.token });
      if (seq !== state.openSeq || state.openId !== id) return;
      state.conversations.set(id, detail.conversation);
      renderList();
      renderChatHeader();
      for (const message of detail.messages) messages.upsert(message);
      messages.scrollToEnd();
      markReadIfSeen();
    } catch (err) {
      if (sessionEnded(err) || state.openId !== id) return;
      ui.chatError.hidden = false;
      ui.chatError.textContent = err.status === 403 ? t('customer.notYours')
        : t('chat.loadFailed', { message: err.message });
    }
  }

  function closeConversation() {
    if (state.openId === null) return;
    if (state.detachTyping) state.detachTyping();
    state.detachTyping = null;
    if (state.conversations.has(state.openId)) client.unsubscribe(state.openId);
    state.openId = null;
    state.openSeq++;
    messages.reset();
    ui.input.value = '';
    ui.chat.hidden = true;
    renderTypingLine();
  }

  function renderChatHeader() {
    const c = state.conversations.get(state.openId);
    if (!c) return;
    const closed = c.status === 'closed';
    ui.chat.dataset.conversationId = String(c.id);
    ui.chat.dataset.status = c.status;
    ui.subject.textContent = c.subject;
    ui.status.textContent = t('conv.status.' + c.status);
    ui.status.className = 'pill status-' + c.status;
    ui.status.dataset.status = c.status;
    ui.assignee.textContent = c.agent_name ? t('customer.servedBy', { name: c.agent_name }) : t('customer.waiting');
    ui.notice.hidden = !closed;
    ui.notice.textContent = closed ? t('customer.closedNote') : '';
  }

  function renderTypingLine() {
    const names = state.openId === null ? []
      : typing.typists(state.openId).filter((uid) => !state.me || uid !== state.me.id).map(nameOf);
    renderTyping(ui.typing, names);
  }

  function markReadIfSeen() {
    const id = state.openId;
    const c = state.conversations.get(id);
    if (!c || document.visibilityState !== 'visible' || unreadFor(c) === 0) return;
    const lastId = Math.max(messages.lastId() || 0, c.last_message ? Number(c.last_message.id) : 0);
    if (lastId > 0) markRead(id, lastId);
  }

  async function markRead(conversationId, messageId) {
    if ((state.readRequested.get(conversationId) || 0) >= messageId) return;
    state.readRequested.set(conversationId, messageId);
    try {
      const result = await api('conversations/' + conversationId + '/read',
        { method: 'POST', token: state.token, body: { message_id: messageId } });
      upsertConversation(result.conversation);
    } catch (err) {
      state.readRequested.delete(conversationId);
      sessionEnded(err);
    }
  }

  // ------------------------------------------------------------- events

  function listenToEvents() {
    client.on('connected', () => {
      if (state.everConnected && state.me) {
        loadConversations();
        if (state.openId !== null) loadMessages(state.openId);
      }
      state.everConnected = true;
    });
    client.on('disconnected', () => {
      typing.clear();
      renderTypingLine();
    });
    client.on('conversation_updated', (data) => upsertConversation(data.conversation));
    client.on('new_message', (data) => {
      const conversationId = Number(data.conversation_id);
      if (conversationId !== state.openId) return;
      const message = data.message;
      messages.upsert(message);
      typing.set(conversationId, message.sender_id, false);
      if (message.sender_type === 'agent' && document.visibilityState === 'visible') {
        markRead(conversationId, Number(message.id));
      }
    });
    client.on('typing', (data) => typing.set(data.conversation_id, data.user_id, data.is_typing));
    client.on('message_read', (data) => {
      if (Number(data.conversation_id) !== state.openId) return;
      const reader = state.users && state.users.byId.get(Number(data.user_id));
      messages.markReadUpTo(data.message_id, reader && reader.role === 'contact' ? 'contact' : 'agent');
    });
    client.on('error', (data) => {
      if (data.code === 'unauthorized' && state.me) toast(ui.toasts, t('error.session'), 'session-toast');
    });
    document.addEventListener('visibilitychange', markReadIfSeen);
    window.addEventListener('popstate', () => {
      if (!state.me) return;
      const wanted = requestedConversation();
      if (wanted !== null) openConversation(wanted);
      else showNewConversation();
    });
  }

  // ------------------------------------------------------------ actions

  function wireActions() {
    ui.switchUser.addEventListener('click', () => showSignIn());
    ui.newOpen.addEventListener('click', () => {
      history.pushState(null, '', '/demo/customer');
      showNewConversation();
    });
    ui.newForm.addEventListener('submit', (event) => {
      event.preventDefault();
      startConversation();
    });
    ui.composer.addEventListener('submit', (event) => {
      event.preventDefault();
      sendMessage();
    });
    ui.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        sendMessage();
      }
    });
  }

  function showNewConversation() {
    closeConversation();
    renderList();
    ui.newPanel.hidden = false;
    ui.newError.hidden = true;
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
      // The old token does not list the new conversation; reconnect with the fresh one that does.
      state.token = result.token;
      store.save({ token: result.token, user: result.user });
      client.connect({ userId: state.me.id, token: state.token });
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

  async function sendMessage() {
    const id = state.openId;
    const content = ui.input.value;
    if (id === null || !content.trim() || ui.send.disabled) return;
    ui.send.disabled = true;
    ui.composerError.hidden = true;
    try {
      const result = await api('conversations/' + id + '/messages',
        { method: 'POST', token: state.token, body: { content } });
      if (state.openId === id) {
        ui.input.value = '';
        messages.upsert(result.message);
        if (state.detachTyping) state.detachTyping();
        state.detachTyping = client.typingFor(id, ui.input);
      }
      upsertConversation(result.conversation);
    } catch (err) {
      if (!sessionEnded(err)) {
        ui.composerError.hidden = false;
        ui.composerError.textContent = t('error.generic', { message: err.message });
      }
    } finally {
      ui.send.disabled = false;
    }
  }

  // ------------------------------------------------------------ helpers

  function nameOf(userId) {
    const user = state.users && state.users.byId.get(Number(userId));
    return user ? firstName(user.name) : '#' + userId;
  }

  function initials(name) {
    return String(name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((part) => part[0]).join('').toUpperCase();
  }
})();
