-- Seed data, applied once by Flyway on an empty demo schema: three agents, three contacts and four
-- conversations in various states, so the console has something to show on first start.

INSERT INTO demo.agents (id, name, email, role) VALUES
    (1, 'Ana Souza',    'ana.souza@example.com',    'agent'),
    (2, 'Bruno Lima',   'bruno.lima@example.com',   'agent'),
    (3, 'Carla Mendes', 'carla.mendes@example.com', 'admin');

INSERT INTO demo.contacts (id, name, email) VALUES
    (1001, 'João Silva',     'joao.silva@example.com'),
    (1002, 'Maria Oliveira', 'maria.oliveira@example.com'),
    (1003, 'Pedro Santos',   'pedro.santos@example.com');

INSERT INTO demo.conversations (id, contact_id, agent_id, subject, status, created_at, updated_at, last_message_at)
VALUES
    (1, 1001, 1,    'Não consigo acessar minha conta', 'open',
        now() - interval '50 minutes', now() - interval '12 minutes', now() - interval '12 minutes'),
    (2, 1002, NULL, 'Cobrança duplicada no cartão',    'open',
        now() - interval '35 minutes', now() - interval '30 minutes', now() - interval '30 minutes'),
    (3, 1003, 2,    'Prazo de entrega do pedido',      'closed',
        now() - interval '1 day',      now() - interval '23 hours',   now() - interval '23 hours'),
    (4, 1001, NULL, 'Alterar endereço de entrega',     'open',
        now() - interval '5 minutes',  now() - interval '5 minutes',  now() - interval '5 minutes');

-- Conversation ids above were given explicitly; new ones continue after them.
ALTER TABLE demo.conversations ALTER COLUMN id RESTART WITH 5;

-- Ids in time order, as live messages get them.
INSERT INTO demo.messages (id, conversation_id, sender_type, sender_id, content, created_at) VALUES
    (1,  3, 'contact', 1003, 'Olá! Qual é o prazo de entrega para Curitiba?',
         now() - interval '1 day'),
    (2,  3, 'agent',   2,    'Olá, Pedro! Para Curitiba o prazo é de 3 a 5 dias úteis.',
         now() - interval '1 day' + interval '4 minutes'),
    (3,  3, 'contact', 1003, 'Perfeito, obrigado!',
         now() - interval '1 day' + interval '6 minutes'),
    (4,  3, 'agent',   2,    'Por nada! Qualquer dúvida é só chamar.',
         now() - interval '23 hours'),
    (5,  1, 'contact', 1001, 'Olá! Desde ontem não consigo entrar na minha conta: aparece "senha inválida".',
         now() - interval '50 minutes'),
    (6,  1, 'agent',   1,    'Oi, João! Aqui é a Ana. Vou verificar o seu cadastro agora mesmo.',
         now() - interval '40 minutes'),
    (7,  2, 'contact', 1002, 'Bom dia! Fui cobrada duas vezes pelo pedido #48213.',
         now() - interval '35 minutes'),
    (8,  2, 'contact', 1002, 'Vocês conseguem estornar uma das cobranças?',
         now() - interval '30 minutes'),
    (9,  1, 'contact', 1001, 'Obrigado! Já tentei redefinir a senha duas vezes e não funcionou.',
         now() - interval '12 minutes'),
    (10, 4, 'contact', 1001, 'Preciso alterar o endereço de entrega do meu último pedido. É possível?',
         now() - interval '5 minutes');

ALTER TABLE demo.messages ALTER COLUMN id RESTART WITH 11;

-- Who has read what: Ana read João's first message and João read her reply; yesterday's closed conversation
-- was read through by everyone. Everything else is unread, so badges show on first start.
INSERT INTO demo.conversation_reads (conversation_id, user_id, last_read_message_id, read_at) VALUES
    (1, 1,    5, now() - interval '45 minutes'),
    (1, 1001, 6, now() - interval '38 minutes'),
    (3, 1,    4, now() - interval '22 hours'),
    (3, 2,    4, now() - interval '23 hours'),
    (3, 3,    4, now() - interval '22 hours'),
    (3, 1003, 4, now() - interval '22 hours');
