// What the agent console and the customer page do alike. Both are one signed-in user working one open
// conversation at a time: sign in, load the conversations, open one, load its messages, show who types, mark
// what the user has seen read, send, and follow the WebSocket events that change any of it. That behaviour
// lives here once; each page keeps only what it shows differently (its list, its chat header, its own
// actions) and passes the hooks below where the two really differ.
(function () {
  'use strict';

  const { t, apply } = window.DemoI18n;
  const {
    el, byTestId, api, loadUsers, bindConnectionIndicator, bindDebugPanel, firstName, initials, TypingTracker,
    renderTyping, MessageList, toast,
  } = window.Demo;

  /** A sign-in button for one seeded user: avatar, name and a detail line. */
  function loginButton(user, { testid, avatarClass, detail, onClick }) {
    return el('button', {
      className: 'user-button',
      testid,
      attrs: { type: 'button' },
      on: { click: onClick },
    }, [
      el('span', { className: avatarClass, text: initials(user.name), attrs: { 'aria-hidden': 'true' } }),
      el('span', { className: 'user-button-text' }, [
        el('span', { className: 'user-name', text: user.name }),
        el('span', { className: 'user-detail', text: detail }),
      ]),
    ]);
  }

  /**
   * The shared part of a chat page. Returns its state, the elements both pages have (ui, which the page
   * extends with its own), its message list and typing tracker, and the functions both pages call.
   *
   * @param options.client   window.wsClient
   * @param options.store    the page's session()
   * @param options.ownSide  'agent' on the console, 'contact' on the customer page: the side this user writes on
   * @param options.hooks    where the pages differ:
   *   start(signedIn)              after a sign-in: enter the page
   *   signOut(message)             the token was refused: leave the page, showing message
   *   renderList()                 the conversation list
   *   renderChatHeader()           the open conversation's header
   *   conversationsLoaded()        the list was (re)loaded: show it
   *   upsertConversation(c)        an API reply changed conversation c
   *   subscribed(id)               optional: whether opening id subscribed to it (default: always)
   *   loadFailedText(err)          optional: what to show when the messages do not load
   *   releaseSend(id)              optional: after a send, enable the send button again
   */
  function createChatPage({ client, store, ownSide, hooks }) {
    const otherSide = ownSide === 'agent' ? 'contact' : 'agent';

    /** The elements both pages have, under the same data-testid. */
    const ui = {
      loading: byTestId('loading'),
      connection: byTestId('connection'),
      debugToggle: byTestId('debug-toggle'),
      debugPanel: byTestId('debug-panel'),
      me: byTestId('me'),
      meAvatar: byTestId('me-avatar'),
      currentUser: byTestId('current-user'),
      signin: byTestId('signin'),
      signinMessage: byTestId('signin-message'),
      workspace: byTestId('workspace'),
      /** The placeholder shown while no conversation is open: the console's only (null on the customer page). */
      chatEmpty: byTestId('chat-empty'),
      chat: byTestId('chat'),
      subject: byTestId('chat-subject'),
      status: byTestId('chat-status'),
      assignee: byTestId('chat-assignee'),
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
      /** Conversations by id, in the list's shape. */
      conversations: new Map(),
      openId: null,
      detachTyping: null,
      everConnected: false,
      /** Bumped on every open, so a slow load never renders into a conversation opened since. */
      openSeq: 0,
      /** Highest message id this page has already asked to mark read, per conversation. */
      readRequested: new Map(),
    };

    const messages = new MessageList(ui.messages, ownSide);
    const typing = new TypingTracker((conversationId) => {
      if (conversationId === state.openId) renderTypingLine();
    });

    /**
     * Which half of the workspace a phone shows: 'list' (the conversations) or 'chat' (the open conversation,
     * or the customer's new-conversation form). Wider screens show both side by side and ignore it.
     */
    function showView(view) {
      ui.workspace.dataset.view = view;
    }

    /** Translates the page and binds what both show above and beside the chat: connection and debug panel. */
    function bindPageChrome() {
      apply(document);
      bindConnectionIndicator(ui.connection, client);
      bindDebugPanel(ui.debugToggle, ui.debugPanel, client);
    }

    // ---------------------------------------------------------- sign-in

    /** Loads the demo's users for the sign-in; false (and the error shown there) when that fails. */
    async function loadSignInUsers() {
      try {
        state.users = await loadUsers();
      } catch (err) {
        showSignIn(t('error.generic', { message: err.message }));
        return false;
      }
      return true;
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
        hooks.start(result);
      } catch (err) {
        showSignIn(t('error.generic', { message: err.message }));
      }
    }

    /** Takes the signed-in user and shows the workspace with their name; the page connects after. */
    function enterWorkspace(signedIn) {
      state.me = { id: Number(signedIn.user.id), name: signedIn.user.name, role: signedIn.user.role };
      state.token = signedIn.token;
      ui.loading.hidden = true;
      ui.signin.hidden = true;
      ui.workspace.hidden = false;
      showView('list');
      ui.me.hidden = false;
      ui.currentUser.textContent = state.me.name;
      ui.meAvatar.textContent = initials(state.me.name);
      // Phones show only the avatar: its name on hover / long press.
      ui.me.title = state.me.name;
    }

    /** The first steps of every sign-out: close the conversation, drop the connection and the saved sign-in. */
    function forgetSession() {
      closeConversation();
      // A refused token leaves the client 'failed' with its reason: keep showing that rather than 'disconnected'.
      if (client.status !== 'failed') client.disconnect();
      store.clear();
      state.me = null;
    }

    /** A rejected token ends the session; anything else is the caller's to show. */
    function sessionEnded(err) {
      if (err && err.status === 401) {
        hooks.signOut(t('error.session'));
        return true;
      }
      return false;
    }

    // ---------------------------------------------------- conversations

    async function loadConversations() {
      try {
        const data = await api('conversations', { token: state.token });
        state.conversations = new Map(data.conversations.map((c) => [Number(c.id), c]));
        hooks.conversationsLoaded();
      } catch (err) {
        if (!sessionEnded(err)) toast(ui.toasts, t('error.generic', { message: err.message }), 'error-toast');
      }
    }

    /** The signed-in user's unread count: its entry in `unread` (events), else `unread_count` (API). */
    function unreadFor(conversation) {
      const byUser = conversation.unread;
      if (byUser && byUser[state.me.id] != null) return Number(byUser[state.me.id]);
      return Number(conversation.unread_count || 0);
    }

    /** Most recent activity first, so a conversation that changes moves to the top. */
    function sortedConversations() {
      return Array.from(state.conversations.values()).sort((a, b) =>
        (b.updated_at || '').localeCompare(a.updated_at || '') || Number(b.id) - Number(a.id));
    }

    // ------------------------------------------------ open conversation

    /** Subscribes to the conversation and sends typing=true while the user types, false after 3 s idle. */
    function followConversation(id) {
      client.subscribe(id);
      state.detachTyping = client.typingFor(id, ui.input);
    }

    /** The last step of opening id: its messages, then the cursor in the composer if it is still open. */
    async function showMessages(id) {
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
        hooks.renderList();
        for (const message of detail.messages) messages.upsert(message);
        // After the messages: the customer's header names the agent who answered an unassigned conversation.
        hooks.renderChatHeader();
        messages.scrollToEnd();
        markReadIfSeen();
      } catch (err) {
        if (sessionEnded(err) || state.openId !== id) return;
        ui.chatError.hidden = false;
        ui.chatError.textContent = hooks.loadFailedText ? hooks.loadFailedText(err)
          : t('chat.loadFailed', { message: err.message });
      }
    }

    /** The header parts both pages show alike: the conversation's id and status on the chat, subject, pill. */
    function renderChatTitle(c) {
      ui.chat.dataset.conversationId = String(c.id);
      ui.chat.dataset.status = c.status;
      ui.subject.textContent = c.subject;
      ui.status.textContent = t('conv.status.' + c.status);
      ui.status.className = 'pill status-' + c.status;
      ui.status.dataset.status = c.status;
    }

    function closeConversation() {
      if (state.openId === null) return;
      if (state.detachTyping) state.detachTyping();
      state.detachTyping = null;
      if (!hooks.subscribed || hooks.subscribed(state.openId)) client.unsubscribe(state.openId);
      state.openId = null;
      state.openSeq++;
      messages.reset();
      ui.input.value = '';
      ui.chat.hidden = true;
      if (ui.chatEmpty) ui.chatEmpty.hidden = false;
      showView('list');
      renderTypingLine();
    }

    function renderTypingLine() {
      const names = state.openId === null ? []
        : typing.typists(state.openId).filter((uid) => !state.me || uid !== state.me.id).map(nameOf);
      renderTyping(ui.typing, names);
    }

    /** Marks the open conversation read up to its newest message, when the user can see it and has unread. */
    function markReadIfSeen() {
      const id = state.openId;
      const c = state.conversations.get(id);
      if (!c || document.visibilityState !== 'visible' || unreadFor(c) === 0) return;
      const lastId = Math.max(messages.lastId() || 0, c.last_message ? Number(c.last_message.id) : 0);
      if (lastId > 0) markRead(id, lastId);
    }

    /** Asks once per message id; a reply for a conversation the page has dropped since does not bring it back. */
    async function markRead(conversationId, messageId) {
      if ((state.readRequested.get(conversationId) || 0) >= messageId) return;
      state.readRequested.set(conversationId, messageId);
      try {
        const result = await api('conversations/' + conversationId + '/read',
          { method: 'POST', token: state.token, body: { message_id: messageId } });
        if (state.conversations.has(conversationId)) hooks.upsertConversation(result.conversation);
      } catch (err) {
        state.readRequested.delete(conversationId);
        sessionEnded(err);
      }
    }

    // --------------------------------------------------------- composer

    /** Enter sends, Shift+Enter breaks the line (and an IME composition is never cut short). */
    function wireComposer() {
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
        hooks.upsertConversation(result.conversation);
      } catch (err) {
        if (!sessionEnded(err)) {
          ui.composerError.hidden = false;
          ui.composerError.textContent = t('error.generic', { message: err.message });
        }
      } finally {
        if (hooks.releaseSend) hooks.releaseSend(id);
        else ui.send.disabled = false;
      }
    }

    // ----------------------------------------------------------- events

    /**
     * The events both pages handle alike. A page registers its own handlers after calling this, so on
     * 'connected' and 'disconnected' these run first.
     */
    function listen() {
      client.on('connected', () => {
        state.everConnected = true;
      });
      // After a reconnect the client resumes: the server replays what this page missed. Only when it cannot
      // (the events are too old or too many, or the client had no position) does the page reload its state:
      // everything after an auth, or the one conversation a subscribe named.
      client.on('resync_required', (data) => {
        if (!state.me) return;
        if (data.request === 'subscribe' && data.conversation_id != null) {
          if (Number(data.conversation_id) === state.openId) loadMessages(state.openId);
          return;
        }
        loadConversations();
        if (state.openId !== null) loadMessages(state.openId);
      });
      client.on('disconnected', () => {
        // Through a dead link nobody is seen typing.
        typing.clear();
        renderTypingLine();
      });
      client.on('new_message', (data) => {
        const conversationId = Number(data.conversation_id);
        if (conversationId !== state.openId) return;
        const message = data.message;
        messages.upsert(message);
        typing.set(conversationId, message.sender_id, false);
        if (message.sender_type === otherSide && document.visibilityState === 'visible') {
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
        // 4001: the token was refused and the client stopped retrying (status 'failed', shown as such).
        if (data.code === 'unauthorized' && state.me) toast(ui.toasts, t('error.session'), 'session-toast');
      });
      document.addEventListener('visibilitychange', markReadIfSeen);
    }

    // ---------------------------------------------------------- helpers

    /** A user's first name for the typing line, or #id for one the page does not know. */
    function nameOf(userId) {
      const user = state.users && state.users.byId.get(Number(userId));
      return user ? firstName(user.name) : '#' + userId;
    }

    return {
      state, ui, messages, typing, bindPageChrome, showView,
      loadSignInUsers, showSignIn, signIn, enterWorkspace, forgetSession, sessionEnded,
      loadConversations, unreadFor, sortedConversations,
      followConversation, showMessages, loadMessages, renderChatTitle, closeConversation, renderTypingLine,
      wireComposer, listen,
    };
  }

  window.DemoChat = { createChatPage, loginButton };
})();
