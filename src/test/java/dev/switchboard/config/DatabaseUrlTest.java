package dev.switchboard.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatabaseUrlTest {

    @Test
    void postgresSchemeBecomesJdbcWithCredentialsApart() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://app:secret@db.example.com:5433/helpdesk");
        assertEquals("jdbc:postgresql://db.example.com:5433/helpdesk", db.jdbcUrl());
        assertEquals("app", db.user());
        assertEquals("secret", db.password());
    }

    @Test
    void postgresqlSchemeIsAcceptedToo() {
        DatabaseUrl db = DatabaseUrl.parse("postgresql://app:secret@localhost/helpdesk");
        assertEquals("jdbc:postgresql://localhost/helpdesk", db.jdbcUrl());
        assertEquals("app", db.user());
        assertEquals("secret", db.password());
    }

    @Test
    void portIsOptional() {
        assertEquals("jdbc:postgresql://h/db", DatabaseUrl.parse("postgres://h/db").jdbcUrl());
        assertEquals("jdbc:postgresql://h:6543/db", DatabaseUrl.parse("postgres://h:6543/db").jdbcUrl());
    }

    @Test
    void urlEncodedCredentialsAreDecodedAndPlusStaysPlus() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://us%40er:p%40ss+w%3Ard%2F%25@db:5432/helpdesk");
        assertEquals("us@er", db.user());
        assertEquals("p@ss+w:rd/%", db.password());
        assertEquals("jdbc:postgresql://db:5432/helpdesk", db.jdbcUrl(), "credentials never stay in the JDBC URL");
    }

    @Test
    void userWithoutPasswordHasNullPassword() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://app@db/helpdesk");
        assertEquals("app", db.user());
        assertNull(db.password());
    }

    @Test
    void emptyPasswordIsEmptyNotNull() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://app:@db/helpdesk");
        assertEquals("app", db.user());
        assertEquals("", db.password());
    }

    @Test
    void noCredentialsLeavesBothNull() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://db/helpdesk");
        assertNull(db.user());
        assertNull(db.password());
    }

    @Test
    void queryParametersPassThrough() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://u:p@db:5432/helpdesk?sslmode=require&application_name=sb");
        assertEquals("jdbc:postgresql://db:5432/helpdesk?sslmode=require&application_name=sb", db.jdbcUrl());
    }

    @Test
    void ipv6HostKeepsItsBrackets() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://u:p@[::1]:5432/helpdesk");
        assertEquals("jdbc:postgresql://[::1]:5432/helpdesk", db.jdbcUrl());
        assertEquals("u", db.user());
        assertEquals("jdbc:postgresql://[::1]/helpdesk", DatabaseUrl.parse("postgres://[::1]/helpdesk").jdbcUrl());
    }

    @Test
    void hostNamesJavaNetUriRefusesAreAcceptedAsPostgresClientsDo() {
        // Docker Compose service names often contain underscores; java.net.URI reports no host for them.
        DatabaseUrl db = DatabaseUrl.parse("postgres://app:p%40ss@db_primary:5433/helpdesk?sslmode=disable");
        assertEquals("jdbc:postgresql://db_primary:5433/helpdesk?sslmode=disable", db.jdbcUrl());
        assertEquals("app", db.user());
        assertEquals("p@ss", db.password());
        assertEquals("jdbc:postgresql://my_db/helpdesk", DatabaseUrl.parse("postgresql://my_db/helpdesk").jdbcUrl());
        assertNull(DatabaseUrl.parse("postgresql://my_db/helpdesk").user());
    }

    @Test
    void unencodedAtSignInThePasswordSplitsAtTheLastAt() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://app:p@ss@db:5432/helpdesk");
        assertEquals("jdbc:postgresql://db:5432/helpdesk", db.jdbcUrl());
        assertEquals("app", db.user());
        assertEquals("p@ss", db.password());
    }

    @Test
    void jdbcUrlPassesThroughUnchanged() {
        String url = "jdbc:postgresql://db1:5432,db2:5432/helpdesk?targetServerType=primary&sslmode=verify-full";
        DatabaseUrl db = DatabaseUrl.parse(url);
        assertEquals(url, db.jdbcUrl());
        assertNull(db.user());
        assertNull(db.password());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres:///helpdesk", "postgres://:5432/helpdesk", "postgresql:///"})
    void missingHostIsRejectedWithAMessage(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(url));
        assertTrue(e.getMessage().contains("host"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"postgres://db", "postgres://db:5432", "postgres://db/", "postgres://u:p@db:5432/"})
    void missingDatabaseNameIsRejectedWithAMessage(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(url));
        assertTrue(e.getMessage().contains("database name"), e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"mysql://u:p@db/x", "http://db/x", "db:5432/x", "jdbc:mysql://db/x", "", "POSTGRES"})
    void otherSchemesAreRejectedNamingTheAcceptedOnes(String url) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(url));
        assertTrue(e.getMessage().contains("postgres://"), e.getMessage());
    }

    @Test
    void malformedUrlIsRejectedWithAMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DatabaseUrl.parse("postgres://db/help desk"));
        assertFalse(e.getMessage().isBlank());
    }

    @Test
    void withCredentialsOverridesOnlyWhatIsGiven() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://app:pw@db/helpdesk");
        assertEquals(new DatabaseUrl("jdbc:postgresql://db/helpdesk", "other", "newpw"),
                db.withCredentials("other", "newpw"));
        assertEquals(new DatabaseUrl("jdbc:postgresql://db/helpdesk", "other", "pw"),
                db.withCredentials("other", null));
        assertEquals(new DatabaseUrl("jdbc:postgresql://db/helpdesk", "app", "newpw"),
                db.withCredentials(null, "newpw"));
        assertEquals(db, db.withCredentials(null, null));
    }

    @Test
    void withCredentialsAddsCredentialsToAJdbcUrl() {
        DatabaseUrl db = DatabaseUrl.parse("jdbc:postgresql://db/helpdesk").withCredentials("app", "pw");
        assertEquals("jdbc:postgresql://db/helpdesk", db.jdbcUrl());
        assertEquals("app", db.user());
        assertEquals("pw", db.password());
    }

    @Test
    void toStringHidesThePassword() {
        DatabaseUrl db = DatabaseUrl.parse("postgres://app:topsecret@db:5432/helpdesk?sslmode=require");
        String text = db.toString();
        assertFalse(text.contains("topsecret"), text);
        assertTrue(text.contains("db:5432/helpdesk"), text);
        assertTrue(text.contains("app"), "the user helps operators and is not secret: " + text);
    }

    @Test
    void toStringHidesPasswordParametersInsideAJdbcUrl() {
        DatabaseUrl db = DatabaseUrl.parse(
                "jdbc:postgresql://db/helpdesk?user=app&password=topsecret&sslmode=require&sslpassword=keypass"
                        + "&PASSWORD=upper");
        String text = db.toString();
        assertFalse(text.contains("topsecret"), text);
        assertFalse(text.contains("keypass"), text);
        assertFalse(text.contains("upper"), text);
        assertTrue(text.contains("sslmode=require"), text);
    }

    @Test
    void toStringHidesAnOverridingPassword() {
        DatabaseUrl db = DatabaseUrl.parse("jdbc:postgresql://db/helpdesk").withCredentials("app", "topsecret");
        assertFalse(db.toString().contains("topsecret"), db.toString());
    }
}
