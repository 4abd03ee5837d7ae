/*
 * Switchboard browser client.
 *
 * A dependency-free client for the Switchboard realtime server (WebSocket at /ws,
 * JSON text frames). Load it as a classic script:
 *
 *   <script src="/assets/js/websocket-client.js"></script>
 *   <script>
 *     window.wsClient.connect(userId, token);
 *     window.wsClient.on('new_message', (data) => addMessageToChat(data.message));
 *   </script>
 *
 * or as an ES module through websocket-client.mjs. It defines the globals
 * `SwitchboardClient` (the class) and `wsClient` (a default, not yet connected
 * instance). Types live in websocket-client.d.ts.
 *
 * This file must stay a classic script: no `import` / `export` statements.
 */
(function () {
  'use strict';

  const root = globalThis;

  const WS_OPEN = 1; // WebSocket.OPEN, as a constant so test fakes need not define it
  /** Close code the client uses when it abandons a socket itself (heartbeat timeout, token failure). */
  const CLIENT_ABORT_CODE = 4000;
  /** Close code the server uses to reject a token: retrying with the same token cannot succeed. */
  const UNAUTHORIZED_CODE = 4001;

  const DEFAULTS = Object.freeze({
    url: null, // null: derived from location at connect() time
    token: null, // string, or a function returning a string or a Promise of one
    userId: null,
    maxAttempts: null, // null / Infinity: retry forever
    baseDelay: 1000,
    maxDelay: 30000,
    factor: 2,
    pingInterval: 25000,
    pongTimeout: 10000,
    queueLimit: 100,
    dedupeLimit: 2000,
    typingIdle: 3000,
    typingThrottle: 2000,
    debug: false
  });
  const OPTION_KEYS = Object.keys(DEFAULTS);

  /**
   * Default timers look the globals up at call time and call them with the right
   * receiver: a detached `setTimeout` throws "Illegal invocation" in browsers.
   */
  const DEFAULT_TIMERS = Object.freeze({
    setTimeout: (fn, ms) => root.setTimeout(fn, ms),
    clearTimeout: (id) => root.clearTimeout(id),
    setInterval: (fn, ms) => root.setInterval(fn, ms),
    clearInterval: (id) => root.clearInterval(id),
    now: () => Date.now()
  });

  const isObject = (value) => value !== null && typeof value === 'object';
  const messageOf = (err) => (err && err.message ? err.message : String(err));

  /** The Error a reauthenticate() Promise rejects with: `code` says why, `data` is the server's error if any. */
  function switchboardError(code, message, data) {
    const err = new Error(message);
    err.name = 'SwitchboardError';
    err.code = code;
    if (data !== undefined) err.data = data;
    return err;
  }

  /**
   * Ids are numbers on the wire, but ids read from the DOM (data-* attributes,
   * input values) arrive as strings, so numeric strings are coerced.
   */
  function toId(value, what) {
    if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
    if ((typeof value === 'number' && isFinite(value)) || (typeof value === 'string' && value !== '')) return value;
    throw new TypeError('[switchboard] invalid ' + what + ': ' + String(value));
  }

  /**
   * Realtime client: authentication, automatic reconnection with backoff,
   * remembered subscriptions, an outgoing queue, heartbeat and duplicate filtering.
   */
  class SwitchboardClient {
    /**
     * @param {object} [options] any of the keys in DEFAULTS, plus injection hooks
     *   (used by tests; defaulted from the global scope otherwise):
     *   - WebSocket: the WebSocket constructor
     *   - timers: { setTimeout, clearTimeout, setInterval, clearInterval, now }
     *   - random: () => number in [0, 1), for backoff jitter
     *   - env: window-like { location, navigator: { onLine }, addEventListener, removeEventListener }
     */
    constructor(options = {}) {
      this._opts = Object.assign({}, DEFAULTS);
      /** Log frames and state changes to the console with a [switchboard] prefix. */
      this.debug = false;
      this._applyOptions(options);

      this._WebSocket = options.WebSocket || null;
      this._timers = options.timers || DEFAULT_TIMERS;
      this._random = options.random || Math.random;
      this._env = options.env || null;

      this._handlers = new Map(); // event name -> array of handlers
      this._status = 'disconnected';
      this._ws = null;
      this._attempts = 0;
      this._reconnectTimer = null;
      this._waitingOnline = false;
      this._manualStop = true; // nothing to keep alive until connect() is called
      this._authRejected = false; // server sent error/unauthorized on the current socket
      this._pingTimer = null;
      this._pongTimer = null;
      this._subs = new Set();
      this._queue = [];
      this._seenIds = new Set(); // insertion-ordered, so the oldest id is evicted first
      this._lastEventId = null;
      // Resume: the history the ids belong to, the position the current socket's auth asked to resume from, and
      // whether any connection was authenticated before (a reconnect without a position must reload).
      this._epoch = null;
      this._resumeFrom = null;
      this._hadSession = false;
      this._lastError = null;
      this._connectionId = null;
      this._role = null;
      // reauthenticate(): auth frames sent and authenticated replies received on the current socket, and the
      // callers waiting for the reply to an auth frame not sent yet when they called ({ target, resolve, reject }).
      this._authSent = 0;
      this._authAnswered = 0;
      this._reauthWaiters = [];
      this._networkListening = false;
      this._onOnline = this._onOnline.bind(this);
      this._onOffline = this._onOffline.bind(this);
      this._applyPosition(options);
    }

    // ------------------------------------------------------------ properties

    /** True only once the server has accepted the token (status 'connected'). */
    get connected() { return this._status === 'connected' && this._ws !== null; }
    /** 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'failed' */
    get status() { return this._status; }
    /** Reconnect attempts made since the last successful authentication. */
    get reconnectAttempts() { return this._attempts; }
    /** Last error payload ({code, message, ...}) or null. */
    get lastError() { return this._lastError; }
    /** Highest durable event id seen (or the position given to connect()), or null: sent to resume on reconnect. */
    get lastEventId() { return this._lastEventId; }
    /** The epoch the server named in `authenticated`: the history lastEventId belongs to, or null. */
    get epoch() { return this._epoch; }
    /** Conversation ids re-subscribed on every (re)connect (a copy). */
    get subscriptions() { return Array.from(this._subs); }
    /** Server-assigned id of the current authenticated connection, or null. */
    get connectionId() { return this._connectionId; }
    /** Role reported by the server on authentication ('agent', ...), or null. */
    get role() { return this._role; }
    /** User id passed to connect(), or null. */
    get userId() { return this._opts.userId; }

    // ---------------------------------------------------------------- events

    /**
     * Registers a handler for a server event (new_message, typing, any custom
     * name), a lifecycle event (connected, disconnected, reconnecting,
     * reconnect_failed, status, error) or '*' (every server frame).
     * Handlers get (data, envelope); envelope is the parsed frame (with `id` for
     * durable events) and is undefined for lifecycle events.
     * @returns {() => void} removes the handler
     */
    on(event, handler) {
      if (typeof handler !== 'function') throw new TypeError('[switchboard] handler must be a function');
      if (!this._handlers.has(event)) this._handlers.set(event, []);
      this._handlers.get(event).push(handler);
      return () => this.off(event, handler);
    }

    /**
     * Removes a handler. Without a handler, removes all handlers of that event;
     * without arguments, removes every handler.
     */
    off(event, handler) {
      if (event === undefined) { this._handlers.clear(); return; }
      const list = this._handlers.get(event);
      if (!list) return;
      if (handler === undefined) { this._handlers.delete(event); return; }
      const i = list.findIndex((h) => h === handler || h._original === handler);
      if (i !== -1) list.splice(i, 1);
      if (!list.length) this._handlers.delete(event);
    }

    /**
     * Like on(), but the handler runs at most once.
     * @returns {() => void} removes the handler before it fires
     */
    once(event, handler) {
      const self = this;
      function wrapper(data, envelope) {
        self.off(event, wrapper);
        return handler.call(this, data, envelope);
      }
      wrapper._original = handler; // so off(event, handler) finds it too
      return this.on(event, wrapper);
    }

    _emit(event, data, envelope) {
      const list = this._handlers.get(event);
      if (!list) return;
      // Iterate a copy: handlers may call on/off/once while we dispatch.
      for (const handler of list.slice()) {
        try {
          handler.call(this, data, envelope);
        } catch (err) {
          // One broken UI handler must not starve the others of events.
          if (root.console) root.console.error('[switchboard] handler for "' + event + '" threw:', err);
        }
      }
    }

    _log(...args) {
      if (this.debug && root.console) root.console.log('[switchboard]', ...args);
    }

    _setStatus(next) {
      const old = this._status;
      if (old === next) return;
      this._status = next;
      this._log('status', old, '->', next);
      this._emit('status', { old, new: next });
    }

    _error(payload) {
      this._lastError = payload;
      this._log('error', payload);
      this._emit('error', payload);
    }

    // ------------------------------------------------------------ connection

    /**
     * A position given as options ({ lastEventId, epoch }, e.g. from realtime.current_event_id() at page load):
     * the next auth asks the server for everything after it.
     */
    _applyPosition(options) {
      if (options.lastEventId === undefined || options.lastEventId === null) return;
      const id = toId(options.lastEventId, 'lastEventId');
      if (typeof id !== 'number' || id < 0) throw new TypeError('[switchboard] invalid lastEventId: ' + String(options.lastEventId));
      this._lastEventId = id;
      this._epoch = options.epoch != null ? String(options.epoch) : null;
    }

    /**
     * Sets the position to resume from, e.g. after the page reloaded its state on `resync_required`: the
     * `last_event_id` and `epoch` its web app read with realtime.current_event_id() before that state.
     * @returns {SwitchboardClient} this
     */
    resumeFrom(lastEventId, epoch) {
      this._applyPosition({ lastEventId, epoch });
      return this;
    }

    _applyOptions(options) {
      for (const key of OPTION_KEYS) {
        if (options[key] !== undefined) this._opts[key] = options[key];
      }
      if (options.debug !== undefined) this.debug = !!options.debug;
      if (this._opts.userId != null) this._opts.userId = toId(this._opts.userId, 'userId');
    }

    /**
     * Opens the connection and authenticates. Two forms:
     *   connect({ userId, token, url, ...any other constructor option })
     *   connect(userId, token, url?)
     * Omitted values keep the constructor's; url defaults to ws(s)://<host>/ws.
     * Calling it again with the same userId/token/url while connecting or
     * connected does nothing; with new ones it replaces the connection.
     * `token` may be a function returning a string or a Promise, so a fresh JWT
     * is fetched for every (re)connect.
     * @returns {SwitchboardClient} this
     */
    connect(userIdOrOptions, token, url) {
      const options = isObject(userIdOrOptions) ? userIdOrOptions : { userId: userIdOrOptions, token, url };
      const o = this._opts;
      const before = [o.userId, o.token, o.url];
      this._applyOptions(options);
      const unchanged = before[0] === o.userId && before[1] === o.token && before[2] === o.url;
      this._applyPosition(options);
      if (unchanged && (this._status === 'connecting' || this._status === 'connected')) return this;

      this._manualStop = false;
      this._clearReconnect();
      this._release(1000, 'reconnecting with new settings', true);
      this._attempts = 0;
      this._listenNetwork(true);
      this._setStatus('connecting');
      this._open();
      return this;
    }

    /**
     * Closes the connection on purpose: no reconnection, status 'disconnected',
     * queued frames discarded. Subscriptions are kept for a later connect().
     * @returns {SwitchboardClient} this
     */
    disconnect() {
      this._manualStop = true;
      this._clearReconnect();
      this._listenNetwork(false);
      this._queue = [];
      this._release(1000, 'client disconnect', true);
      this._setStatus('disconnected');
      this._rejectReauth(switchboardError('disconnected', 'disconnect() was called before the server answered'));
      return this;
    }

    /**
     * Sends `auth` again on the open connection, so a page can swap its token before `exp` without
     * reconnecting (the server keeps the connection, its subscriptions and its connection id; the new token
     * must name the same user and role). The token is also kept for every later reconnect.
     *
     * Without an argument the current token is sent again; a token function is called again for it.
     * While connecting or reconnecting, the next auth frame carries the new token and the Promise settles
     * with its answer.
     *
     * @param {string|Function} [token] a JWT, or a function returning one or a Promise of one
     * @returns {Promise<object>} resolves with the `authenticated` data once the server accepts the token;
     *   rejects with an Error whose `code` is 'unauthorized' (refused: the server closes with 4001 and status
     *   becomes 'failed'; `data` is the server's error), 'token_error' (the token function failed; a live
   *   connection is kept),
     *   'disconnected' (disconnect() or giving up on reconnecting came first) or 'not_connected' (called while
     *   disconnected or failed: use connect()).
     */
    reauthenticate(token) {
      if (token !== undefined) this._opts.token = token;
      if (this._manualStop || this._status === 'failed') {
        return Promise.reject(switchboardError('not_connected', 'not connected: call connect() with the token'));
      }
      const promise = new Promise((resolve, reject) => {
        // Settled by the reply to the next auth frame, which is the first one to carry this token.
        this._reauthWaiters.push({ target: this._authSent + 1, resolve, reject });
      });
      // On an open socket the token goes out now (if the first auth is still unanswered, the server takes
      // this one as a refresh right after it); otherwise the next socket's auth frame carries it.
      if (this._ws && this._opened) this._authenticate(this._ws);
      return promise;
    }

    _resolveReauth(data) {
      const waiting = this._reauthWaiters;
      this._reauthWaiters = waiting.filter((w) => w.target > this._authAnswered);
      for (const w of waiting) if (w.target <= this._authAnswered) w.resolve(data);
    }

    _rejectReauth(err) {
      const waiting = this._reauthWaiters;
      this._reauthWaiters = [];
      for (const w of waiting) w.reject(err);
    }

    _getEnv() {
      return this._env || root;
    }

    _isOffline() {
      const nav = this._getEnv().navigator;
      return !!nav && nav.onLine === false;
    }

    _resolveUrl() {
      if (this._opts.url) return this._opts.url;
      const loc = this._getEnv().location;
      if (!loc || !loc.host) throw new Error('no url given and no location to derive it from');
      return (loc.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + loc.host + '/ws';
    }

    _listenNetwork(on) {
      const env = this._getEnv();
      if (on === this._networkListening || typeof env.addEventListener !== 'function') return;
      this._networkListening = on;
      const method = on ? 'addEventListener' : 'removeEventListener';
      env[method]('online', this._onOnline);
      env[method]('offline', this._onOffline);
    }

    _open() {
      // navigator.onLine === false is reliable (true is not): wait for 'online'
      // instead of burning attempts.
      if (this._isOffline()) {
        this._waitingOnline = true;
        this._log('offline: waiting for the online event');
        return;
      }
      let ws;
      try {
        const WS = this._WebSocket || root.WebSocket;
        if (!WS) throw new Error('WebSocket is not available in this environment');
        const url = this._resolveUrl();
        this._log('opening', url);
        ws = new WS(url);
      } catch (err) {
        // A bad URL or a missing/blocked WebSocket will not fix itself by retrying.
        this._setStatus('failed');
        this._error({ code: 'connection_error', message: messageOf(err) });
        this._rejectReauth(switchboardError('disconnected', messageOf(err)));
        return;
      }
      this._ws = ws;
      this._authRejected = false;
      // Every handler checks the socket is still current: after we give up on a
      // socket (heartbeat, new settings) its late events must not touch state.
      this._opened = false;
      ws.onopen = () => {
        if (ws !== this._ws) return;
        this._opened = true;
        this._authenticate(ws);
      };
      ws.onmessage = (ev) => { if (ws === this._ws) this._onFrame(ev.data); };
      ws.onerror = () => {
        if (ws === this._ws) this._error({ code: 'connection_error', message: 'WebSocket error' });
      };
      ws.onclose = (ev) => {
        if (ws !== this._ws) return;
        const code = ev && ev.code !== undefined ? ev.code : 1006;
        const reason = (ev && ev.reason) || '';
        this._release(code, reason, false);
        this._afterClose(code, reason);
      };
    }

    /** Sends the auth frame, which must be the first frame on every new socket. */
    _authenticate(ws) {
      let token = this._opts.token;
      if (typeof token === 'function') {
        try {
          token = token();
        } catch (err) {
          this._tokenFailed(err);
          return;
        }
      }
      if (token && typeof token.then === 'function') {
        token.then(
          (value) => { if (ws === this._ws) this._sendAuth(value); },
          (err) => { if (ws === this._ws) this._tokenFailed(err); }
        );
      } else {
        this._sendAuth(token);
      }
    }

    _sendAuth(token) {
      const frame = { type: 'auth', token: token == null ? undefined : token };
      if (this._opts.userId != null) frame.user_id = this._opts.userId;
      if (this._status !== 'connected') {
        // A new socket: ask for every event missed since the last one seen. A refresh on a live socket missed nothing.
        this._resumeFrom = null;
        if (this._lastEventId !== null && this._epoch !== null) {
          frame.last_event_id = this._lastEventId;
          frame.epoch = this._epoch;
          this._resumeFrom = this._lastEventId;
        }
      }
      // The auth reply is awaited like a pong: a server that accepts the TCP
      // connection but never answers must not leave us stuck in 'connecting'.
      if (this._write(frame)) {
        this._authSent++;
        this._armPongTimer();
      }
    }

    _tokenFailed(err) {
      this._error({ code: 'token_error', message: messageOf(err) });
      this._rejectReauth(switchboardError('token_error', messageOf(err)));
      // A refresh that failed leaves the live connection as it was: its current token is still good.
      if (this._status === 'connected') return;
      this._release(CLIENT_ABORT_CODE, 'token unavailable', true);
      this._scheduleReconnect(false);
    }

    /**
     * Forgets the current socket (closing it if asked) and emits 'disconnected'.
     * The socket's later events are ignored since it is no longer this._ws.
     */
    _release(code, reason, closeIt) {
      const ws = this._ws;
      if (!ws) return;
      this._ws = null;
      this._stopHeartbeat();
      this._connectionId = null;
      // The next socket's first auth frame carries the newest token: that reply settles every waiter.
      this._authSent = 0;
      this._authAnswered = 0;
      for (const w of this._reauthWaiters) w.target = 1;
      if (closeIt) {
        try { ws.close(code, reason); } catch (err) { /* already closing */ }
      }
      this._log('disconnected', code, reason);
      // A reconnect attempt that never opened was never connected: one 'disconnected' per real connection,
      // not one per failed attempt (attempts are reported by 'reconnecting').
      if (this._opened) this._emit('disconnected', { code, reason });
      this._opened = false;
    }

    _afterClose(code, reason) {
      if (this._manualStop) {
        this._setStatus('disconnected');
      } else if (code === UNAUTHORIZED_CODE) {
        // The same token would be rejected again: stop until connect() brings a new one.
        this._setStatus('failed');
        if (!this._authRejected) {
          this._error({ code: 'unauthorized', message: reason || 'Authentication rejected', close_code: code });
        }
        this._rejectReauth(switchboardError('unauthorized', reason || 'Authentication rejected'));
      } else {
        this._scheduleReconnect(false);
      }
    }

    /** Full-jitter exponential backoff: random() * min(maxDelay, baseDelay * factor^(attempt-1)). */
    _backoffDelay(attempt) {
      const o = this._opts;
      const ceiling = Math.min(o.maxDelay, o.baseDelay * Math.pow(o.factor, attempt - 1));
      return Math.floor(this._random() * ceiling);
    }

    _scheduleReconnect(immediate) {
      this._clearReconnect();
      if (this._manualStop) return;
      const max = this._opts.maxAttempts;
      if (max != null && this._attempts >= max) {
        this._setStatus('failed');
        this._log('giving up after', this._attempts, 'attempts');
        this._emit('reconnect_failed', { attempts: this._attempts });
        this._rejectReauth(switchboardError('disconnected', 'gave up reconnecting after ' + this._attempts + ' attempts'));
        return;
      }
      this._setStatus('reconnecting');
      if (this._isOffline()) {
        this._waitingOnline = true;
        this._log('offline: waiting for the online event');
        return;
      }
      this._attempts++;
      const delay = immediate ? 0 : this._backoffDelay(this._attempts);
      this._log('reconnect attempt', this._attempts, 'in', delay, 'ms');
      this._emit('reconnecting', { attempt: this._attempts, delay });
      if (immediate) {
        this._open();
        return;
      }
      this._reconnectTimer = this._timers.setTimeout(() => {
        this._reconnectTimer = null;
        this._open();
      }, delay);
    }

    _clearReconnect() {
      if (this._reconnectTimer !== null) this._timers.clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
      this._waitingOnline = false;
    }

    _onOnline() {
      if (this._manualStop || this._ws) return;
      if (this._reconnectTimer !== null) {
        // An attempt is already counted and pending: run it now instead of waiting out the backoff.
        this._timers.clearTimeout(this._reconnectTimer);
        this._reconnectTimer = null;
        this._log('online: retrying now');
        this._open();
      } else if (this._waitingOnline) {
        this._waitingOnline = false;
        this._log('online: retrying now');
        if (this._status === 'connecting') this._open();
        else this._scheduleReconnect(true);
      }
    }

    _onOffline() {
      // A pending retry would fail anyway: un-count it and wait for 'online'.
      // An open socket is left alone; the browser or the heartbeat will report it dead.
      if (this._reconnectTimer === null) return;
      this._timers.clearTimeout(this._reconnectTimer);
      this._reconnectTimer = null;
      this._attempts = Math.max(0, this._attempts - 1);
      this._waitingOnline = true;
      this._log('offline: waiting for the online event');
    }

    // --------------------------------------------------------------- inbound

    _onFrame(raw) {
      if (typeof raw !== 'string') { this._log('ignoring non-text frame'); return; }
      let envelope;
      try {
        envelope = JSON.parse(raw);
      } catch (err) {
        this._log('ignoring invalid JSON frame', raw);
        return;
      }
      if (!isObject(envelope) || typeof envelope.event !== 'string') {
        this._log('ignoring frame without event', envelope);
        return;
      }
      // Heartbeat: any frame proves the link is alive, not only a pong, because a
      // pong can sit behind a burst of events on a busy connection.
      this._clearPongTimer();

      if (envelope.id !== undefined && envelope.id !== null) {
        if (this._seenIds.has(envelope.id)) {
          this._log('dropping duplicate event', envelope.id);
          return;
        }
        this._rememberId(envelope.id);
      }
      this._log('<-', envelope.event, envelope);

      const data = envelope.data === undefined ? {} : envelope.data;
      if (envelope.event === 'authenticated') this._onAuthenticated(isObject(data) ? data : {});
      else if (envelope.event === 'error') this._onServerError(isObject(data) ? data : {});

      this._emit(envelope.event, data, envelope);
      this._emit('*', data, envelope);
      if (envelope.event === 'authenticated') this._resolveReauth(data);
    }

    _rememberId(id) {
      // A bounded set, not just "id <= lastEventId": ids restart when a dev database is reset.
      this._seenIds.add(id);
      while (this._seenIds.size > this._opts.dedupeLimit) {
        this._seenIds.delete(this._seenIds.values().next().value);
      }
      if (typeof id === 'number' && (this._lastEventId === null || id > this._lastEventId)) this._lastEventId = id;
    }

    _onAuthenticated(data) {
      this._authAnswered++;
      if (this._status === 'connected') return; // a reauthenticate() confirmed: nothing to redo
      this._attempts = 0;
      const resumed = this._resumeFrom !== null && data.recovered === true;
      if (data.epoch != null) {
        // Ids of another history say nothing about this one, not even which are duplicates.
        if (this._epoch !== null && data.epoch !== this._epoch) this._seenIds.clear();
        this._epoch = String(data.epoch);
      }
      // Not recovered: the server sends resync_required, the page reloads, and the old position is void.
      if (this._resumeFrom !== null && !resumed) this._lastEventId = null;
      // A reconnect with no position to resume from could have missed anything: the page must reload.
      const lostTrack = this._hadSession && this._resumeFrom === null;
      this._hadSession = true;
      // The trouble that led to reconnecting is over; a status line should not keep showing it.
      this._lastError = null;
      this._connectionId = data.connection_id != null ? data.connection_id : null;
      this._role = data.role != null ? data.role : null;
      // The server forgets subscriptions with the socket, so every auth re-sends them, each resuming from the
      // position the auth resumed from (events replayed since then belong to other feeds).
      for (const id of this._subs) {
        const frame = { type: 'subscribe', conversation_id: id };
        if (resumed) frame.last_event_id = this._resumeFrom;
        this._write(frame);
      }
      const queued = this._queue;
      this._queue = [];
      for (const frame of queued) this._write(frame);
      this._startHeartbeat();
      this._setStatus('connected');
      this._emit('connected', data);
      if (lostTrack) this._emit('resync_required', { reason: 'no_position', request: 'auth' });
    }

    _onServerError(data) {
      this._lastError = data;
      if (data.code === 'unauthorized') {
        this._authRejected = true; // close 4001 follows: report once
        this._rejectReauth(switchboardError('unauthorized', data.message || 'Authentication rejected', data));
      }
      // A refused subscribe (no access, or the subscription cap) would be re-sent, and refused again, after
      // every reconnect: forget it. The server names the refused message by its type in `request` and the
      // conversation in `conversation_id`.
      if (data.code === 'forbidden' && data.request === 'subscribe' && data.conversation_id != null) {
        this._subs.delete(data.conversation_id);
      }
    }

    // ------------------------------------------------------------- heartbeat

    _startHeartbeat() {
      this._stopHeartbeat();
      if (!(this._opts.pingInterval > 0)) return;
      this._pingTimer = this._timers.setInterval(() => this.ping(), this._opts.pingInterval);
    }

    _stopHeartbeat() {
      if (this._pingTimer !== null) this._timers.clearInterval(this._pingTimer);
      this._pingTimer = null;
      this._clearPongTimer();
    }

    _armPongTimer() {
      if (this._pongTimer === null && this._opts.pongTimeout > 0) {
        this._pongTimer = this._timers.setTimeout(() => this._onPongTimeout(), this._opts.pongTimeout);
      }
    }

    _clearPongTimer() {
      if (this._pongTimer !== null) this._timers.clearTimeout(this._pongTimer);
      this._pongTimer = null;
    }

    _onPongTimeout() {
      this._pongTimer = null;
      // A half-open TCP link can look open for minutes: drop it without waiting for a close handshake.
      this._error({ code: 'heartbeat_timeout', message: 'No frame received within ' + this._opts.pongTimeout + ' ms of a ping or auth' });
      this._release(CLIENT_ABORT_CODE, 'heartbeat timeout', true);
      this._scheduleReconnect(false);
    }

    // -------------------------------------------------------------- outbound

    _write(frame) {
      const ws = this._ws;
      if (!ws || ws.readyState !== WS_OPEN) return false;
      this._log('->', frame);
      ws.send(JSON.stringify(frame));
      return true;
    }

    /**
     * Sends a client frame ({type, ...}). Before authentication, frames are
     * queued (up to queueLimit, oldest dropped first) and flushed once
     * authenticated, except transient ones: 'typing' and 'ping' are dropped.
     * 'subscribe'/'unsubscribe' go through subscribe()/unsubscribe() so they are
     * remembered; 'auth' is ignored because the client authenticates by itself.
     * @returns {boolean} true if written to the socket now
     */
    send(message) {
      if (!isObject(message)) throw new TypeError('[switchboard] send() expects an object like {type: ...}');
      switch (message.type) {
        case 'subscribe': return this.subscribe(message.conversation_id);
        case 'unsubscribe': return this.unsubscribe(message.conversation_id);
        case 'ping': return this.ping();
        case 'typing': return this.connected ? this._write(message) : false;
        case 'auth':
          this._log('ignoring manual auth frame: pass the token to connect() or reauthenticate() instead');
          return false;
      }
      if (this.connected && this._write(message)) return true;
      this._queue.push(message);
      if (this._queue.length > this._opts.queueLimit) {
        this._log('queue full, dropping oldest frame', this._queue.shift());
      }
      return false;
    }

    /**
     * Follows a conversation's events. Remembered client-side: sent now if
     * connected, else after authentication, and again after every reconnect.
     * @returns {boolean} true if the subscribe frame was sent now
     */
    subscribe(conversationId) {
      const id = toId(conversationId, 'conversationId');
      this._subs.add(id);
      return this.connected ? this._write({ type: 'subscribe', conversation_id: id }) : false;
    }

    /**
     * Stops following a conversation and forgets it for future reconnects.
     * @returns {boolean} true if the unsubscribe frame was sent now
     */
    unsubscribe(conversationId) {
      const id = toId(conversationId, 'conversationId');
      this._subs.delete(id);
      return this.connected ? this._write({ type: 'unsubscribe', conversation_id: id }) : false;
    }

    /**
     * Tells a conversation whether this user is typing. Transient: dropped when
     * not connected.
     * @returns {boolean} true if sent
     */
    sendTyping(conversationId, isTyping) {
      if (!this.connected) return false;
      return this._write({ type: 'typing', conversation_id: toId(conversationId, 'conversationId'), is_typing: !!isTyping });
    }

    /**
     * Sends a ping now (the client also pings every pingInterval ms while
     * connected). If no frame at all arrives within pongTimeout ms (same rule
     * for the auth frame), the link is treated as dead: closed with code 4000
     * and reconnected.
     * @returns {boolean} true if sent (only when connected)
     */
    ping() {
      if (!this.connected || !this._write({ type: 'ping' })) return false;
      this._armPongTimer();
      return true;
    }

    /**
     * Wires a text input to typing notifications: true on input (at most once
     * per typingThrottle ms, which also keeps the indicator alive during long
     * bursts), false after typingIdle ms without input, false on blur.
     * @param {number|string} conversationId
     * @param {{addEventListener: Function, removeEventListener: Function}} input
     * @returns {() => void} detaches the listeners (sends false if still typing)
     */
    typingFor(conversationId, input) {
      const id = toId(conversationId, 'conversationId');
      const timers = this._timers;
      let typing = false;
      let lastTrueAt = 0;
      let idleTimer = null;

      const stop = () => {
        if (idleTimer !== null) timers.clearTimeout(idleTimer);
        idleTimer = null;
        if (!typing) return;
        typing = false;
        this.sendTyping(id, false);
      };
      const onInput = () => {
        const now = timers.now();
        if (!typing || now - lastTrueAt >= this._opts.typingThrottle) {
          typing = true;
          lastTrueAt = now;
          this.sendTyping(id, true);
        }
        if (idleTimer !== null) timers.clearTimeout(idleTimer);
        idleTimer = timers.setTimeout(stop, this._opts.typingIdle);
      };

      input.addEventListener('input', onInput);
      input.addEventListener('blur', stop);
      return () => {
        input.removeEventListener('input', onInput);
        input.removeEventListener('blur', stop);
        stop();
      };
    }
  }

  /** Option defaults, for documentation and debugging pages. */
  SwitchboardClient.DEFAULTS = DEFAULTS;

  // ---------------------------------------------------------------- exports

  const wsClient = new SwitchboardClient();
  root.SwitchboardClient = SwitchboardClient;
  root.wsClient = wsClient;
  if (typeof module === 'object' && module && module.exports) {
    module.exports = { SwitchboardClient, wsClient };
  }
})();
