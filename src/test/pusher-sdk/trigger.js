// Triggers one event through the official pusher server SDK, as a Laravel or Node backend does, and prints the
// HTTP status and body as one JSON line. Used by the two-node Echo test.
//
//   PUSHER_APP_ID=.. PUSHER_APP_KEY=.. PUSHER_APP_SECRET=.. PUSHER_PORT=.. \
//     node trigger.js <channel> <event> <data as JSON> [socket_id to exclude]
"use strict";
const Pusher = require("pusher");

const [channel, event, data, socketId] = process.argv.slice(2);
const pusher = new Pusher({
  appId: process.env.PUSHER_APP_ID,
  key: process.env.PUSHER_APP_KEY,
  secret: process.env.PUSHER_APP_SECRET,
  host: "127.0.0.1",
  port: process.env.PUSHER_PORT,
  useTLS: false,
});

pusher.trigger(channel, event, JSON.parse(data), socketId ? { socket_id: socketId } : {})
  .then(async (res) => process.stdout.write(JSON.stringify({ status: res.status, body: await res.json() }) + "\n"))
  .catch((e) => {
    process.stderr.write(String(e && e.stack || e) + "\n" + (e && e.body ? e.body : "") + "\n");
    process.exit(1);
  });
