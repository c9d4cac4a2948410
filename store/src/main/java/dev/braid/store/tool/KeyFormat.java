package dev.braid.store.tool;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * How {@code braid dump} prints keys and values and parses key bounds: lowercase hex, or UTF-8 text
 * in which backslash, control characters and bytes that are not valid UTF-8 appear as {@code \xNN}
 * (and a backslash as {@code \\}), so both forms are lossless and fit on one line.
 */
enum KeyFormat {
    HEX, UTF8;

    String format(byte[] bytes) {
        return this == HEX ? HexFormat.of().formatHex(bytes) : escape(bytes);
    }

    /** The bytes a command-line bound stands for; throws {@link UsageException} when malformed. */
    byte[] parse(String text) {
        return this == HEX ? parseHex(text) : unescape(text);
    }

    private static byte[] parseHex(String text) {
        try {
            return HexFormat.of().parseHex(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException("not a hex string: " + text);
        }
    }

    private static String escape(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length + 8);
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\') {
                sb.append((char) c);
                i++;
                continue;
            }
            int len = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
            String decoded = len > 0 && i + len <= b.length ? decode(dec, b, i, len) : null;
            if (decoded != null && !Character.isISOControl(decoded.codePointAt(0))) {
                sb.append(decoded);
                i += len;
            } else if (c == '\\') {
                sb.append("\\\\");
                i++;
            } else {
                sb.append(String.format("\\x%02x", c));
                i++;
            }
        }
        return sb.toString();
    }

    private static String decode(CharsetDecoder dec, byte[] b, int off, int len) {
        try {
            CharBuffer cb = dec.reset().decode(ByteBuffer.wrap(b, off, len));
            return cb.toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static byte[] unescape(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length());
        StringBuilder plain = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch != '\\') {
                plain.append(ch);
                continue;
            }
            out.writeBytes(plain.toString().getBytes(StandardCharsets.UTF_8));
            plain.setLength(0);
            if (i + 1 < text.length() && text.charAt(i + 1) == '\\') {
                out.write('\\');
                i++;
            } else if (i + 3 < text.length() && text.charAt(i + 1) == 'x'
                    && HexFormat.isHexDigit(text.charAt(i + 2)) && HexFormat.isHexDigit(text.charAt(i + 3))) {
                out.write(HexFormat.fromHexDigits(text, i + 2, i + 4));
                i += 3;
            } else {
                throw new UsageException("bad escape in " + text + ": use \\\\ or \\xNN");
            }
        }
        out.writeBytes(plain.toString().getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}
