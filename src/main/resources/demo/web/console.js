// The agent console: sign in as a seeded agent, then watch and work the helpdesk live.
//
// Data comes from two places, as in any app built on Switchboard: the demo's JSON API (loads and actions)
// and the WebSocket events the API's transactions emit (everything that changes, for everyone). The page
// never assumes its own action succeeded until the API says so; it renders events the same way whether they
// come from this agent or another.
(function () {
  'use strict';

  const { t, apply } = window.DemoI18n;
  const {
    el, byTestId, api, loadUsers, session, formatTime, bindConnectionIndicator, bindDebugPanel,
    TypingTracker, renderTyping, firstName, MessageList, toast,
  } = window.Demo;
  const client = window.wsClient;
  const store = session('switchboard.demo.agent');

  const ui = {
    loading: byTestId('loading'),
    connection: byTestId('connection'),
    debugToggle: byTestId('debug-toggle'),
    debugPanel: byTestId('debug-panel'),
    me: byTestId('me'),
    meAvatar: byTestId('me-avatar'),
    currentUser: byTestId('current-user'),
    signOut: byTestId('sign-out'),
    signin: byTestId('signin'),
    signinMessage: byTestId('signin-message'),
    loginAgents: byTestId('login-agents'),
    workspace: byTestId('workspace'),
    list: byTestId('conversation-list'),
    listEmpty: byTestId('conversation-list-empty'),
    count: byTestId('conversation-count'),
    chatEmpty: byTestId('chat-empty'),
    chat: byTestId('chat'),
    subject: byTestId('chat-subject'),
    contact: byTestId('chat-contact'),
    status: byTestId('chat-status'),
    assignee: byTestId('chat-assignee'),
    assign: byTestId('assign-button'),
    assignTo: byTestId('assign-select'),
    close: byTestId('close-button'),
    reopen: byTestId('reopen-button'),
    customerLink: byTestId('customer-link'),
    chatError: byTestId('chat-error'),
    messages: byTestId('message-list'),
    typing: byTestId('typing-indicator'),
    composer: byTestId('composer'),
    input: byTestId('message-input'),
    send: byTestId('send-button'),
    composerError: byTestId('composer-error'),
    agents: byTestId('agent-list'),
    toasts: byTestId('toasts'),
  };

  const state = {
    users: null,
    me: null,
    token: null,
    /** Conversations by id, in the list's shape. */
    conversations: new Map(),
    openId: null,
    detachTyping: null,
    /** Agent presence by id, from the presence snapshot and agent_status events. */
    presence: new Map(),
    everConnected: false,
    /** Bumped on every open, so a slow load never renders into a conversation opened since. */
    openSeq: 0,
    /** Highest message id this page has already asked to mark read, per conversation. */
    readRequested: new Map(),
  };

  const messages = new MessageList(ui.messages, 'agent');
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

  async function boot() {
    try {
      state.users = await loadUsers();
    } catch (err) {
      showSignIn(t('error.generic', { message: err.message }));
      return;
    }
    renderLoginButtons();
    const saved = store.load();
    if (saved && saved.user.role !== 'contact') start(saved);
    else showSignIn();
  }

  function renderLoginButtons() {
    ui.loginAgents.replaceChildren(...state.users.agents.map((agent) => el('button', {
      className: 'user-button',
      testid: 'login-agent-' + agent.id,
      attrs: { type: 'button' },
      on: { click: () => signIn(agent.id) },
    }, [
      el('span', { className: 'avatar', text: initials(agent.name), attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'user-button-text' }, [
        el('span', { className: 'user-name', text: agent.name }),
        el('span', { className: 'user-detail', text: t('role.' + agent.role) + ' · ' + agent.email }),
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
    state.me = { id: Number(signedIn.user.id), name: signedIn.user.name, role: signedIn.user.role };
    state.token = signedIn.token;
    ui.loading.hidden = true;
    ui.signin.hidden = true;
    ui.workspace.hidden = false;
    ui.me.hidden = false;
    ui.currentUser.textContent = state.me.name;
    ui.meAvatar.textContent = initials(state.me.name);
    renderAgents();
    client.connect({ userId: state.me.id, token: state.token });
    await loadConversations();
    const fromHash = /conversation=(\d+)/.exec(location.hash);
    if (fromHash && state.conversations.has(Number(fromHash[1]))) openConversation(Number(fromHash[1]));
  }

  function signOut(message) {
    closeConversation();
    // A refused token leaves the client 'failed' with its reason: keep showing that rather than 'disconnected'.
    if (client.status !== 'failed') client.disconnect();
    store.clear();
    state.me = null;
    state.token = null;
    state.conversations.clear();
    state.presence.clear();
    state.readRequested.clear();
    state.everConnected = false;
    typing.clear();
    ui.list.replaceChildren();
    history.replaceState(null, '', location.pathname);
    showSignIn(message);
  }

  /** A rejected token ends the session; anything else is the caller's to show. */
  function sessionEnded(err) {
    if (err && err.status === 401) {
      signOut(t('error.session'));
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
      if (state.openId !== null) renderChatHeader();
    } catch (err) {
      if (!sessionEnded(err)) toast(ui.toasts, t('error.generic', { message: err.message }), 'error-toast');
    }
  }

  /** The signed-in agent's unread count: its entry in `unread` (events), else `unread_count` (API). */
  function unreadFor(conversation) {
    const byUser = conversation.unread;
    if (byUser && byUser[state.me.id] != null) return Number(byUser[state.me.id]);
    return Number(conversation.unread_count || 0);
  }

  function upsertConversation(conversation, flash) {
    const id = Number(conversation.id);
    state.conversations.set(id, conversation);
    renderList(flash ? id : null);
    if (id === state.openId) renderChatHeader();
  }

  /** Most recent activity first, so a conversation that changes moves to the top. */
  function sortedConversations() {
    return Array.from(state.conversations.values()).sort((a, b) =>
      (b.updated_at || '').localeCompare(a.updated_at || '') || Number(b.id) - Number(a.id));
  }

  function renderList(flashId) {
    const items = sortedConversations().map((c) => conversationItem(c, Number(c.id) === flashId));
    ui.list.replaceChildren(...items);
    ui.count.textContent = String(items.length);
    ui.listEmpty.hidden = items.length > 0;
  }

  function conversationItem(c, flash) {
    const id = Number(c.id);
    const unread = unreadFor(c);
    const mine = c.agent_id != null && Number(c.agent_id) === state.me.id;
    const last = c.last_message;
    const preview = last
      ? (last.sender_type === 'agent' ? firstName(last.sender_name) + ': ' : '') + last.preview
      : '';
    const classes = ['conversation'];
    if (id === state.openId) classes.push('active');
    if (unread > 0) classes.push('has-unread');
    if (c.status === 'closed') classes.push('is-closed');
    if (flash) classes.push('flash');
    return el('li', {
      className: classes.join(' '),
      testid: 'conversation-' + id,
      dataset: { id, unread, status: c.status, assignee: c.agent_id == null ? '' : c.agent_id },
    }, [
      el('button', {
        className: 'conversation-button',
        attrs: { type: 'button', 'aria-current': id === state.openId ? 'true' : null },
        on: { click: () => openConversation(id) },
      }, [
        el('span', { className: 'conversation-top' }, [
          el('span', { className: 'conversation-contact', text: c.contact_name }),
          el('time', { className: 'conversation-time', text: formatTime(c.last_message_at) }),
        ]),
        el('span', { className: 'conversation-subject', text: c.subject }),
        el('span', { className: 'conversation-preview', text: preview }),
        el('span', { className: 'conversation-tags' }, [
          el('span', {
            className: 'pill status-' + c.status, text: t('conv.status.' + c.status),
            testid: 'conversation-status-' + id,
          }),
          el('span', {
            className: 'conversation-assignee' + (mine ? ' mine' : ''),
            testid: 'conversation-assignee-' + id,
            text: mine ? t('list.you') : (c.agent_name || t('list.unassigned')),
          }),
          el('span', {
            className: 'badge', testid: 'conversation-unread-' + id, text: unread, hidden: unread === 0,
            title: String(unread),
          }),
        ]),
      ]),
    ]);
  }

  // -------------------------------------------------- open conversation

  async function openConversation(id) {
    if (state.openId === id) return;
    closeConversation();
    state.openId = id;
    history.replaceState(null, '', '#conversation=' + id);
    client.subscribe(id);
    // Sends typing=true while the agent types, false after 3 s idle; detached when the conversation closes.
    state.detachTyping = client.typingFor(id, ui.input);
    ui.chatEmpty.hidden = true;
    ui.chat.hidden = false;
    ui.chatError.hidden = true;
    ui.composerError.hidden = true;
    renderChatHeader();
    renderTypingLine();
    renderList();
    await loadMessages(id);
    if (state.openId === id) ui.input.focus();
  }

  /** Loads (or reloads, after a reconnect) the open conversation; live messages received meanwhile stay. */
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
      ui.chatError.textContent = t('chat.loadFailed', { message: err.message });
    }
  }

  function closeConversation() {
    if (state.openId === null) return;
    if (state.detachTyping) state.detachTyping();
    state.detachTyping = null;
    client.unsubscribe(state.openId);
    state.openId = null;
    state.openSeq++;
    messages.reset();
    ui.input.value = '';
    ui.chat.hidden = true;
    ui.chatEmpty.hidden = false;
    renderTypingLine();
  }

  function renderChatHeader() {
    const c = state.conversations.get(state.openId);
    if (!c) return;
    const closed = c.status === 'closed';
    const mine = c.agent_id != null && Number(c.agent_id) === state.me.id;
    ui.chat.dataset.conversationId = String(c.id);
    ui.chat.dataset.status = c.status;
    ui.subject.textContent = c.subject;
    ui.contact.textContent = c.contact_name + ' · #' + c.id;
    ui.status.textContent = t('conv.status.' + c.status);
    ui.status.className = 'pill status-' + c.status;
    ui.status.dataset.status = c.status;
    ui.assignee.textContent = mine ? t('conv.assignedToYou')
      : c.agent_name ? t('conv.assignedTo', { name: c.agent_name }) : t('conv.unassigned');
    ui.assignee.dataset.assignee = c.agent_id == null ? '' : String(c.agent_id);
    ui.assign.disabled = mine;
    renderAssignChoices(c);
    ui.close.hidden = closed;
    ui.reopen.hidden = !closed;
    ui.customerLink.href = '/demo/customer?conversation=' + encodeURIComponent(c.id);
    ui.input.disabled = closed;
    ui.send.disabled = closed;
    ui.input.placeholder = closed ? t('composer.closed') : t('composer.placeholder');
  }

  function renderTypingLine() {
    const names = state.openId === null ? []
      : typing.typists(state.openId).filter((uid) => !state.me || uid !== state.me.id).map(nameOf);
    renderTyping(ui.typing, names);
  }

  /** Marks the open conversation read up to its newest message, when the agent can see it and has unread. */
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
      if (state.conversations.has(conversationId)) upsertConversation(result.conversation, false);
    } catch (err) {
      state.readRequested.delete(conversationId);
      sessionEnded(err);
    }
  }

  // ------------------------------------------------------------- agents

  function renderAgents() {
    if (!state.users) return;
    ui.agents.replaceChildren(...state.users.agents.map((agent) => {
      const id = Number(agent.id);
      const isMe = state.me && id === state.me.id;
      const status = isMe && client.connected ? 'online' : (state.presence.get(id) || 'offline');
      return el('li', { className: 'agent status-' + status, testid: 'agent-' + id, dataset: { status } }, [
        el('span', { className: 'presence-dot', attrs: { 'aria-hidden': 'true' } }),
        el('span', { className: 'agent-name' }, [
          agent.name,
          isMe ? el('span', { className: 'muted', text: ' ' + t('agents.you') }) : null,
        ]),
        agent.role === 'admin' ? el('span', { className: 'role-tag', text: t('role.admin') }) : null,
        el('span', { className: 'agent-status', testid: 'agent-status-' + id, text: t('agents.' + status) }),
      ]);
    }));
  }

  // ------------------------------------------------------------- events

  function listenToEvents() {
    client.on('connected', () => {
      // Events sent while this page was away are not replayed yet: reload what they would have changed.
      if (state.everConnected) {
        loadConversations();
        if (state.openId !== null) loadMessages(state.openId);
      }
      state.everConnected = true;
      renderAgents();
    });
    client.on('disconnected', () => {
      // Through a dead link nobody is seen typing, and presence is unknown until the next snapshot.
      typing.clear();
      renderTypingLine();
      state.presence.clear();
      renderAgents();
    });
    // The own entry follows the connection state.
    client.on('status', () => renderAgents());
    client.on('presence', (data) => {
      state.presence.clear();
      for (const agent of data.agents || []) state.presence.set(Number(agent.agent_id), agent.status);
      renderAgents();
    });
    client.on('agent_status', (data) => {
      state.presence.set(Number(data.agent_id), data.status);
      renderAgents();
    });
    client.on('new_conversation', (data) => {
      if (state.me) upsertConversation(data.conversation, true);
    });
    client.on('conversation_updated', (data) => {
      if (state.me) upsertConversation(data.conversation, true);
    });
    client.on('new_message', (data) => {
      const conversationId = Number(data.conversation_id);
      if (conversationId !== state.openId) return;
      const message = data.message;
      messages.upsert(message);
      typing.set(conversationId, message.sender_id, false);
      if (message.sender_type === 'contact' && document.visibilityState === 'visible') {
        markRead(conversationId, Number(message.id));
      }
    });
    client.on('typing', (data) => typing.set(data.conversation_id, data.user_id, data.is_typing));
    client.on('message_read', (data) => {
      if (Number(data.conversation_id) !== state.openId) return;
      const reader = state.users && state.users.byId.get(Number(data.user_id));
      messages.markReadUpTo(data.message_id, reader && reader.role === 'contact' ? 'contact' : 'agent');
    });
    // The custom event the assign endpoint sends to the assignee only.
    client.on('conversation_assigned', (data) => {
      const by = data.assigned_by || {};
      if (state.me && Number(by.id) !== state.me.id) {
        toast(ui.toasts, t('toast.assigned', { by: by.name, subject: data.conversation.subject }), 'assigned-toast');
      }
      upsertConversation(data.conversation, true);
    });
    client.on('error', (data) => {
      // 4001: the token was refused and the client stopped retrying (status 'failed', shown as such).
      if (data.code === 'unauthorized' && state.me) toast(ui.toasts, t('error.session'), 'session-toast');
    });
    document.addEventListener('visibilitychange', markReadIfSeen);
  }

  /** "Assign to…": every agent but the current assignee; assigning someone else sends them a toast. */
  function renderAssignChoices(conversation) {
    const current = conversation.agent_id == null ? null : Number(conversation.agent_id);
    const options = [el('option', { text: t('action.assignTo'), attrs: { value: '' } })];
    for (const agent of state.users.agents) {
      if (Number(agent.id) === current) continue;
      const name = Number(agent.id) === state.me.id ? agent.name + ' ' + t('agents.you') : agent.name;
      options.push(el('option', { text: name, attrs: { value: agent.id } }));
    }
    ui.assignTo.replaceChildren(...options);
    ui.assignTo.value = '';
    ui.assignTo.setAttribute('aria-label', t('action.assignTo'));
    ui.assignTo.disabled = options.length === 1;
  }

  // ------------------------------------------------------------ actions

  function wireActions() {
    ui.signOut.addEventListener('click', () => signOut());
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
    ui.assign.addEventListener('click', () =>
      conversationAction('assign', { agent_id: state.me.id }));
    ui.assignTo.addEventListener('change', () => {
      const agentId = Number(ui.assignTo.value);
      ui.assignTo.value = '';
      if (agentId) conversationAction('assign', { agent_id: agentId });
    });
    ui.close.addEventListener('click', () => conversationAction('close'));
    ui.reopen.addEventListener('click', () => conversationAction('reopen'));
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
        // Re-arming the helper sends typing=false now instead of after the idle delay.
        if (state.detachTyping) state.detachTyping();
        state.detachTyping = client.typingFor(id, ui.input);
      }
      upsertConversation(result.conversation, false);
    } catch (err) {
      if (!sessionEnded(err)) {
        ui.composerError.hidden = false;
        ui.composerError.textContent = t('error.generic', { message: err.message });
      }
    } finally {
      if (state.openId === id) renderChatHeader();
      else ui.send.disabled = false;
    }
  }

  async function conversationAction(action, body) {
    const id = state.openId;
    if (id === null) return;
    ui.chatError.hidden = true;
    try {
      const result = await api('conversations/' + id + '/' + action,
        { method: 'POST', token: state.token, body: body || {} });
      upsertConversation(result.conversation, false);
    } catch (err) {
      if (!sessionEnded(err)) {
        ui.chatError.hidden = false;
        ui.chatError.textContent = t('error.generic', { message: err.message });
      }
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
