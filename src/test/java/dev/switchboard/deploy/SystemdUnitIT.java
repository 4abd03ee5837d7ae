package dev.switchboard.deploy;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deploy/switchboard@.service} as systemd reads it: {@code systemd-analyze verify} on instance 1, which needs
 * no running systemd. The only substitution is the {@code java} path, to the test's own JVM, because verify checks
 * that the command exists. Skipped where systemd-analyze is not installed.
 */
class SystemdUnitIT {
    private static final Path SHIPPED = Path.of("deploy/switchboard@.service");

    @Test
    void shippedUnitPassesSystemdAnalyzeVerifyWithoutAWarning(@TempDir Path dir) throws Exception {
        Path analyze = Stream.of("/usr/bin/systemd-analyze", "/bin/systemd-analyze").map(Path::of)
                .filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(analyze != null, "systemd-analyze is not installed: the unit file is not checked");
        String unit = Files.readString(SHIPPED);
        assertEquals(1, unit.split("ExecStart=/usr/bin/java ", -1).length - 1, "one ExecStart running /usr/bin/java");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path template = dir.resolve("switchboard@.service");
        Files.writeString(template, unit.replace("ExecStart=/usr/bin/java ", "ExecStart=" + java + " "));

        Path out = dir.resolve("verify.log");
        Process verify = new ProcessBuilder(analyze.toString(), "verify", dir.resolve("switchboard@1.service")
                .toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify finished");
        String output = Files.readString(out, StandardCharsets.UTF_8);
        assertEquals(0, verify.exitValue(), output);
        // verify exits 0 on unknown keys and bad values, which it only warns about: any line naming the unit fails.
        assertTrue(output.lines().noneMatch(l -> l.contains("switchboard@")), output);
    }
}
