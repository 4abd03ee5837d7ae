// Types for `import ... from '/assets/js/websocket-client.mjs'`: TypeScript looks for a .d.mts beside an .mjs.
export * from './websocket-client.js';
export { default } from './websocket-client.js';
