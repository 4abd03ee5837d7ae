// The operations page: signs in with an admin token over the node's own WebSocket, subscribes to the operations
// stream (status every 10 s, metrics every 2 s, health on change) and draws what the server reports. Every number
// shown comes from a frame; where the server sent none (no deliveries in the last interval) the page says so.
(function () {
  'use strict';

  const STRINGS = {
    en: {
      title: 'Switchboard operations', connecting: 'Connecting…', disconnected: 'Disconnected, retrying…',
      'token.label': 'Admin token', 'token.submit': 'Open',
      'token.hint': 'Paste a token with role admin (java -jar switchboard.jar token --user 1 --role admin), or open this page as /admin/#token=…',
      node: 'Node', version: 'Version', uptime: 'Uptime', connections: 'Connections', eventsIn: 'Events in /s',
      framesOut: 'Frames out /s', latency: 'Delivery p50 / p99', listenerLag: 'Listener lag', events: 'events',
      slow: 'Slow consumers closed', health: 'Health', nodes: 'Every node',
      'chart.rates': 'Events in (blue) and frames out (green) per second, this node',
      'chart.latency': 'Delivery latency p99 in ms, this node',
      noDeliveries: 'no deliveries', nodesCount: '{n} node(s)', healthy: 'healthy', degraded: 'degraded',
      unhealthy: 'unhealthy', up: 'up', down: 'down', draining: 'draining',
      forbidden: 'This token is not an admin token.', unauthorized: 'The token was refused: {reason}',
      role_agent: 'agents', role_admin: 'admins', role_contact: 'contacts', role_unauthenticated: 'signing in'
    },
    'pt-BR': {
      title: 'Operações do Switchboard', connecting: 'Conectando…', disconnected: 'Desconectado, tentando de novo…',
      'token.label': 'Token de administrador', 'token.submit': 'Abrir',
      'token.hint': 'Cole um token com papel admin (java -jar switchboard.jar token --user 1 --role admin) ou abra esta página como /admin/#token=…',
      node: 'Nó', version: 'Versão', uptime: 'Tempo no ar', connections: 'Conexões', eventsIn: 'Eventos recebidos /s',
      framesOut: 'Frames enviados /s', latency: 'Entrega p50 / p99', listenerLag: 'Atraso do listener', events: 'eventos',
      slow: 'Consumidores lentos fechados', health: 'Saúde', nodes: 'Todos os nós',
      'chart.rates': 'Eventos recebidos (azul) e frames enviados (verde) por segundo, este nó',
      'chart.latency': 'Latência de entrega p99 em ms, este nó',
      noDeliveries: 'sem entregas', nodesCount: '{n} nó(s)', healthy: 'saudável', degraded: 'degradado',
      unhealthy: 'fora do ar', up: 'ok', down: 'fora', draining: 'encerrando',
      forbidden: 'Este token não é de administrador.', unauthorized: 'O token foi recusado: {reason}',
      role_agent: 'agentes', role_admin: 'admins', role_contact: 'contatos', role_unauthenticated: 'entrando'
    }
  };
  const lang = (navigator.language || 'en').toLowerCase().startsWith('pt') ? 'pt-BR' : 'en';
  function t(key, vars) {
    let text = STRINGS[lang][key] || STRINGS.en[key] || key;
    for (const [name, value] of Object.entries(vars || {})) {
      text = text.replace('{' + name + '}', value);
    }
    return text;
  }
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const el of document.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }

  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 });
  const HISTORY = 90;
  const past = { eventsIn: [], framesOut: [], p99: [] };
  let socket;
  let token;

  function uptime(seconds) {
    const d = Math.floor(seconds / 86400);
    const h = Math.floor((seconds % 86400) / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    return (d ? d + 'd ' : '') + h + 'h ' + m + 'm ' + (seconds % 60) + 's';
  }

  function latency(node) {
    if (node.delivery_p50_ms === undefined) {
      return t('noDeliveries');
    }
    return number.format(node.delivery_p50_ms) + ' / ' + number.format(node.delivery_p99_ms) + ' ms';
  }

  function healthText(node) {
    if (!node.healthy) return t('down');
    return node.ready ? t('up') : t('draining');
  }

  function onMetrics(data) {
    const node = data.node;
    $('node-id').textContent = node.node_id;
    $('version').textContent = node.version;
    $('uptime').textContent = uptime(node.uptime_seconds);
    $('connections').textContent = number.format(node.connections_total);
    $('roles').textContent = Object.entries(node.connections)
      .map(([role, n]) => n + ' ' + t('role_' + role)).join(' · ');
    $('events-in').textContent = number.format(node.events_in_per_second);
    $('frames-out').textContent = number.format(node.frames_out_per_second);
    $('latency').textContent = latency(node);
    $('listener-lag').textContent = number.format(node.listener_lag_events);
    $('slow').textContent = number.format(node.slow_consumers_closed);
    push(past.eventsIn, node.events_in_per_second);
    push(past.framesOut, node.frames_out_per_second);
    push(past.p99, node.delivery_p99_ms === undefined ? null : node.delivery_p99_ms);
    drawChart($('rates'), [{ points: past.eventsIn, color: '#2563eb' }, { points: past.framesOut, color: '#16a34a' }]);
    drawChart($('latency-chart'), [{ points: past.p99, color: '#c2410c' }]);
    const body = document.querySelector('#nodes tbody');
    body.replaceChildren(...data.nodes.map((n) => {
      const row = document.createElement('tr');
      row.dataset.node = n.node_id;
      const cells = [n.node_id, number.format(n.connections_total), number.format(n.events_in_per_second),
        number.format(n.frames_out_per_second),
        n.delivery_p50_ms === undefined ? '–' : number.format(n.delivery_p50_ms) + ' ms',
        n.delivery_p99_ms === undefined ? '–' : number.format(n.delivery_p99_ms) + ' ms',
        number.format(n.listener_lag_events), number.format(n.slow_consumers_closed), uptime(n.uptime_seconds),
        n.version, healthText(n)];
      for (const text of cells) {
        const cell = document.createElement('td');
        cell.textContent = text;
        row.append(cell);
      }
      return row;
    }));
    $('cluster').textContent = t('nodesCount', { n: data.nodes.length });
  }

  function onStatus(data) {
    const badge = $('status');
    badge.textContent = t(data.status);
    badge.className = 'badge ' + data.status;
    $('cluster').textContent = t('nodesCount', { n: data.cluster_size });
  }

  function onHealth(data) {
    $('health').textContent = data.healthy ? t('healthy') : t('unhealthy');
    $('checks').textContent = 'database ' + data.checks.database + ' · listener ' + data.checks.listener
      + (data.checks.draining ? ' · ' + t('draining') : '');
  }

  function push(series, value) {
    series.push(value);
    if (series.length > HISTORY) series.shift();
  }

  // A line chart on a canvas: the y axis from 0 to the largest value shown, gaps where there was no value.
  function drawChart(canvas, lines) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || canvas.width;
    const height = canvas.clientHeight || canvas.height;
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    const g = canvas.getContext('2d');
    g.scale(ratio, ratio);
    g.clearRect(0, 0, width, height);
    const pad = { left: 44, right: 8, top: 8, bottom: 16 };
    let max = 0;
    for (const line of lines) for (const v of line.points) if (v !== null && v > max) max = v;
    max = max > 0 ? max * 1.1 : 1;
    g.strokeStyle = '#e5e8ee';
    g.fillStyle = '#5a6473';
    g.font = '11px system-ui, sans-serif';
    for (let i = 0; i <= 4; i++) {
      const y = pad.top + (height - pad.top - pad.bottom) * i / 4;
      g.beginPath(); g.moveTo(pad.left, y); g.lineTo(width - pad.right, y); g.stroke();
      g.fillText(number.format(max * (4 - i) / 4), 2, y + 4);
    }
    const step = (width - pad.left - pad.right) / (HISTORY - 1);
    for (const line of lines) {
      g.strokeStyle = line.color;
      g.lineWidth = 2;
      g.beginPath();
      let drawing = false;
      const offset = HISTORY - line.points.length;
      line.points.forEach((v, i) => {
        if (v === null) { drawing = false; return; }
        const x = pad.left + (offset + i) * step;
        const y = pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
        if (drawing) g.lineTo(x, y); else g.moveTo(x, y);
        drawing = true;
      });
      g.stroke();
      // A dot on each value too, so a lone value between gaps (one interval with deliveries) is visible.
      g.fillStyle = line.color;
      line.points.forEach((v, i) => {
        if (v === null) return;
        const x = pad.left + (offset + i) * step;
        const y = pad.top + (height - pad.top - pad.bottom) * (1 - v / max);
        g.fillRect(x - 1.5, y - 1.5, 3, 3);
      });
    }
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    socket = new WebSocket(scheme + location.host + '/ws');
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', token }));
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.event === 'authenticated') {
        socket.send(JSON.stringify({ type: 'admin_subscribe' }));
      } else if (frame.event === 'error') {
        const code = frame.data.code;
        if (code === 'forbidden' || code === 'unauthorized') {
          fail(code === 'forbidden' ? t('forbidden') : t('unauthorized', { reason: frame.data.message }));
        }
      } else if (frame.event === 'metrics') {
        $('signin').hidden = true;
        $('dashboard').hidden = false;
        onMetrics(frame.data);
      } else if (frame.event === 'status') {
        onStatus(frame.data);
      } else if (frame.event === 'health') {
        onHealth(frame.data);
      }
    };
    socket.onclose = () => {
      if (token) {
        $('status').textContent = t('disconnected');
        $('status').className = 'badge down';
        setTimeout(connect, 3000);
      }
    };
  }

  function fail(message) {
    token = null;
    sessionStorage.removeItem('switchboard.admin.token');
    socket.close();
    $('dashboard').hidden = true;
    $('signin').hidden = false;
    $('error').textContent = message;
  }

  function start(value) {
    token = value;
    sessionStorage.setItem('switchboard.admin.token', value);
    $('status').textContent = t('connecting');
    connect();
  }

  const fragment = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fragment) {
    // Out of the address bar (and so out of screenshots and history) once read.
    window.history.replaceState(null, '', location.pathname);
  }
  const saved = fragment || sessionStorage.getItem('switchboard.admin.token');
  $('signin').addEventListener('submit', (e) => {
    e.preventDefault();
    $('error').textContent = '';
    start($('token').value.trim());
  });
  if (saved) {
    start(saved);
  } else {
    $('signin').hidden = false;
  }
})();
