package dev.switchboard.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.auth.TokenIssuer;
import dev.switchboard.auth.Role;
import dev.switchboard.config.DatabaseUrl;
import dev.switchboard.protocol.CloseCodes;
import dev.switchboard.pusher.PusherApp;
import dev.switchboard.testing.ServerProcess;
import dev.switchboard.testing.TestDatabases;
import dev.switchboard.testing.TestServer;
import dev.switchboard.testing.WsClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The shipped deployment files run by the real programs: Debian's nginx and supervisor, each a private instance
 * (own prefix, pid, socket, ports, under a temporary folder), never the system services.
 *
 * <p>The files are used as shipped, changed only by these substitutions, each of which must match exactly once (so a
 * change to a shipped file that moves one of these fails here rather than testing something else):
 * <ul>
 *   <li>{@code deploy/nginx.conf}: the certificate and key paths become a certificate made by {@code openssl} for
 *       127.0.0.1; {@code listen 443} and {@code listen 80} become free loopback ports; the upstream's
 *       {@code 127.0.0.1:8081} and {@code :8082} become the nodes' ports. A test-only main file supplies what
 *       Debian's {@code /etc/nginx/nginx.conf} does (events, the http block including the site) plus its own pid,
 *       logs and one worker, so the upstream's {@code least_conn} counts in one place.</li>
 *   <li>{@code supervisor/switchboard.conf}: {@code /opt/switchboard}, {@code /var/log/switchboard} and
 *       {@code /etc/switchboard/env} become folders under the temporary folder, prepared as README's steps prepare
 *       the real ones (the env file root:switchboard, mode 640, with a Pusher app beside README's two variables, so
 *       nginx's {@code /app/} and {@code /apps/} have something to reach); {@code 808%(process_num)d} becomes another pair of
 *       free ports; {@code user=switchboard} stays when the test runs as root (it creates the system user as
 *       README says if missing) and becomes the current user otherwise. The {@code java} on the command's PATH is
 *       the test's own.</li>
 * </ul>
 * Skipped, saying so, when nginx, supervisord or openssl is not installed ({@code .ci/run} installs them).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DeploymentIT {
    private static final Path SHIPPED_NGINX = Path.of("deploy/nginx.conf");
    private static final Path SHIPPED_SUPERVISOR = Path.of("supervisor/switchboard.conf");
    private static final Duration PATIENCE = Duration.ofSeconds(60);
    /** Two JVMs starting and migrating one database at once on a shared CI machine can take minutes. */
    private static final Duration STARTUP = Duration.ofSeconds(180);
    private static final long CONVERSATION = 9;
    /** The node's process number in a connection id: NODE_ID is {@code <host>-<process_num>}. */
    private static final Pattern NODE_OF_CONNECTION = Pattern.compile("-([12])-\\d+$");

    private static Path root;
    private static Path nginxConf;
    private static Path supervisorConf;
    private static DatabaseUrl database;
    private static String databaseName;
    private static boolean asRoot;
    private static String nodeUser;
    private static int tlsPort;
    private static int[] nodePorts;
    private static HttpClient https;
    private static Process supervisord;
    private static final List<Process> started = new ArrayList<>();
    private static final List<ProcessHandle> nodePids = new ArrayList<>();
    private static final List<WsClient> clients = new ArrayList<>();
    private static final TokenIssuer issuer = new TokenIssuer(TestServer.SECRET);
    private static final PusherApp PUSHER = new PusherApp("deploy-app", "deploy-key", "deploy-secret-0123");

    @BeforeAll
    static void setUp() throws Exception {
        Optional<Path> nginxBinary = program("nginx");
        Optional<Path> supervisordBinary = program("supervisord");
        Assumptions.assumeTrue(nginxBinary.isPresent(),
                "nginx is not installed: apt-get install -y nginx (.ci/run does) to test deploy/nginx.conf");
        Assumptions.assumeTrue(supervisordBinary.isPresent() && program("supervisorctl").isPresent(),
                "supervisor is not installed: apt-get install -y supervisor (.ci/run does) to test"
                        + " supervisor/switchboard.conf");
        Assumptions.assumeTrue(program("openssl").isPresent(), "openssl is not installed: it makes the test's"
                + " TLS certificate");

        root = Files.createTempDirectory("switchboard-deploy-");
        // The nodes run as user switchboard: it must be able to walk to the jar and the env file.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        String user = System.getProperty("user.name");
        asRoot = "root".equals(user);
        nodeUser = asRoot ? "switchboard" : user;
        Path certificate = root.resolve("cert.pem");
        Path key = root.resolve("key.pem");
        run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", key.toString(), "-out", certificate.toString()));
        https = HttpClient.newBuilder().sslContext(trusting(certificate)).connectTimeout(Duration.ofSeconds(10))
                .build();

        nodePorts = freePortPair();
        tlsPort = ServerProcess.freePort();
        int httpPort = ServerProcess.freePort();
        nginxConf = writeNginxConfig(certificate, key, httpPort);

        database = TestDatabases.createDatabase();
        databaseName = TestDatabases.databaseName(database);
        if (asRoot) {
            ensureSwitchboardUser();
        }
        supervisorConf = writeSupervisorConfig(root, nodeUser, asRoot, true);

        // nginx first (it only needs its config); the nodes then start under supervisord, as on a real machine.
        start(List.of(nginxBinary.get().toString(), "-p", root.resolve("nginx").toString(),
                "-e", root.resolve("nginx/error.log").toString(), "-c", nginxConf.toString(), "-g", "daemon off;"),
                root.resolve("nginx/stdout.log"));
        ProcessBuilder supervisor = new ProcessBuilder(supervisordBinary.get().toString(), "-n",
                "-c", supervisorConf.toString());
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        supervisor.environment().put("PATH", javaBin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        supervisor.redirectErrorStream(true).redirectOutput(root.resolve("supervisord.out").toFile());
        supervisord = supervisor.start();
        started.add(supervisord);
        for (int port : nodePorts) {
            awaitHealthy(port);
        }
        awaitListening(tlsPort);
        // A node can answer /health before supervisor's startsecs (10 s) has passed; until then it is STARTING.
        awaitRunning();
        for (String name : List.of("switchboard:switchboard-1", "switchboard:switchboard-2")) {
            String pid = supervisorctl("pid", name).strip();
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(nodePids::add);
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        clients.forEach(WsClient::close);
        if (supervisord != null && supervisord.isAlive()) {
            try {
                // A clean stop of both nodes, as on a real machine; the kills below are for when this fails.
                runFor(List.of("supervisorctl", "-c", supervisorConf.toString(), "shutdown"), Duration.ofSeconds(40));
            } catch (Exception | AssertionError e) {
                System.err.println("supervisorctl shutdown failed: " + e);
            }
        }
        for (Process process : started) {
            List<ProcessHandle> descendants = process.descendants().toList();
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
        nodePids.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        if (root != null) {
            try (Stream<Path> files = Files.walk(root)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(1)
    void shippedNginxConfigPassesNginxT() throws Exception {
        String output = run(List.of(program("nginx").orElseThrow().toString(), "-t",
                "-p", root.resolve("nginx").toString(), "-e", root.resolve("nginx/error.log").toString(),
                "-c", nginxConf.toString()));
        assertTrue(output.contains("test is successful"), output);
    }

    @Test
    @Order(2)
    void shippedSupervisorProgramRunsBothNodesAsTheirOwnUser() throws Exception {
        String status = supervisorctl("status");
        assertTrue(status.matches("(?s).*switchboard:switchboard-1\\s+RUNNING.*"), status);
        assertTrue(status.matches("(?s).*switchboard:switchboard-2\\s+RUNNING.*"), status);
        for (ProcessHandle node : nodePids) {
            assertEquals(Optional.of(nodeUser), node.info().user(), "node " + node.pid() + " runs as");
            assertTrue(node.info().command().orElse("").endsWith("java"),
                    "supervisor's SIGTERM reaches the JVM itself, not a shell: " + node.info());
        }
        assertEquals(200, https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tlsPort
                + "/realtime/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                "nginx's health location reaches a node");
    }

    @Test
    @Order(2)
    void pusherClientsAndTheHttpApiReachTheNodesThroughNginx() throws Exception {
        WsClient echo = WsClient.connect(https, URI.create("wss://127.0.0.1:" + tlsPort + "/app/" + PUSHER.key()
                + "?protocol=7&client=js&version=8.6.0&flash=false"));
        clients.add(echo);
        JsonNode established = echo.next();
        assertEquals("pusher:connection_established", established.path("event").asText(), established.toString());
        assertTrue(new ObjectMapper().readTree(established.path("data").asText()).path("socket_id").asText()
                .matches("\\d+\\.\\d+"), established.toString());

        // A signed request as the server SDKs send it: GET /apps/{id}/channels.
        String path = "/apps/" + PUSHER.id() + "/channels";
        String query = "auth_key=" + PUSHER.key() + "&auth_timestamp=" + System.currentTimeMillis() / 1000
                + "&auth_version=1.0";
        String signature = PUSHER.sign("GET\n" + path + "\n" + query);
        HttpResponse<String> channels = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + tlsPort
                + path + "?" + query + "&auth_signature=" + signature)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, channels.statusCode(), channels.body());
        assertTrue(new ObjectMapper().readTree(channels.body()).has("channels"), channels.body());
    }

    @Test
    @Order(3)
    void supervisorctlStopSendsItsClientsToTheOtherNodeThroughNginxAndStartBringsItBack() throws Exception {
        List<WsClient> onNode1 = new ArrayList<>();
        List<WsClient> onNode2 = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Client client = connectThroughNginx(100 + i);
            (client.node() == 1 ? onNode1 : onNode2).add(client.ws());
        }
        assertFalse(onNode1.isEmpty() || onNode2.isEmpty(),
                "nginx spreads clients over both nodes: " + onNode1.size() + " on node 1, " + onNode2.size());

        assertTrue(supervisorctl("stop", "switchboard:switchboard-1").contains("stopped"));
        for (WsClient client : onNode1) {
            assertEquals(CloseCodes.GOING_AWAY, client.awaitClose(), "a stopping node closes with 1001");
        }
        onNode2.forEach(client -> assertFalse(client.isClosed(), "the other node's clients stay connected"));
        String supervisorLog = Files.readString(root.resolve("supervisord.log"));
        assertTrue(supervisorLog.contains("stopped: switchboard-1 (exit status 0)"),
                "node 1 stopped cleanly within stopwaitsecs, not killed:\n" + supervisorLog);

        List<WsClient> reconnected = new ArrayList<>();
        for (int i = 0; i < onNode1.size(); i++) {
            Client client = connectThroughNginx(200 + i);
            assertEquals(2, client.node(), "nginx passes a reconnect to the node still running");
            reconnected.add(client.ws());
        }
        String content = notifyNewMessage("after node 1 stopped");
        for (WsClient client : concat(reconnected, onNode2)) {
            assertEquals(content, content(client.await("new_message")), "an event committed after the stop");
        }

        assertTrue(supervisorctl("start", "switchboard:switchboard-1").contains("started"));
        awaitHealthy(nodePorts[0]);
        nodePids.add(ProcessHandle.of(Long.parseLong(supervisorctl("pid", "switchboard:switchboard-1").strip()))
                .orElseThrow());
        // Now the least loaded node: nginx sends new clients there again.
        WsClient back = awaitClientOnNode1().ws();
        String again = notifyNewMessage("node 1 is back");
        for (WsClient client : concat(List.of(back), concat(reconnected, onNode2))) {
            assertEquals(again, content(client.await("new_message")), "every client on either node gets it");
        }
    }

    /** Why README gives the env file to group switchboard: the old advice, root's alone, leaves both nodes FATAL. */
    @Test
    @Order(4)
    void anEnvFileOnlyRootCanReadLeavesBothNodesFatal() throws Exception {
        Assumptions.assumeTrue(asRoot, "only as root can the test make a file the nodes' user cannot read");
        Path base = Files.createDirectories(root.resolve("root-only"));
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path config = writeSupervisorConfig(base, nodeUser, true, false);
        ProcessBuilder builder = new ProcessBuilder(program("supervisord").orElseThrow().toString(), "-n",
                "-c", config.toString());
        builder.redirectErrorStream(true).redirectOutput(base.resolve("supervisord.out").toFile());
        Process supervisor = builder.start();
        started.add(supervisor);
        try {
            long deadline = System.nanoTime() + STARTUP.toNanos();
            String status = "";
            while (System.nanoTime() < deadline && status.split("FATAL", -1).length - 1 < 2) {
                Thread.sleep(500);
                status = supervisorctl(config, "status");
            }
            assertTrue(status.matches("(?s).*switchboard:switchboard-1\\s+FATAL.*")
                    && status.matches("(?s).*switchboard:switchboard-2\\s+FATAL.*"), status);
            assertTrue(Files.readString(base.resolve("log/switchboard/switchboard-1.log"))
                    .contains("Permission denied"), "the node's log says why");
        } finally {
            supervisorctl(config, "shutdown");
        }
    }

    private static Client awaitClientOnNode1() throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        int user = 300;
        while (System.nanoTime() < deadline) {
            Client client = connectThroughNginx(user++);
            if (client.node() == 1) {
                return client;
            }
            client.ws().close();
            Thread.sleep(500);
        }
        throw new AssertionError("nginx never sent a new client to the restarted node 1");
    }

    private static Client connectThroughNginx(long userId) {
        WsClient client = WsClient.connect(https, URI.create("wss://127.0.0.1:" + tlsPort + "/ws"));
        clients.add(client);
        JsonNode authenticated = client.authenticate(issuer.issue(userId, Role.AGENT, "Agent " + userId, List.of(),
                Duration.ofHours(1)));
        client.subscribe(CONVERSATION);
        String connection = authenticated.path("connection_id").asText();
        Matcher m = NODE_OF_CONNECTION.matcher(connection);
        assertTrue(m.find(), "connection id " + connection + " ends in <process_num>-<n>");
        return new Client(client, Integer.parseInt(m.group(1)));
    }

    private record Client(WsClient ws, int node) {
    }

    private static String notifyNewMessage(String content) throws Exception {
        try (Connection c = TestDatabases.superuser(databaseName); Statement s = c.createStatement()) {
            s.execute("SELECT realtime.notify_new_message(" + CONVERSATION + ", jsonb_build_object('content', '"
                    + content + "'))");
        }
        return content;
    }

    private static String content(JsonNode event) {
        return event.path("data").path("message").path("content").asText();
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static Path writeNginxConfig(Path certificate, Path key, int httpPort) throws IOException {
        String site = Files.readString(SHIPPED_NGINX);
        site = replaceOnce(site, "/etc/ssl/certs/helpdesk.example.com.pem", certificate.toString());
        site = replaceOnce(site, "/etc/ssl/private/helpdesk.example.com.key", key.toString());
        site = replaceOnce(site, "listen 443 ssl http2;", "listen 127.0.0.1:" + tlsPort + " ssl http2;");
        site = replaceOnce(site, "listen 80;", "listen 127.0.0.1:" + httpPort + ";");
        site = replaceOnce(site, "server 127.0.0.1:8081 ", "server 127.0.0.1:" + nodePorts[0] + " ");
        site = replaceOnce(site, "server 127.0.0.1:8082 ", "server 127.0.0.1:" + nodePorts[1] + " ");
        Path folder = Files.createDirectories(root.resolve("nginx"));
        Path sitePath = folder.resolve("switchboard.conf");
        Files.writeString(sitePath, site);
        Path main = folder.resolve("nginx.conf");
        Files.writeString(main, String.join("\n",
                "worker_processes 1;",
                "pid " + folder.resolve("nginx.pid") + ";",
                "error_log " + folder.resolve("error.log") + " info;",
                "events { worker_connections 256; }",
                "http {",
                "    access_log " + folder.resolve("access.log") + ";",
                "    client_body_temp_path " + folder.resolve("body") + ";",
                "    proxy_temp_path " + folder.resolve("proxy") + ";",
                "    fastcgi_temp_path " + folder.resolve("fastcgi") + ";",
                "    uwsgi_temp_path " + folder.resolve("uwsgi") + ";",
                "    scgi_temp_path " + folder.resolve("scgi") + ";",
                "    include " + sitePath + ";",
                "}", ""));
        return main;
    }

    /**
     * Lays out README's folders under {@code base} and the shipped program section pointing at them.
     *
     * @param envReadableByNodes README's env file (group switchboard, mode 640) when true; root's alone (mode 600,
     *                           the old advice) when false
     */
    private static Path writeSupervisorConfig(Path base, String user, boolean asRoot, boolean envReadableByNodes)
            throws Exception {
        Path opt = Files.createDirectories(base.resolve("opt/switchboard"));
        Path logs = Files.createDirectories(base.resolve("log/switchboard"));
        Path etc = Files.createDirectories(base.resolve("etc/switchboard"));
        Files.setPosixFilePermissions(base.resolve("opt"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(opt, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(base.resolve("etc"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = opt.resolve("switchboard.jar");
        Files.copy(ServerProcess.jar(), jar, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));

        // What README tells the operator to write, in the form README shows (postgres://).
        Path env = etc.resolve("env");
        Files.writeString(env, "DATABASE_URL=postgres://" + database.user() + "@"
                + database.jdbcUrl().substring("jdbc:postgresql://".length()) + "\n"
                + "JWT_SECRET=" + TestServer.SECRET + "\n"
                + "PUSHER_APP_ID=" + PUSHER.id() + "\nPUSHER_APP_KEY=" + PUSHER.key() + "\nPUSHER_APP_SECRET="
                + PUSHER.secret() + "\n");
        // README's modes: the folder root:switchboard 750, the file root:switchboard 640.
        Files.setPosixFilePermissions(etc, PosixFilePermissions.fromString("rwxr-x---"));
        Files.setPosixFilePermissions(env, PosixFilePermissions.fromString(envReadableByNodes ? "rw-r-----"
                : "rw-------"));
        if (asRoot) {
            GroupPrincipal group = env.getFileSystem().getUserPrincipalLookupService()
                    .lookupPrincipalByGroupName("switchboard");
            Files.getFileAttributeView(etc, PosixFileAttributeView.class).setGroup(group);
            if (envReadableByNodes) {
                Files.getFileAttributeView(env, PosixFileAttributeView.class).setGroup(group);
            }
        }

        String program = Files.readString(SHIPPED_SUPERVISOR);
        program = replaceOnce(program, ". /etc/switchboard/env;", ". " + env + ";");
        program = replaceOnce(program, "-jar /opt/switchboard/switchboard.jar", "-jar " + jar);
        program = replaceOnce(program, "directory=/opt/switchboard\n", "directory=" + opt + "\n");
        program = replaceOnce(program, "stdout_logfile=/var/log/switchboard/", "stdout_logfile=" + logs + "/");
        program = replaceOnce(program, "PORT=\"808%(process_num)d\"",
                "PORT=\"" + nodePorts[0] / 10 + "%(process_num)d\"");
        program = replaceOnce(program, "user=switchboard\n", "user=" + user + "\n");
        Path conf = base.resolve("supervisor");
        Files.createDirectories(conf.resolve("conf.d"));
        Files.writeString(conf.resolve("conf.d/switchboard.conf"), program);
        Path main = conf.resolve("supervisord.conf");
        Files.writeString(main, String.join("\n",
                "[unix_http_server]",
                "file=" + conf.resolve("supervisor.sock"),
                "chmod=0700",
                "[supervisord]",
                "logfile=" + base.resolve("supervisord.log"),
                "pidfile=" + conf.resolve("supervisord.pid"),
                "childlogdir=" + conf,
                "[rpcinterface:supervisor]",
                "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
                "[supervisorctl]",
                "serverurl=unix://" + conf.resolve("supervisor.sock"),
                "[include]",
                "files = " + conf.resolve("conf.d") + "/*.conf",
                ""));
        return main;
    }

    /** README's step, for a CI machine that has never run Switchboard. */
    private static void ensureSwitchboardUser() throws Exception {
        if (runFor(List.of("id", "switchboard"), Duration.ofSeconds(10), true).status() != 0) {
            run(List.of(program("useradd").orElseThrow().toString(), "--system", "--home-dir", "/opt/switchboard",
                    "--shell", "/usr/sbin/nologin", "switchboard"));
        }
    }

    private static String replaceOnce(String text, String shipped, String replacement) {
        int first = text.indexOf(shipped);
        assertTrue(first >= 0 && text.indexOf(shipped, first + 1) < 0,
                "the shipped file has exactly one '" + shipped + "' to substitute");
        return text.replace(shipped, replacement);
    }

    /** Two free ports {@code 10n+1} and {@code 10n+2}, the shape of the shipped {@code 808%(process_num)d}. */
    private static int[] freePortPair() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int base = ThreadLocalRandom.current().nextInt(2000, 3200) * 10;
            if (free(base + 1) && free(base + 2)) {
                return new int[] {base + 1, base + 2};
            }
        }
        throw new IOException("no free pair of ports");
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket(port)) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    private static SSLContext trusting(Path certificatePem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificatePem)) {
            trust.setCertificateEntry("nginx", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static void awaitHealthy(int port) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                        + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            Thread.sleep(200);
        }
        fail("node on port " + port + " never became healthy (" + last + ")\n" + diagnostics());
    }

    private static void awaitRunning() throws Exception {
        long deadline = System.nanoTime() + STARTUP.toNanos();
        String status = supervisorctl("status");
        while (!(status.matches("(?s).*switchboard:switchboard-1\\s+RUNNING.*")
                && status.matches("(?s).*switchboard:switchboard-2\\s+RUNNING.*")) && System.nanoTime() < deadline) {
            Thread.sleep(250);
            status = supervisorctl("status");
        }
    }

    private static void awaitListening(int port) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        fail("nginx never listened on " + port + "\n" + diagnostics());
    }

    private static String diagnostics() {
        StringBuilder out = new StringBuilder();
        for (Path log : List.of(root.resolve("supervisord.log"), root.resolve("supervisord.out"),
                root.resolve("log/switchboard/switchboard-1.log"), root.resolve("log/switchboard/switchboard-2.log"),
                root.resolve("nginx/error.log"), root.resolve("nginx/stdout.log"))) {
            try {
                out.append("==> ").append(log).append('\n').append(Files.readString(log)).append('\n');
            } catch (IOException missing) {
                out.append("==> ").append(log).append(": ").append(missing).append('\n');
            }
        }
        return out.toString();
    }

    private static String supervisorctl(String... args) throws Exception {
        return supervisorctl(supervisorConf, args);
    }

    private static String supervisorctl(Path config, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("supervisorctl", "-c", config.toString()));
        command.addAll(List.of(args));
        // supervisorctl's exit status is not a success flag on older versions: callers check what it printed.
        return runFor(command, PATIENCE, true).output();
    }

    private static Process start(List<String> command, Path log) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(process);
        return process;
    }

    private record Result(int status, String output) {
    }

    private static String run(List<String> command) throws Exception {
        return runFor(command, PATIENCE).output();
    }

    private static Result runFor(List<String> command, Duration patience) throws Exception {
        return runFor(command, patience, false);
    }

    private static Result runFor(List<String> command, Duration patience, boolean anyStatus) throws Exception {
        Path out = Files.createTempFile("switchboard-deploy-cmd-", ".log");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .start();
            if (!process.waitFor(patience.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail(command + " did not finish in " + patience + ":\n" + Files.readString(out));
            }
            String output = Files.readString(out, StandardCharsets.UTF_8);
            if (!anyStatus && process.exitValue() != 0) {
                fail(command + " exited " + process.exitValue() + ":\n" + output);
            }
            return new Result(process.exitValue(), output);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static Optional<Path> program(String name) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/usr/bin:/sbin:/bin";
        return Stream.of(path.split(":")).filter(s -> !s.isEmpty()).map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable).findFirst();
    }
}
