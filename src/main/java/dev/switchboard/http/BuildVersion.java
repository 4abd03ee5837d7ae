package dev.switchboard.http;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this node was built as, from the resource Maven fills in at build time. */
public final class BuildVersion {
    private static final String RESOURCE = "/switchboard-version.properties";
    private static final String VERSION = load();

    private BuildVersion() {
    }

    /** The project version, e.g. {@code 0.1.0-SNAPSHOT}; {@code unknown} when run from unfiltered sources. */
    public static String current() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return "unknown";
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "unknown");
            return version.startsWith("${") ? "unknown" : version;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
