// Type declarations for the Switchboard browser client.
// Runtime: websocket-client.js (classic script, defines window.SwitchboardClient and
// window.wsClient) and websocket-client.mjs (ES module re-exporting them).

/** Connection state, as shown by a status indicator. `connected` means authenticated. */
export type ConnectionStatus = 'disconnected' | 'connecting' | 'connected' | 'reconnecting' | 'failed';

/** Error codes sent by the server in `error` events. */
export type ServerErrorCode =
  | 'invalid_json'
  | 'unknown_type'
  | 'invalid_field'
  | 'unauthenticated'
  | 'unauthorized'
  | 'forbidden'
  | 'rate_limited'
  /** The server failed on a valid message (the details are in its log only). The connection stays open. */
  | 'internal_error';

/** Error codes produced by the client itself. */
export type ClientErrorCode =
  /** The socket reported an error, or could not be created (then status is 'failed'). */
  | 'connection_error'
  /** No frame arrived within pongTimeout after a ping or the auth frame; the socket was replaced. */
  | 'heartbeat_timeout'
  /**
   * The token function threw or its Promise rejected; a reconnect is scheduled, except during
   * reauthenticate() on a live connection, which is kept.
   */
  | 'token_error'
  /** Close code 4001 (also the server's own error code): token rejected, status 'failed'. */
  | 'unauthorized';

export type Id = number | string;

export interface ErrorData {
  code: ServerErrorCode | ClientErrorCode | (string & {});
  message?: string;
  /**
   * Server errors: the `type` of the refused message (`'subscribe'`, `'typing'`, `'auth'`, ...), or null when
   * the server read none (invalid JSON, a missing type, rate limiting, the auth timeout). Never the message.
   */
  request?: string | null;
  /**
   * Server errors about one conversation (`forbidden` subscribe or typing, the subscription cap): which one.
   * A refused subscribe is forgotten by the client, so it is not re-sent after a reconnect.
   */
  conversation_id?: Id;
  /** Client 'unauthorized' error from a close frame: the close code (4001). */
  close_code?: number;
  [key: string]: unknown;
}

export interface ChatMessage {
  id: Id;
  content?: string;
  sender_type?: string;
  sender_id?: Id;
  created_at?: string;
  [key: string]: unknown;
}

export interface Conversation {
  id: Id;
  status?: string;
  agent_id?: Id | null;
  contact_name?: string;
  [key: string]: unknown;
}

export interface AuthenticatedData {
  user_id: Id;
  role: string;
  connection_id: string;
  /** The history every durable event id belongs to; the client sends it back when it resumes. */
  epoch: string;
  /** Only when the auth asked to resume (last_event_id): whether every missed event follows. */
  recovered?: boolean;
  /** Only when the auth asked to resume: how many missed events follow this frame. */
  replayed?: number;
  [key: string]: unknown;
}

/** Why the page must reload its state from the web app: a resume could not be complete. */
export interface ResyncData {
  /**
   * epoch (another history), retention (pruned), too_many (over MAX_RESUME_EVENTS), unavailable (the database),
   * already_subscribed, or no_position (sent by the client itself: a reconnect with nothing to resume from).
   */
  reason: 'epoch' | 'retention' | 'too_many' | 'unavailable' | 'already_subscribed' | 'no_position' | (string & {});
  /** auth: reload everything; subscribe: reload that conversation. */
  request: 'auth' | 'subscribe';
  conversation_id?: Id;
}

/** Data of every known event, keyed by event name (server events and lifecycle events). */
export interface SwitchboardEventMap {
  // server events
  new_message: { conversation_id: Id; message: ChatMessage };
  conversation_updated: { conversation_id: Id; conversation: Conversation };
  new_conversation: { conversation: Conversation };
  agent_status: { agent_id: Id; status: 'online' | 'offline' | (string & {}) };
  typing: { conversation_id: Id; user_id: Id; is_typing: boolean };
  message_read: { conversation_id: Id; message_id: Id; user_id: Id };
  presence: { agents: Array<{ agent_id: Id; status: string; name?: string }> };
  authenticated: AuthenticatedData;
  subscribed: { conversation_id: Id; recovered?: boolean; replayed?: number };
  /** A resume could not be complete: reload the state (all of it, or one conversation's) from the web app. */
  resync_required: ResyncData;
  unsubscribed: { conversation_id: Id };
  pong: { server_time: string };
  /** Server `error` frames and client-side errors alike. */
  error: ErrorData;

  // lifecycle events (envelope is undefined)
  /** Authentication succeeded (after every connect and reconnect). */
  connected: AuthenticatedData;
  /** A socket closed: dropped link, failed attempt, or disconnect(). */
  disconnected: { code: number; reason: string };
  /** A reconnect attempt is scheduled `delay` ms from now (0 when triggered by `online`). */
  reconnecting: { attempt: number; delay: number };
  /** maxAttempts exhausted; status is now 'failed'. */
  reconnect_failed: { attempts: number };
  status: { old: ConnectionStatus; new: ConnectionStatus };
}

export type SwitchboardEventName = keyof SwitchboardEventMap;

/** A parsed server frame. Durable events carry a unique, increasing `id`. */
export interface Envelope<E extends string = string, D = unknown> {
  event: E;
  data: D;
  id?: number;
  [key: string]: unknown;
}

export type Handler<D = any, E extends string = string> = (data: D, envelope?: Envelope<E, D>) => void;

/** A client → server frame, as passed to send(). */
export type ClientFrame =
  | { type: 'subscribe'; conversation_id: Id; last_event_id?: number }
  | { type: 'unsubscribe'; conversation_id: Id }
  | { type: 'typing'; conversation_id: Id; is_typing: boolean }
  | { type: 'ping' }
  | { type: string; [key: string]: unknown };

/** A token, or a function producing a fresh one for every (re)connect. */
export type TokenSource = string | (() => string | Promise<string>);

export interface SwitchboardOptions {
  /** WebSocket URL. Default: (https: ? 'wss:' : 'ws:') + '//' + location.host + '/ws'. */
  url?: string | null;
  /** JWT sent in the auth frame. */
  token?: TokenSource | null;
  /** Sent as user_id in the auth frame. Numeric strings become numbers. */
  userId?: Id | null;
  /** Reconnect attempts before giving up (reconnect_failed, status 'failed'). Default: unlimited. */
  maxAttempts?: number | null;
  /** Backoff base in ms. Default 1000. */
  baseDelay?: number;
  /** Backoff cap in ms. Default 30000. */
  maxDelay?: number;
  /** Backoff growth factor. Default 2. */
  factor?: number;
  /** Heartbeat ping period in ms while connected; 0 disables. Default 25000. */
  pingInterval?: number;
  /** Ms to wait for any frame after a ping (or the auth frame) before the link is declared dead. Default 10000. */
  pongTimeout?: number;
  /** Max frames queued by send() before authentication (oldest dropped). Default 100. */
  queueLimit?: number;
  /** How many recent event ids are remembered for duplicate filtering. Default 2000. */
  dedupeLimit?: number;
  /** typingFor(): ms without input before sending is_typing=false. Default 3000. */
  typingIdle?: number;
  /** typingFor(): minimum ms between two is_typing=true frames. Default 2000. */
  typingThrottle?: number;
  /** Log frames and state changes to the console with a [switchboard] prefix. Default false. */
  debug?: boolean;
  /**
   * Where the page's state ends, from realtime.current_event_id() when the web app rendered it: the first auth
   * asks for every event after it. Later reconnects resume from the last event received, automatically.
   */
  lastEventId?: Id | null;
  /** The epoch realtime.current_event_id() returned with lastEventId. */
  epoch?: string | null;
}

/** Timer functions the client uses; injectable for tests. */
export interface SwitchboardTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(id: unknown): void;
  now(): number;
}

/** The window-like object used for location, navigator.onLine and online/offline events. */
export interface SwitchboardEnv {
  location?: { protocol: string; host: string };
  navigator?: { onLine?: boolean };
  addEventListener?(type: 'online' | 'offline', listener: () => void): void;
  removeEventListener?(type: 'online' | 'offline', listener: () => void): void;
}

export interface WebSocketLike {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: any) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
}

/** Constructor options: settings plus injection hooks (all default to the globals). */
export interface SwitchboardClientOptions extends SwitchboardOptions {
  WebSocket?: new (url: string) => WebSocketLike;
  timers?: SwitchboardTimers;
  /** Returns a number in [0, 1); used for backoff jitter. Default Math.random. */
  random?: () => number;
  env?: SwitchboardEnv;
}

/** Anything typingFor() can listen to, e.g. an <input> or <textarea>. */
export interface TypingInput {
  addEventListener(type: 'input' | 'blur', listener: () => void): void;
  removeEventListener(type: 'input' | 'blur', listener: () => void): void;
}

/** Why a reauthenticate() Promise was rejected. */
export type ReauthenticateErrorCode =
  /** The server refused the token (`data` is its error); it closes with 4001 and status becomes 'failed'. */
  | 'unauthorized'
  /** The token function threw or its Promise rejected; a live connection is kept as it was. */
  | 'token_error'
  /** disconnect() was called, or reconnecting gave up (maxAttempts), before the server answered. */
  | 'disconnected'
  /** Called while disconnected or failed: use connect() instead. */
  | 'not_connected';

export interface SwitchboardError extends Error {
  name: 'SwitchboardError';
  code: ReauthenticateErrorCode;
  /** The server's error, when it sent one. */
  data?: ErrorData;
}

export declare class SwitchboardClient {
  constructor(options?: SwitchboardClientOptions);

  static readonly DEFAULTS: Readonly<Required<SwitchboardOptions>>;

  /** Toggle console logging at runtime. */
  debug: boolean;
  /** True only when authenticated (status 'connected'). */
  readonly connected: boolean;
  readonly status: ConnectionStatus;
  /** Reconnect attempts since the last successful authentication. */
  readonly reconnectAttempts: number;
  readonly lastError: ErrorData | null;
  /** Highest durable event id seen (or the position given to connect()): sent to resume on reconnect. */
  readonly lastEventId: number | null;
  /** The epoch from the last `authenticated`: the history lastEventId belongs to. */
  readonly epoch: string | null;
  /** Remembered conversation ids (a copy). */
  readonly subscriptions: Id[];
  readonly connectionId: string | null;
  readonly role: string | null;
  readonly userId: Id | null;

  connect(options?: SwitchboardOptions): this;
  connect(userId: Id, token?: TokenSource, url?: string): this;
  disconnect(): this;
  /** Sets the position to resume from, e.g. after reloading the state on `resync_required`. */
  resumeFrom(lastEventId: Id, epoch: string): this;
  /**
   * Sends `auth` with a fresh token on the open connection, e.g. shortly before the current token's `exp`
   * (the server closes a connection with 4002 when its token expires). The server keeps the connection, its
   * subscriptions and its connection id; the token must name the same user and role. The token is also kept
   * for every later reconnect. Without an argument the current token is sent again (a token function is
   * called again). While connecting or reconnecting, the next connection's auth frame carries it.
   *
   * Resolves with the `authenticated` data once the server accepts the token; rejects with a
   * {@link SwitchboardError} (handle it: an unhandled rejection is logged by the browser).
   */
  reauthenticate(token?: TokenSource): Promise<AuthenticatedData>;

  on<K extends SwitchboardEventName>(event: K, handler: Handler<SwitchboardEventMap[K], K>): () => void;
  on(event: '*', handler: Handler<unknown>): () => void;
  on(event: string, handler: Handler): () => void;
  once<K extends SwitchboardEventName>(event: K, handler: Handler<SwitchboardEventMap[K], K>): () => void;
  once(event: string, handler: Handler): () => void;
  off<K extends SwitchboardEventName>(event: K, handler?: Handler<SwitchboardEventMap[K], K>): void;
  off(event?: string, handler?: Handler): void;

  /** Returns true if written now; false if queued or dropped. */
  send(message: ClientFrame): boolean;
  subscribe(conversationId: Id): boolean;
  unsubscribe(conversationId: Id): boolean;
  sendTyping(conversationId: Id, isTyping: boolean): boolean;
  ping(): boolean;
  /** Returns a function that detaches the listeners. */
  typingFor(conversationId: Id, input: TypingInput): () => void;
}

export declare const wsClient: SwitchboardClient;
export default wsClient;

declare global {
  interface Window {
    wsClient: SwitchboardClient;
    SwitchboardClient: typeof SwitchboardClient;
  }
}
