// ES module entry point for the Switchboard client.
// websocket-client.js is a classic script that only touches globalThis, so importing
// it for its side effect defines the globals, which are re-exported here.
import './websocket-client.js';

export const SwitchboardClient = globalThis.SwitchboardClient;
export const wsClient = globalThis.wsClient;
export default wsClient;
