// Drives the real pusher-js and Laravel Echo against a running Switchboard node, for PusherClientsIT.
//
//   node clients.mjs <scenario> <port> <app key> <app secret> <broadcaster: reverb|pusher> [scenario arguments]
//
// Every observation is printed as one JSON line on stdout; the Java test reads them, publishes events on the
// server side when a scenario says it is ready, and decides what passes. Private and presence channels are
// authorised by signing with the app secret here, as Laravel's /broadcasting/auth would on the backend.
import { createHmac } from 'node:crypto';
import PusherModule from 'pusher-js';
import Echo from 'laravel-echo';

const Pusher = PusherModule.default ?? PusherModule;
const [scenario, port, key, secret, broadcaster, ...extra] = process.argv.slice(2);

function out(observation) {
    process.stdout.write(JSON.stringify(observation) + '\n');
}

function sign(text) {
    return createHmac('sha256', secret).update(text).digest('hex');
}

/** An Echo instance as a Laravel page configures it for Reverb, plus the backend's signing. */
function echo(user, { signWith = sign } = {}) {
    return new Echo({
        broadcaster,
        key,
        wsHost: '127.0.0.1',
        wsPort: Number(port),
        wssPort: Number(port),
        forceTLS: false,
        enabledTransports: ['ws'],
        disableStats: true,
        cluster: 'mt1',
        Pusher,
        channelAuthorization: {
            customHandler: ({ socketId, channelName }, callback) => {
                if (channelName.startsWith('presence-')) {
                    const channelData = JSON.stringify({ user_id: user.id, user_info: { name: user.name } });
                    callback(null, {
                        auth: `${key}:${signWith(`${socketId}:${channelName}:${channelData}`)}`,
                        channel_data: channelData,
                    });
                } else {
                    callback(null, { auth: `${key}:${signWith(`${socketId}:${channelName}`)}` });
                }
            },
        },
        userAuthentication: {
            customHandler: ({ socketId }, callback) => {
                const userData = JSON.stringify({ id: String(user.id), name: user.name });
                callback(null, { auth: `${key}:${sign(`${socketId}::user::${userData}`)}`, user_data: userData });
            },
        },
    });
}

function subscribed(channel, name) {
    return new Promise((resolve) => channel.subscribed(() => {
        out({ subscribed: name });
        resolve();
    }));
}

const ann = { id: 1, name: 'Ann' };
const bob = { id: 2, name: 'Bob' };
const names = (members) => members.map((m) => m.name).sort();

const scenarios = {
    /** A public and a private channel, then a notification; the test publishes after "ready". */
    async channels() {
        const e = echo(ann);
        const orders = e.channel('orders').listen('.shipped', (data) => out({ channel: 'orders', data }));
        const mine = e.private('orders.1').listen('OrderPaid', (data) => out({ channel: 'private-orders.1', data }));
        const user = e.private('App.Models.User.1').notification((n) => out({ notification: n }));
        await Promise.all([subscribed(orders, 'orders'), subscribed(mine, 'private-orders.1'),
            subscribed(user, 'private-App.Models.User.1')]);
        out({ ready: e.socketId() });
    },

    /** A subscription the server refuses (a wrong signature) reaches Echo's .error(). */
    async refused() {
        const e = echo(ann, { signWith: () => '0'.repeat(64) });
        e.private('vault').error((error) => out({ error }));
    },

    /** Two tabs of Ann and one of Bob on one presence channel: .here, .joining and .leaving. */
    async presence() {
        const tab1 = echo(ann);
        await new Promise((resolve) => tab1.join('room.1')
            .here((members) => { out({ tab: 'ann1', here: names(members) }); resolve(); })
            .joining((m) => out({ tab: 'ann1', joining: m.name }))
            .leaving((m) => out({ tab: 'ann1', leaving: m.name })));
        const tab2 = echo(ann);
        await new Promise((resolve) => tab2.join('room.1')
            .here((members) => { out({ tab: 'ann2', here: names(members) }); resolve(); })
            .joining((m) => out({ tab: 'ann2', joining: m.name }))
            .leaving((m) => out({ tab: 'ann2', leaving: m.name })));
        const bobTab = echo(bob);
        let annLeft;
        const annGone = new Promise((resolve) => { annLeft = resolve; });
        await new Promise((resolve) => bobTab.join('room.1')
            .here((members) => { out({ tab: 'bob', here: names(members) }); resolve(); })
            .joining((m) => out({ tab: 'bob', joining: m.name }))
            .leaving((m) => { out({ tab: 'bob', leaving: m.name }); annLeft(); }));
        await new Promise((resolve) => setTimeout(resolve, 300));
        out({ step: 'ann closes one tab' });
        tab1.disconnect();
        // A wrong member_removed would arrive within this pause and be caught between the two steps.
        await new Promise((resolve) => setTimeout(resolve, 500));
        out({ step: 'ann closes the other tab' });
        tab2.leave('room.1');
        await Promise.race([annGone, new Promise((resolve) => setTimeout(resolve, 15000))]);
        await new Promise((resolve) => setTimeout(resolve, 200));
        out({ done: true });
    },

    /** Echo's whisper between two members of a private channel, never back to the sender. */
    async whisper() {
        const a = echo(ann);
        const b = echo(bob);
        let bobHeard;
        const heard = new Promise((resolve) => { bobHeard = resolve; });
        const ca = a.private('chat.1').listenForWhisper('typing', (data) => out({ heard: 'ann', data }));
        const cb = b.private('chat.1').listenForWhisper('typing', (data) => { out({ heard: 'bob', data }); bobHeard(); });
        await Promise.all([subscribed(ca, 'ann'), subscribed(cb, 'bob')]);
        ca.whisper('typing', { name: 'Ann' });
        await Promise.race([heard, new Promise((resolve) => setTimeout(resolve, 15000))]);
        // An echo to the sender would arrive about when Bob's copy does.
        await new Promise((resolve) => setTimeout(resolve, 300));
        out({ done: true });
    },

    /** Signs in and listens on the user's own channel, #server-to-user-1. */
    async user() {
        const e = echo(ann);
        const pusher = e.connector.pusher;
        pusher.user.bind('notice', (data) => out({ user: data }));
        pusher.connection.bind('connected', () => pusher.signin());
        await pusher.user.signinDonePromise;
        await new Promise((resolve) => {
            const wait = () => (pusher.user.serverToUserChannel?.subscribed ? resolve() : setTimeout(wait, 20));
            wait();
        });
        out({ ready: pusher.user.user_data.id });
    },

    /**
     * Listens on the channels named by the scenario arguments (private ones through Echo's private(), so they are
     * authorised as a Laravel page's are) and reports every event as {channel, event, data}, in arrival order;
     * "ready" carries the socket_id once every channel is subscribed.
     */
    async listen() {
        const e = echo(ann);
        const channels = extra.map((name) => {
            const channel = name.startsWith('private-') ? e.private(name.slice('private-'.length)) : e.channel(name);
            channel.subscription.bind_global((event, data) => {
                if (!event.startsWith('pusher:') && !event.startsWith('pusher_internal:')) {
                    out({ channel: name, event, data });
                }
            });
            return subscribed(channel, name);
        });
        await Promise.all(channels);
        out({ ready: e.socketId() });
    },

    /** Subscribed channels come back after the server restarts: every subscription_succeeded is reported. */
    async reconnect() {
        const e = echo(ann);
        const pusher = e.connector.pusher;
        pusher.connection.bind('state_change', (s) => out({ state: s.current }));
        e.channel('news').listen('.headline', (data) => out({ channel: 'news', data }))
            .subscribed(() => out({ subscribed: 'news' }));
        e.private('inbox.1').listen('.mail', (data) => out({ channel: 'private-inbox.1', data }))
            .subscribed(() => out({ subscribed: 'private-inbox.1' }));
    },
};

if (!scenarios[scenario]) {
    out({ fatal: `unknown scenario ${scenario}` });
    process.exit(2);
}
scenarios[scenario]().catch((error) => {
    out({ fatal: String(error?.stack ?? error) });
    process.exit(1);
});
// The test ends the process by closing stdin.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
