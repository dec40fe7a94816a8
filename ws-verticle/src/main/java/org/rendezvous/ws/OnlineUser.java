package org.rendezvous.ws;

/**
 * A registered user as the whole cluster sees it: its name, its user_id as JSON text, its home
 * node, and its place in the cluster-wide registration order.
 */
public record OnlineUser(String username, String userIdJson, String nodeId, long seq) {
}
