package dev.mlcp.cli.http;

import java.io.BufferedReader;
import java.io.IOException;

/** A Server-Sent Events reader: frames of {@code event:}, {@code id:} and {@code data:} lines. */
public final class Sse {

  /**
   * One event.
   *
   * @param event its type ({@code message} when absent)
   * @param id its id, null when absent
   * @param data its data lines joined with newlines
   */
  public record Event(String event, String id, String data) {}

  /** Receives events; returns false to stop reading. */
  @FunctionalInterface
  public interface Listener {
    /** One event. */
    boolean on(Event event);
  }

  private Sse() {}

  /** Reads events until the stream ends or {@code listener} returns false. */
  public static void read(BufferedReader in, Listener listener) throws IOException {
    String event = null;
    String id = null;
    StringBuilder data = null;
    String line;
    while ((line = in.readLine()) != null) {
      if (line.isEmpty()) {
        if (data != null || event != null) {
          Event e =
              new Event(event == null ? "message" : event, id, data == null ? "" : data.toString());
          if (!listener.on(e)) {
            return;
          }
        }
        event = null;
        id = null;
        data = null;
        continue;
      }
      if (line.startsWith(":")) {
        continue; // comment (keep-alive)
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "event" -> event = value;
        case "id" -> id = value;
        case "data" ->
            data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        default -> {
          // retry and unknown fields: ignored, as the spec says
        }
      }
    }
  }
}
