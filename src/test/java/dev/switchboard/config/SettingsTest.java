package dev.switchboard.config;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ties the declared settings (the source of the help table) to what {@link Config#fromEnvironment} really reads. */
class SettingsTest {
    static final String SECRET = ConfigTest.SECRET;

    /** An environment that remembers every variable asked for, set or not. */
    static final class RecordingEnv extends HashMap<String, String> {
        final Set<String> asked = new TreeSet<>();

        RecordingEnv(Map<String, String> values) {
            super(values);
        }

        @Override
        public String get(Object key) {
            asked.add((String) key);
            return super.get(key);
        }

        @Override
        public String getOrDefault(Object key, String fallback) {
            asked.add((String) key);
            return super.getOrDefault(key, fallback);
        }
    }

    static Set<String> declaredNames() {
        return Config.SETTINGS.stream().map(Setting::name).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Variables read by every path through the validation: embedded, and a database given with each key kind. */
    static Set<String> namesRead() throws Exception {
        Set<String> asked = new TreeSet<>();
        for (Map<String, String> values : List.of(
                Map.<String, String>of(),
                Map.of("DATABASE_URL", "postgres://u:p@db/helpdesk", "JWT_SECRET", SECRET),
                Map.of("DATABASE_URL", "postgres://u:p@db/helpdesk", "JWT_PUBLIC_KEY", ConfigTest.publicKeyPem()))) {
            RecordingEnv env = new RecordingEnv(values);
            Config.fromEnvironment(env);
            asked.addAll(env.asked);
        }
        return asked;
    }

    @Test
    void everyVariableTheConfigurationReadsIsDeclaredWithItsDefault() throws Exception {
        Set<String> undeclared = new TreeSet<>(namesRead());
        undeclared.removeAll(declaredNames());
        assertEquals(Set.of(), undeclared, "read by Config.fromEnvironment but missing from Config.SETTINGS");
    }

    @Test
    void everyDeclaredVariableIsReadExceptTheLoggingOne() throws Exception {
        Set<String> unread = new TreeSet<>(declaredNames());
        unread.removeAll(namesRead());
        assertEquals(Set.of(Config.LOG_LEVEL.name()), unread,
                "declared in Config.SETTINGS but never read: a help table would advertise a setting that does nothing");
    }

    @Test
    void everySettingAGroupDeclaresIsInTheTable() throws Exception {
        Set<Setting> table = new LinkedHashSet<>(Config.SETTINGS);
        for (Class<?> owner : settingOwners()) {
            for (Field field : owner.getDeclaredFields()) {
                if (Modifier.isStatic(field.getModifiers()) && field.getType() == Setting.class) {
                    field.setAccessible(true);
                    Setting setting = (Setting) field.get(null);
                    assertTrue(table.contains(setting),
                            owner.getSimpleName() + "." + field.getName() + " is missing from its group's SETTINGS");
                    assertEquals(field.getName(), setting.name(), "a setting's field is named after its variable");
                }
            }
        }
    }

    @Test
    void everySettingHasOneNameADefaultAndADescription() {
        assertEquals(Config.SETTINGS.size(), declaredNames().size(), "no variable declared twice");
        for (Setting s : Config.SETTINGS) {
            assertTrue(s.name().matches("[A-Z][A-Z0-9_]*"), s.name());
            assertFalse(s.shownDefault() == null || s.shownDefault().isBlank(), s.name() + " shows no default");
            assertFalse(s.description() == null || s.description().isBlank(), s.name() + " has no description");
            if (s.defaultValue() != null) {
                assertEquals(s.defaultValue(), s.shownDefault(), s.name() + " shows the default it uses");
            }
        }
    }

    @Test
    void everyLiteralDefaultPassesItsOwnValidation() {
        Map<String, String> explicit = new HashMap<>(Map.of("NODE_ID", "n1"));
        for (Setting s : Config.SETTINGS) {
            if (s.defaultValue() != null) {
                explicit.put(s.name(), s.defaultValue());
            }
        }
        assertEquals(Config.fromEnvironment(Map.of("NODE_ID", "n1")), Config.fromEnvironment(explicit),
                "writing every default out by hand configures the same node as leaving them unset");
    }

    /** The record types of Config's groups, and Config itself. */
    static List<Class<?>> settingOwners() {
        List<Class<?>> owners = new java.util.ArrayList<>();
        owners.add(Config.class);
        for (RecordComponent group : Config.class.getRecordComponents()) {
            owners.add(group.getType());
        }
        return owners;
    }
}
