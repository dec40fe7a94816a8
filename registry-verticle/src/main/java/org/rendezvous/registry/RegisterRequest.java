package org.rendezvous.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * The S2 {@code POST /register} body, validated the way the original FastAPI/pydantic-v2 server
 * did it (lax int, strict str), with its 422 error entries when it is not valid.
 *
 * @param errors non-empty when the body was rejected; the request fields are then null
 */
record RegisterRequest(String peerId, String username, Long port, JsonArray errors) {

  private static final String[] FIELDS = {"peer_id", "username", "port"};

  boolean valid() {
    return errors.isEmpty();
  }

  static RegisterRequest parse(Buffer body) {
    JsonArray errors = new JsonArray();
    if (body.length() == 0) {
      errors.add(error("missing", new JsonArray().add("body"), "Field required", null));
      return new RegisterRequest(null, null, null, errors);
    }
    Object value;
    try {
      value = Json.decodeValue(body);
    } catch (DecodeException e) {
      long pos = e.getCause() instanceof JsonProcessingException j && j.getLocation() != null
          ? Math.max(0, j.getLocation().getCharOffset()) : 0;
      errors.add(error("json_invalid", new JsonArray().add("body").add(pos), "JSON decode error", new JsonObject())
          .put("ctx", new JsonObject().put("error", "Expecting value")));
      return new RegisterRequest(null, null, null, errors);
    }
    if (!(value instanceof JsonObject obj)) {
      errors.add(error("model_attributes_type", new JsonArray().add("body"),
          "Input should be a valid dictionary or object to extract fields from", value));
      return new RegisterRequest(null, null, null, errors);
    }
    String peerId = string(obj, FIELDS[0], errors);
    String username = string(obj, FIELDS[1], errors);
    Long port = integer(obj, FIELDS[2], errors);
    return errors.isEmpty() ? new RegisterRequest(peerId, username, port, errors) : new RegisterRequest(null, null, null, errors);
  }

  private static String string(JsonObject obj, String field, JsonArray errors) {
    if (!obj.containsKey(field)) {
      errors.add(missing(obj, field));
      return null;
    }
    Object v = obj.getValue(field);
    if (v instanceof String s) {
      return s;
    }
    errors.add(error("string_type", loc(field), "Input should be a valid string", v));
    return null;
  }

  /** pydantic's lax int: integers, integral floats, booleans and numeric strings. */
  private static Long integer(JsonObject obj, String field, JsonArray errors) {
    if (!obj.containsKey(field)) {
      errors.add(missing(obj, field));
      return null;
    }
    Object v = obj.getValue(field);
    if (v instanceof Boolean b) {
      return b ? 1L : 0L;
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger) {
      errors.add(error("int_parsing_size", loc(field), "Unable to parse input string as an integer, exceeded maximum size", v));
      return null;
    }
    if (v instanceof Double || v instanceof Float || v instanceof BigDecimal) {
      double d = ((Number) v).doubleValue();
      if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 9.2e18) {
        return (long) d;
      }
      errors.add(error("int_from_float", loc(field), "Input should be a valid integer, got a number with a fractional part", v));
      return null;
    }
    if (v instanceof String s) {
      String t = s.strip();
      if (t.matches("[+-]?[0-9]+(_[0-9]+)*")) {
        try {
          return Long.parseLong(t.replace("_", ""));
        } catch (NumberFormatException e) {
          errors.add(error("int_parsing_size", loc(field), "Unable to parse input string as an integer, exceeded maximum size", v));
          return null;
        }
      }
      errors.add(error("int_parsing", loc(field), "Input should be a valid integer, unable to parse string as an integer", v));
      return null;
    }
    errors.add(error("int_type", loc(field), "Input should be a valid integer", v));
    return null;
  }

  private static JsonObject missing(JsonObject body, String field) {
    return error("missing", loc(field), "Field required", body);
  }

  private static JsonArray loc(String field) {
    return new JsonArray().add("body").add(field);
  }

  private static JsonObject error(String type, JsonArray loc, String msg, Object input) {
    return new JsonObject().put("type", type).put("loc", loc).put("msg", msg).put("input", input);
  }
}
