package org.rendezvous.udp.stun;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 over the message up to the attribute, with the length field
 * counting the attribute itself. Attributes after it (FINGERPRINT) are not covered.
 */
public final class MessageIntegrity {

  private static final int ATTRIBUTE_LENGTH = 24;
  private static final String ALGORITHM = "HmacSHA1";

  private MessageIntegrity() {
  }

  /**
   * The short-term credential key (RFC 8489 §9.1.1). OpaqueString preparation is not applied: it leaves
   * the ASCII passwords ICE agents generate unchanged.
   */
  public static byte[] shortTermKey(String password) {
    return password.getBytes(StandardCharsets.UTF_8);
  }

  public static void addTo(StunMessage message, byte[] key) {
    byte[] prefix = message.encodePrefix(message.attributes().size(), ATTRIBUTE_LENGTH);
    message.add(StunMessage.ATTR_MESSAGE_INTEGRITY, hmac(key, prefix));
  }

  /** True when the message carries a MESSAGE-INTEGRITY that matches this key. */
  public static boolean verify(StunMessage message, byte[] key) {
    int index = message.indexOf(StunMessage.ATTR_MESSAGE_INTEGRITY);
    if (index < 0) {
      return false;
    }
    byte[] received = message.attributes().get(index).value();
    byte[] prefix = message.encodePrefix(index, ATTRIBUTE_LENGTH);
    // Constant-time, so that the comparison does not leak how many leading bytes matched.
    return received.length == 20 && MessageDigest.isEqual(hmac(key, prefix), received);
  }

  private static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(new SecretKeySpec(key, ALGORITHM));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JRE provides " + ALGORITHM, e);
    }
  }
}
