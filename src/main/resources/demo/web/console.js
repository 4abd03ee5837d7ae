// The agent console: sign in as a seeded agent, then watch and work the helpdesk live.
//
// Data comes from two places, as in any app built on Switchboard: the demo's JSON API (loads and actions)
// and the WebSocket events the API's transactions emit (everything that changes, for everyone). The page
// never assumes its own action succeeded until the API says so; it renders events the same way whether they
// come from this agent or another.
(function () {
  'use strict';

  const { t } = window.DemoI18n;
  const { el, byTestId, api, session, formatTime, firstName, toast } = window.Demo;
  const { createChatPage, loginButton } = window.DemoChat;
  const client = window.wsClient;
  const store = session('switchboard.demo.agent');

  const chat = createChatPage({
    client, store, ownSide: 'agent',
    hooks: {
      start,
      signOut,
      renderList,
      renderChatHeader,
      // A reload after a reconnect may have changed the open conversation too.
      conversationsLoaded: () => {
        renderList();
        if (state.openId !== null) renderChatHeader();
      },
      upsertConversation: (conversation) => upsertConversation(conversation, false),
      // The header decides: a closed conversation keeps the send button disabled.
      releaseSend: (id) => {
        if (state.openId === id) renderChatHeader();
        else ui.send.disabled = false;
      },
    },
  });
  const {
    state, typing, showSignIn, signIn, sessionEnded, loadConversations, unreadFor, sortedConversations,
    closeConversation,
  } = chat;
  /** Agent presence by id, from the presence snapshot and agent_status events. */
  const presence = new Map();

  // The shared elements (common to both pages) and the console's own.
  const ui = Object.assign(chat.ui, {
    signOut: byTestId('sign-out'),
    loginAgents: byTestId('login-agents'),
    list: byTestId('conversation-list'),
    listEmpty: byTestId('conversation-list-empty'),
    count: byTestId('conversation-count'),
    contact: byTestId('chat-contact'),
    assign: byTestId('assign-button'),
    assignTo: byTestId('assign-select'),
    close: byTestId('close-button'),
    reopen: byTestId('reopen-button'),
    customerLink: byTestId('customer-link'),
    back: byTestId('back-to-list'),
    agents: byTestId('agent-list'),
  });

  chat.bindPageChrome();
  listenToEvents();
  wireActions();
  boot();

  // ------------------------------------------------------------ sign-in

  async function boot() {
    if (!await chat.loadSignInUsers()) return;
    renderLoginButtons();
    const saved = store.load();
    if (saved && saved.user.role !== 'contact') start(saved);
    else showSignIn();
  }

  function renderLoginButtons() {
    ui.loginAgents.replaceChildren(...state.users.agents.map((agent) => loginButton(agent, {
      testid: 'login-agent-' + agent.id,
      avatarClass: 'avatar',
      detail: t('role.' + agent.role) + ' · ' + agent.email,
      onClick: () => signIn(agent.id),
    })));
  }

  async function start(signedIn) {
    chat.enterWorkspace(signedIn);
    renderAgents();
    client.connect({ userId: state.me.id, token: state.token });
    await loadConversations();
    const fromHash = /conversation=(\d+)/.exec(location.hash);
    if (fromHash && state.conversations.has(Number(fromHash[1]))) openConversation(Number(fromHash[1]));
  }

  function signOut(message) {
    chat.forgetSession();
    state.token = null;
    state.conversations.clear();
    presence.clear();
    state.readRequested.clear();
    state.everConnected = false;
    typing.clear();
    ui.list.replaceChildren();
    history.replaceState(null, '', location.pathname);
    showSignIn(message);
  }

  // ------------------------------------------------------- conversations

  function upsertConversation(conversation, flash) {
    const id = Number(conversation.id);
    state.conversations.set(id, conversation);
    renderList(flash ? id : null);
    if (id === state.openId) renderChatHeader();
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
    chat.followConversation(id);
    ui.chatEmpty.hidden = true;
    ui.chat.hidden = false;
    chat.showView('chat');
    ui.chatError.hidden = true;
    ui.composerError.hidden = true;
    renderChatHeader();
    chat.renderTypingLine();
    renderList();
    await chat.showMessages(id);
  }

  function renderChatHeader() {
    const c = state.conversations.get(state.openId);
    if (!c) return;
    const closed = c.status === 'closed';
    const mine = c.agent_id != null && Number(c.agent_id) === state.me.id;
    chat.renderChatTitle(c);
    ui.contact.textContent = c.contact_name + ' · #' + c.id;
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

  // ------------------------------------------------------------- agents

  function renderAgents() {
    if (!state.users) return;
    ui.agents.replaceChildren(...state.users.agents.map((agent) => {
      const id = Number(agent.id);
      const isMe = state.me && id === state.me.id;
      const status = isMe && client.connected ? 'online' : (presence.get(id) || 'offline');
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
    // Resume (a reload only on resync_required), typing, new messages, read receipts, a refused token: as on the
    // customer page.
    chat.listen();
    client.on('connected', () => renderAgents());
    client.on('disconnected', () => {
      // Presence is unknown until the next snapshot.
      presence.clear();
      renderAgents();
    });
    // The own entry follows the connection state.
    client.on('status', () => renderAgents());
    client.on('presence', (data) => {
      presence.clear();
      for (const agent of data.agents || []) presence.set(Number(agent.agent_id), agent.status);
      renderAgents();
    });
    client.on('agent_status', (data) => {
      presence.set(Number(data.agent_id), data.status);
      renderAgents();
    });
    client.on('new_conversation', (data) => {
      if (state.me) upsertConversation(data.conversation, true);
    });
    client.on('conversation_updated', (data) => {
      if (state.me) upsertConversation(data.conversation, true);
    });
    // The custom event the assign endpoint sends to the assignee only.
    client.on('conversation_assigned', (data) => {
      const by = data.assigned_by || {};
      if (state.me && Number(by.id) !== state.me.id) {
        toast(ui.toasts, t('toast.assigned', { by: by.name, subject: data.conversation.subject }), 'assigned-toast');
      }
      upsertConversation(data.conversation, true);
    });
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
    // Phones only (the button is not shown wider): leave the conversation for the list.
    ui.back.addEventListener('click', () => {
      closeConversation();
      history.replaceState(null, '', location.pathname);
      renderList();
    });
    chat.wireComposer();
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
})();
