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
    // The token lists this contact's conversations: the only ones it may subscribe to.
    client.connect({ userId: state.me.id, token: state.token });
    await loadConversations();
    const wanted = requestedConversation();
    if (wanted !== null) openConversation(wanted);
    else showNewConversation();
  }

  /** A refused token: back to the sign-in (the contact's list stays until the next sign-in replaces it). */
  function signOut(message) {
    chat.forgetSession();
    showSignIn(message);
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
    chat.followConversation(id);
    chat.renderTypingLine();
    await chat.showMessages(id);
  }

  function renderChatHeader() {
    const c = state.conversations.get(state.openId);
    if (!c) return;
    const closed = c.status === 'closed';
    chat.renderChatTitle(c);
    ui.assignee.textContent = c.agent_name ? t('customer.servedBy', { name: c.agent_name }) : t('customer.waiting');
    ui.notice.hidden = !closed;
    ui.notice.textContent = closed ? t('customer.closedNote') : '';
  }

  // ------------------------------------------------------------- events

  function listenToEvents() {
    // Reload after a reconnect, typing, new messages, read receipts, a refused token: as on the console.
    chat.listen();
    client.on('conversation_updated', (data) => upsertConversation(data.conversation));
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
    chat.wireComposer();
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
})();
