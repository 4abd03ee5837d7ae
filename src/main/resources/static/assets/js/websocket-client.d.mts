// Types for `import ... from '/assets/js/websocket-client.mjs'`: TypeScript looks for a .d.mts beside an .mjs.
export * from './websocket-client.js';
import { wsClient } from './websocket-client.js';
// Named, not re-exported as `default`: under Node's module resolution the classic script's types count as
// CommonJS, whose "default" is the whole module, not the default client the .mjs exports.
export default wsClient;
