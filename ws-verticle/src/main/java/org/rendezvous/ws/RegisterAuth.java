package org.rendezvous.ws;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/**
 * The optional JWT check on register: with a secret (HS256) or a public key configured, register
 * must carry a {@code token} that verifies (signature, expiry) and whose {@code sub} claim is the
 * username being registered. Without either, every register passes.
 */
final class RegisterAuth {

  private final JWTAuth jwt;

  private RegisterAuth(JWTAuth jwt) {
    this.jwt = jwt;
  }

  static RegisterAuth create(Vertx vertx, WsConfig cfg) {
    if (!cfg.authRequired()) {
      return new RegisterAuth(null);
    }
    JWTAuthOptions options = new JWTAuthOptions();
    if (!cfg.jwtSecret().isEmpty()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(cfg.jwtSecret()));
    }
    if (!cfg.jwtPublicKey().isEmpty()) {
      options.addPubSecKey(new PubSecKeyOptions().setAlgorithm(cfg.jwtAlgorithm()).setBuffer(cfg.jwtPublicKey()));
    }
    return new RegisterAuth(JWTAuth.create(vertx, options));
  }

  /** True when {@code token} lets its holder register {@code username}. */
  Future<Boolean> permits(String token, String username) {
    if (jwt == null) {
      return Future.succeededFuture(true);
    }
    if (token == null || token.isEmpty()) {
      return Future.succeededFuture(false);
    }
    return jwt.authenticate(new TokenCredentials(token))
        .map(user -> username.equals(subjectClaim(user)))
        .otherwise(false);
  }

  /** The token's own {@code sub} claim (User.subject() would prefer a "username" claim). */
  private static String subjectClaim(User user) {
    JsonObject claims = user.attributes().getJsonObject("accessToken");
    if (claims != null && claims.getValue("sub") instanceof String s) {
      return s;
    }
    return user.principal().getValue("sub") instanceof String s ? s : null;
  }
}
