package dev.switchboard;

import dev.switchboard.cli.TokenCommand;
import dev.switchboard.config.Config;
import dev.switchboard.config.ConfigException;
import dev.switchboard.config.SettingsTable;
import dev.switchboard.logging.EventLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Command line entry point.
 *
 * <pre>
 *   java -jar switchboard.jar                     serve (configuration from the environment)
 *   java -jar switchboard.jar token --user 123 --role agent --ttl 1h
 *   java -jar switchboard.jar --help              commands and every setting with its default
 * </pre>
 */
public final class Main {
    private static final Logger log = LoggerFactory.getLogger(Main.class);
    private static final EventLog events = EventLog.of(Main.class);

    private Main() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && "token".equals(args[0])) {
            System.exit(TokenCommand.run(Arrays.copyOfRange(args, 1, args.length), System.getenv(),
                    System.out, System.err));
        }
        if (args.length > 0 && List.of("--help", "-h", "help").contains(args[0])) {
            System.out.print(help());
            System.exit(0);
        }
        if (args.length > 0) {
            System.err.println("switchboard: unknown command '" + args[0] + "'\n" + usage());
            System.exit(2);
        }
        System.exit(serve());
    }

    private static int serve() {
        Config config;
        try {
            config = Config.fromEnvironment(System.getenv());
        } catch (ConfigException e) {
            for (String problem : e.problems()) {
                System.err.println("switchboard: invalid configuration: " + problem);
            }
            return 2;
        }
        Switchboard node;
        try {
            node = Switchboard.start(config);
        } catch (Exception e) {
            StartupFailure failure = StartupFailure.of(e, config);
            events.error("startup_failed", "reason", failure.reason(),
                    "message", "Switchboard failed to start: " + failure.message());
            // The operator's line says what to fix; the trace is for whoever debugs Switchboard itself.
            log.debug("Start-up failure in detail", e);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runnable stop = () -> {
            // A watchdog: if a stuck part holds up the graceful stop, the process still ends in time.
            Thread watchdog = new Thread(() -> {
                try {
                    Thread.sleep(config.timeouts().shutdown().toMillis());
                } catch (InterruptedException stoppedInTime) {
                    return;
                }
                events.error("shutdown_timeout", "timeout", config.timeouts().shutdown(),
                        "message", "graceful shutdown took too long; exiting anyway");
                // exit, not halt: shutdown hooks still run, and the embedded PostgreSQL's hook stops the
                // postmaster, which would otherwise outlive us and lock DATA_DIR. A second timer halts if even
                // the hooks hang.
                Thread halt = new Thread(() -> {
                    try {
                        Thread.sleep(5_000);
                    } catch (InterruptedException ignored) {
                        // halting anyway
                    }
                    Runtime.getRuntime().halt(1);
                }, "switchboard-halt");
                halt.setDaemon(true);
                halt.start();
                System.exit(1);
            }, "switchboard-shutdown-watchdog");
            watchdog.setDaemon(true);
            watchdog.start();
            node.close();
            watchdog.interrupt();
            stopped.countDown();
        };
        // Handling TERM ourselves (rather than in a shutdown hook) lets a clean stop exit with status 0, which
        // supervisor reports as an expected exit.
        Signal.handle(new Signal("TERM"), signal -> new Thread(stop, "switchboard-shutdown").start());
        Signal.handle(new Signal("INT"), signal -> new Thread(stop, "switchboard-shutdown").start());
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** What {@code --help} prints: the commands, then every setting with its default. */
    static String help() {
        return usage() + "\n\n" + SettingsTable.render();
    }

    private static String usage() {
        return "usage: java -jar switchboard.jar                 serve; settings come from the environment (--help)\n"
                + "       java -jar switchboard.jar token --user ID --role agent|admin|contact [--ttl 1h]"
                + " [--name NAME] [--conversations 1,2]\n"
                + "       java -jar switchboard.jar --help          the commands and every setting with its default";
    }
}
