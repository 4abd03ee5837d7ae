'use strict';
// Preloaded (node -r) into each Node peer: a tiny HTTP endpoint reporting the process's memory, after a full GC
// when asked, so the harness reads every peer's heap the same way it reads Switchboard's with jcmd.
const http = require('http');
const port = Number(process.env.BENCH_STATS_PORT || 0);
if (port) {
  http.createServer((req, res) => {
    if (req.url.includes('gc=1') && global.gc) { global.gc(); global.gc(); }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(process.memoryUsage()));
  }).listen(port, '127.0.0.1').unref();
}
