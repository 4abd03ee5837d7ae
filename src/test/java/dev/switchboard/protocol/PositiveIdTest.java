package dev.switchboard.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PositiveIdTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return MAPPER.readTree(text);
    }

    @ParameterizedTest(name = "\"{0}\" is {1}")
    @CsvSource({
            "1, 1",
            "456, 456",
            "000456, 456",
            "999999999999999999, 999999999999999999",
            "000000000000000001, 1"})
    void digitStringsUpToEighteenDigitsAreIds(String text, long id) {
        assertEquals(OptionalLong.of(id), PositiveId.parse(text));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {
            "0", "000", "-1", "-0", "+1", "+0", " 1", "1 ", "1\n", "\t1", "4 56", "", "1.0", "1e2", "0x10", "12a",
            "abc", "١٢", "１２",
            "1234567890123456789", "9223372036854775807", "9223372036854775808", "99999999999999999999",
            "0000000000000000001"})
    void anythingElseAsAStringIsNotAnId(String text) {
        assertEquals(OptionalLong.empty(), PositiveId.parse(text));
    }

    @Test
    void nullStringIsNotAnId() {
        assertEquals(OptionalLong.empty(), PositiveId.parse(null));
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource(delimiter = '|', value = {
            "1|1",
            "456|456",
            "\"456\"|456",
            "\"000456\"|456",
            "9223372036854775807|9223372036854775807",
            "\"999999999999999999\"|999999999999999999"})
    void jsonIntegersAndDigitStringsAreIds(String text, long id) throws Exception {
        assertEquals(OptionalLong.of(id), PositiveId.fromJson(json(text)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "0", "-1", "-9223372036854775808", "9223372036854775808", "99999999999999999999",
            "1.0", "1.5", "1e2", "true", "null", "[]", "[1]", "{}", "{\"id\":1}",
            "\"0\"", "\"-1\"", "\"+1\"", "\" 1\"", "\"\"", "\"9223372036854775807\"", "\"1234567890123456789\""})
    void otherJsonValuesAreNotIds(String text) throws Exception {
        assertEquals(OptionalLong.empty(), PositiveId.fromJson(json(text)));
    }

    @Test
    void absentJsonFieldIsNotAnId() throws Exception {
        assertEquals(OptionalLong.empty(), PositiveId.fromJson(json("{}").get("id")));
    }

    @Test
    void decodedIntegerTypesAreIdsWhenPositive() {
        assertEquals(OptionalLong.of(7), PositiveId.fromValue(7));
        assertEquals(OptionalLong.of(7), PositiveId.fromValue(7L));
        assertEquals(OptionalLong.of(7), PositiveId.fromValue((short) 7));
        assertEquals(OptionalLong.of(7), PositiveId.fromValue((byte) 7));
        assertEquals(OptionalLong.of(Long.MAX_VALUE), PositiveId.fromValue(Long.MAX_VALUE));
        assertEquals(OptionalLong.of(Long.MAX_VALUE), PositiveId.fromValue(BigInteger.valueOf(Long.MAX_VALUE)));
        assertEquals(OptionalLong.of(456), PositiveId.fromValue("456"));
    }

    @Test
    void decodedValuesThatAreNotPositiveWholeNumbersAreNotIds() {
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(0));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(-3L));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(BigInteger.ZERO));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE)));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(1.0));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(1.0f));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(new java.math.BigDecimal("5")));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(true));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(null));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue("+5"));
        assertEquals(OptionalLong.empty(), PositiveId.fromValue(java.util.List.of(5)));
    }
}
