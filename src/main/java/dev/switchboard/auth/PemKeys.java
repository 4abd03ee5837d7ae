package dev.switchboard.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Reads the web app's RS256 public key. The JDK's own {@link KeyFactory} does the decoding; this class only
 * strips the PEM armour, so there is no hand-made crypto here.
 */
public final class PemKeys {
    private static final String BEGIN = "-----BEGIN PUBLIC KEY-----";
    private static final String END = "-----END PUBLIC KEY-----";

    private PemKeys() {
    }

    /**
     * Returns PEM text: the value itself when it already is PEM, else the contents of the file it names.
     *
     * @throws IllegalArgumentException when it is neither
     */
    public static String readPemText(String valueOrPath) {
        if (valueOrPath.contains(BEGIN)) {
            return valueOrPath;
        }
        Path path = Path.of(valueOrPath);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("must be a PEM public key (" + BEGIN + ") or the path of a file holding one");
        }
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("names a file that cannot be read: " + e.getMessage());
        }
    }

    /**
     * Parses an X.509 SubjectPublicKeyInfo PEM ({@code openssl rsa -pubout}).
     *
     * @throws IllegalArgumentException when it is not an RSA public key
     */
    public static RSAPublicKey parseRsaPublicKey(String pem) {
        int begin = pem.indexOf(BEGIN);
        int end = pem.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("must contain " + BEGIN + " ... " + END);
        }
        String body = pem.substring(begin + BEGIN.length(), end).replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(body);
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException("is not a valid RSA public key in PEM form");
        }
    }
}
