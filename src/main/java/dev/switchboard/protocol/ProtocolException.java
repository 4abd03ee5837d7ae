package dev.switchboard.protocol;

/**
 * A client message the server refuses. Carries what the {@code error} event says; no stack trace is filled in
 * because these are expected, frequent and never logged as failures.
 */
public final class ProtocolException extends Exception {
    private final ErrorCode code;
    private final String request;

    /**
     * @param code    the error code
     * @param message a sentence for the developer reading the browser console
     * @param request the {@code type} of the offending message, or {@code null} when it had none
     */
    public ProtocolException(ErrorCode code, String message, String request) {
        super(message, null, false, false);
        this.code = code;
        this.request = request;
    }

    public ErrorCode code() {
        return code;
    }

    public String request() {
        return request;
    }
}
