// Strings of the demo pages in English and Brazilian Portuguese. The language follows the browser:
// pt, pt-BR, pt-PT... get pt-BR, everything else English.
(function () {
  'use strict';

  const DICTIONARIES = {
    en: {
      'app.name': 'Switchboard',
      'loading': 'Loading…',
      'console.title': 'Agent console',
      'customer.title': 'Customer support',

      'status.connected': 'Connected',
      'status.connecting': 'Connecting…',
      'status.disconnected': 'Disconnected',
      'status.reconnecting': 'Reconnecting…',
      'status.failed': 'Connection failed',
      'status.attempts': 'Reconnect attempts: {n}',
      'status.lastError': 'Last error: {error}',

      'signin.agentTitle': 'Sign in as an agent',
      'signin.contactTitle': 'Who are you?',
      'signin.demoNote': 'Demo sign-in: no password, anyone can be anyone. Production pages get their tokens from your own web app.',
      'signin.customerLink': 'Open the customer page',
      'signin.consoleLink': 'Open the agent console',
      'signout': 'Sign out',
      'switchUser': 'Switch',
      'nav.back': 'Back',
      'nav.backToList': 'Back to the conversations',
      'role.agent': 'Agent',
      'role.admin': 'Admin',
      'role.contact': 'Customer',

      'list.title': 'Conversations',
      'list.empty': 'No conversations yet.',
      'list.unassigned': 'Unassigned',
      'list.you': 'You',

      'conv.unassigned': 'Unassigned',
      'conv.assignedTo': 'Assigned to {name}',
      'conv.assignedToYou': 'Assigned to you',
      'conv.status.open': 'Open',
      'conv.status.closed': 'Closed',

      'chat.emptyTitle': 'Pick a conversation',
      'chat.emptyHint': 'Everything here is live: new conversations, messages, assignments, typing and read receipts appear without reloading. Open the customer page in another window to chat with yourself.',
      'chat.loadFailed': 'The conversation could not be loaded: {message}',

      'action.assignToMe': 'Assign to me',
      'action.assignTo': 'Assign to…',
      'action.close': 'Close',
      'action.reopen': 'Reopen',
      'action.customerView': 'Customer view ↗',

      'composer.placeholder': 'Type a message… (Enter sends, Shift+Enter adds a line)',
      'composer.closed': 'This conversation is closed. Reopen it to reply.',
      'composer.send': 'Send',

      'typing.one': '{name} is typing…',
      'typing.many': '{names} are typing…',
      'typing.and': ' and ',

      'agents.title': 'Agents',
      'agents.online': 'Online',
      'agents.offline': 'Offline',
      'agents.away': 'Away',
      'agents.busy': 'Busy',
      'agents.you': '(you)',

      'debug.toggle': 'Events',
      'debug.title': 'Last 100 events',
      'debug.clear': 'Clear',
      'debug.empty': 'No events yet.',
      'debug.close': 'Hide',

      'toast.assigned': '{by} assigned you “{subject}”',

      'receipt.sent': 'Sent',
      'receipt.read': 'Read',

      'error.session': 'Your session has expired. Please sign in again.',
      'error.generic': 'Something went wrong: {message}',

      'customer.signedInAs': 'You are',
      'customer.newConversation': 'New conversation',
      'customer.subject': 'Subject',
      'customer.subjectPlaceholder': 'What do you need help with?',
      'customer.message': 'Message',
      'customer.messagePlaceholder': 'Tell us more…',
      'customer.start': 'Start conversation',
      'customer.yourConversations': 'Your conversations',
      'customer.none': 'No conversations yet.',
      'customer.waiting': 'Waiting for an agent',
      'customer.servedBy': 'Served by {name}',
      'customer.answeredBy': 'Answered by {name}',
      'customer.notYours': 'This conversation belongs to another customer.',
      'customer.closedNote': 'This conversation was closed. Writing again reopens it.',
      'customer.placeholder': 'Write to the support team… (Enter sends)',
      'customer.agentConsole': 'Agent console',
    },
    'pt-BR': {
      'app.name': 'Switchboard',
      'loading': 'Carregando…',
      'console.title': 'Console de atendimento',
      'customer.title': 'Atendimento ao cliente',

      'status.connected': 'Conectado',
      'status.connecting': 'Conectando…',
      'status.disconnected': 'Desconectado',
      'status.reconnecting': 'Reconectando…',
      'status.failed': 'Falha na conexão',
      'status.attempts': 'Tentativas de reconexão: {n}',
      'status.lastError': 'Último erro: {error}',

      'signin.agentTitle': 'Entrar como agente',
      'signin.contactTitle': 'Quem é você?',
      'signin.demoNote': 'Login de demonstração: sem senha, qualquer um entra como qualquer um. Em produção, as páginas recebem o token do seu próprio sistema.',
      'signin.customerLink': 'Abrir a página do cliente',
      'signin.consoleLink': 'Abrir o console de atendimento',
      'signout': 'Sair',
      'switchUser': 'Trocar',
      'nav.back': 'Voltar',
      'nav.backToList': 'Voltar às conversas',
      'role.agent': 'Agente',
      'role.admin': 'Admin',
      'role.contact': 'Cliente',

      'list.title': 'Conversas',
      'list.empty': 'Nenhuma conversa ainda.',
      'list.unassigned': 'Sem responsável',
      'list.you': 'Você',

      'conv.unassigned': 'Sem responsável',
      'conv.assignedTo': 'Atribuída a {name}',
      'conv.assignedToYou': 'Atribuída a você',
      'conv.status.open': 'Aberta',
      'conv.status.closed': 'Fechada',

      'chat.emptyTitle': 'Escolha uma conversa',
      'chat.emptyHint': 'Tudo aqui é ao vivo: novas conversas, mensagens, atribuições, digitação e confirmações de leitura aparecem sem recarregar. Abra a página do cliente em outra janela para conversar consigo mesmo.',
      'chat.loadFailed': 'Não foi possível carregar a conversa: {message}',

      'action.assignToMe': 'Atribuir a mim',
      'action.assignTo': 'Atribuir a…',
      'action.close': 'Fechar',
      'action.reopen': 'Reabrir',
      'action.customerView': 'Visão do cliente ↗',

      'composer.placeholder': 'Digite uma mensagem… (Enter envia, Shift+Enter quebra a linha)',
      'composer.closed': 'Esta conversa está fechada. Reabra para responder.',
      'composer.send': 'Enviar',

      'typing.one': '{name} está digitando…',
      'typing.many': '{names} estão digitando…',
      'typing.and': ' e ',

      'agents.title': 'Agentes',
      'agents.online': 'Online',
      'agents.offline': 'Offline',
      'agents.away': 'Ausente',
      'agents.busy': 'Ocupado',
      'agents.you': '(você)',

      'debug.toggle': 'Eventos',
      'debug.title': 'Últimos 100 eventos',
      'debug.clear': 'Limpar',
      'debug.empty': 'Nenhum evento ainda.',
      'debug.close': 'Ocultar',

      'toast.assigned': '{by} atribuiu a você “{subject}”',

      'receipt.sent': 'Enviada',
      'receipt.read': 'Lida',

      'error.session': 'Sua sessão expirou. Entre novamente.',
      'error.generic': 'Algo deu errado: {message}',

      'customer.signedInAs': 'Você é',
      'customer.newConversation': 'Nova conversa',
      'customer.subject': 'Assunto',
      'customer.subjectPlaceholder': 'Em que podemos ajudar?',
      'customer.message': 'Mensagem',
      'customer.messagePlaceholder': 'Conte um pouco mais…',
      'customer.start': 'Iniciar conversa',
      'customer.yourConversations': 'Suas conversas',
      'customer.none': 'Nenhuma conversa ainda.',
      'customer.waiting': 'Aguardando um atendente',
      'customer.servedBy': 'Atendido por {name}',
      'customer.answeredBy': 'Respondido por {name}',
      'customer.notYours': 'Esta conversa pertence a outro cliente.',
      'customer.closedNote': 'Esta conversa foi encerrada. Escrever novamente a reabre.',
      'customer.placeholder': 'Escreva para o atendimento… (Enter envia)',
      'customer.agentConsole': 'Console de atendimento',
    },
  };

  const browserLanguage = (navigator.language || 'en').toLowerCase();
  const lang = browserLanguage.startsWith('pt') ? 'pt-BR' : 'en';
  const dictionary = DICTIONARIES[lang];

  /** The string for key with {placeholders} filled in; the key itself when missing, so gaps show. */
  function t(key, vars) {
    const template = Object.prototype.hasOwnProperty.call(dictionary, key) ? dictionary[key]
      : (DICTIONARIES.en[key] || key);
    return template.replace(/\{(\w+)\}/g, (match, name) => (vars && vars[name] != null ? String(vars[name]) : match));
  }

  /** Fills every [data-i18n] (text) and [data-i18n-placeholder] / [data-i18n-title] element under root. */
  function apply(root) {
    for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
    for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  }

  document.documentElement.lang = lang;
  window.DemoI18n = { lang, t, apply };
})();
