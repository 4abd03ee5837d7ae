package dev.switchboard.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A WebSocket client on a plain {@link Socket}, for what the JDK client cannot do: send any handshake header and
 * read the HTTP status of a refused upgrade, or stop reading altogether (a slow consumer). It reads only when a
 * test asks it to.
 */
public final class RawWebSocket implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final int status;
    private final Map<String, String> responseHeaders;

    private RawWebSocket(Socket socket, int status, Map<String, String> responseHeaders) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.status = status;
        this.responseHeaders = responseHeaders;
    }

    /**
     * Sends an upgrade request to {@code /ws} and reads the response head.
     *
     * @param headers       extra request headers (e.g. {@code Origin}); {@code Host} defaults to 127.0.0.1:port
     * @param receiveBuffer the socket's receive buffer in bytes, or 0 for the system default; a small one makes
     *                      a client that stops reading fill up quickly
     */
    public static RawWebSocket open(int port, Map<String, String> headers, int receiveBuffer) {
        Socket socket = new Socket();
        try {
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) WsClient.PATIENCE.toMillis());
            socket.setSoTimeout((int) WsClient.PATIENCE.toMillis());
            Map<String, String> request = new LinkedHashMap<>();
            request.put("Host", "127.0.0.1:" + port);
            request.put("Upgrade", "websocket");
            request.put("Connection", "Upgrade");
            byte[] key = new byte[16];
            RANDOM.nextBytes(key);
            request.put("Sec-WebSocket-Key", Base64.getEncoder().encodeToString(key));
            request.put("Sec-WebSocket-Version", "13");
            request.putAll(headers);
            StringBuilder head = new StringBuilder("GET /ws HTTP/1.1\r\n");
            request.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append("\r\n");
            socket.getOutputStream().write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();

            InputStream in = socket.getInputStream();
            String statusLine = readLine(in);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP status line: " + statusLine);
            }
            Map<String, String> response = new LinkedHashMap<>();
            for (String line = readLine(in); !line.isEmpty(); line = readLine(in)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    response.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            line.substring(colon + 1).trim());
                }
            }
            return new RawWebSocket(socket, Integer.parseInt(parts[1]), response);
        } catch (IOException e) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
            throw new UncheckedIOException("raw WebSocket handshake failed", e);
        }
    }

    /** The HTTP status of the upgrade response: 101 when the WebSocket is open. */
    public int status() {
        return status;
    }

    /** A response header by lower-case name, or {@code null}. */
    public String responseHeader(String name) {
        return responseHeaders.get(name.toLowerCase(Locale.ROOT));
    }

    /** Sends a masked text frame, as a client must. */
    public void sendText(String text) {
        sendFrame(0x81, text.getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * Sends one frame as given, right or wrong: {@code firstByte} is FIN, RSV and opcode (0x81 is a final text
     * frame), and {@code masked=false} breaks the rule that clients mask.
     */
    public void sendFrame(int firstByte, byte[] payload, boolean masked) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(firstByte);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            frame.write(maskBit | payload.length);
        } else if (payload.length <= 0xFFFF) {
            frame.write(maskBit | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        } else {
            frame.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >>> shift) & 0xFF);
            }
        }
        byte[] mask = new byte[4];
        if (masked) {
            RANDOM.nextBytes(mask);
            frame.writeBytes(mask);
        }
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        try {
            out.write(frame.toByteArray());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends only the header of a masked frame declaring {@code declaredLength} payload bytes, and no payload: the
     * server must judge the frame by its header alone. Nothing is left unread on the server, so its close cannot
     * turn into a connection reset.
     */
    public void sendFrameHeader(int firstByte, long declaredLength) {
        ByteArrayOutputStream header = new ByteArrayOutputStream(14);
        header.write(firstByte);
        header.write(0x80 | 127);
        for (int shift = 56; shift >= 0; shift -= 8) {
            header.write((int) (declaredLength >>> shift) & 0xFF);
        }
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        header.writeBytes(mask);
        try {
            out.write(header.toByteArray());
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads frames until the server's close frame and returns its code; -1 when the connection ends without one
     * (reset or EOF). Fails after {@link WsClient#PATIENCE} without either.
     */
    public int readUntilClose() {
        try {
            while (true) {
                int b0 = in.read();
                if (b0 < 0) {
                    return -1;
                }
                int b1 = readByte();
                long length = b1 & 0x7F;
                if (length == 126) {
                    length = (readByte() << 8) | readByte();
                } else if (length == 127) {
                    length = 0;
                    for (int i = 0; i < 8; i++) {
                        length = (length << 8) | readByte();
                    }
                }
                if ((b0 & 0x0F) == 0x8) {
                    if (length < 2) {
                        return 1005;
                    }
                    return (readByte() << 8) | readByte();
                }
                in.skipNBytes(length);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server neither closed nor reset the connection within "
                    + WsClient.PATIENCE.toSeconds() + " s", e);
        } catch (EOFException | SocketException e) {
            return -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads frames until the next text frame and returns its payload; {@code null} when the connection ends
     * first. Fails after {@link WsClient#PATIENCE} without one.
     */
    public String readText() {
        try {
            while (true) {
                int b0 = in.read();
                if (b0 < 0) {
                    return null;
                }
                int b1 = readByte();
                long length = b1 & 0x7F;
                if (length == 126) {
                    length = (readByte() << 8) | readByte();
                } else if (length == 127) {
                    length = 0;
                    for (int i = 0; i < 8; i++) {
                        length = (length << 8) | readByte();
                    }
                }
                if ((b0 & 0x0F) == 0x1) {
                    return new String(in.readNBytes((int) length), StandardCharsets.UTF_8);
                }
                if ((b0 & 0x0F) == 0x8) {
                    return null;
                }
                in.skipNBytes(length);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no text frame within " + WsClient.PATIENCE.toSeconds() + " s", e);
        } catch (EOFException | SocketException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Drops the TCP connection with a reset (RST), like a crashed machine or a network that gave up. */
    public void reset() {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // closed already: nothing left to reset
        }
        close();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException();
        }
        return b;
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in the response head after: " + line);
            }
            if (b == '\n') {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r') {
                    line.setLength(end - 1);
                }
                return line.toString();
            }
            line.append((char) b);
        }
    }
}
