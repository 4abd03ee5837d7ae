// Calls every Pusher HTTP API endpoint through the official server SDK, as a Node backend would, and prints what
// came back as one JSON object. PusherSdkTest starts the server, runs this and checks both sides.
"use strict";
const Pusher = require("pusher");

const pusher = new Pusher({
  appId: process.env.PUSHER_APP_ID,
  key: process.env.PUSHER_APP_KEY,
  secret: process.env.PUSHER_APP_SECRET,
  host: "127.0.0.1",
  port: process.env.PUSHER_PORT,
  useTLS: false,
});

async function reply(promise) {
  const res = await promise;
  return { status: res.status, body: await res.json() };
}

async function main() {
  const out = {};
  out.trigger = await reply(pusher.trigger("orders", "order-shipped", { id: 7, note: "fragile" }));
  out.triggerMany = await reply(pusher.trigger(["orders", "private-audit"], "App\\Events\\Audit", "plain text",
    { socket_id: "123.456" }));
  out.triggerInfo = await reply(pusher.trigger("presence-room", "hello", { hi: true },
    { info: "subscription_count,user_count" }));
  out.batch = await reply(pusher.triggerBatch([
    { channel: "batch-1", name: "first", data: { n: 1 } },
    { channel: "batch-2", name: "second", data: "two" },
  ]));
  out.channels = await reply(pusher.get({ path: "/channels",
    params: { filter_by_prefix: "presence-", info: "user_count" } }));
  out.channel = await reply(pusher.get({ path: "/channels/presence-room",
    params: { info: "subscription_count,user_count" } }));
  out.users = await reply(pusher.get({ path: "/channels/presence-room/users" }));
  out.terminate = await reply(pusher.terminateUserConnections("42"));
  process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + "\n" + (e && e.body ? e.body : "") + "\n");
  process.exit(1);
});
