package org.rendezvous.pairing;

import org.rendezvous.common.Metrics;

import java.util.function.LongSupplier;

/**
 * S1's metrics on the node's /metrics: waiting initiators and open connections (gauges), pairs,
 * timeouts, abandoned waits, reclaimed keys, errors by reason, and the UDP echo and STUN answers
 * of the pairing port.
 */
final class PairingMetrics {

  private static final String ERRORS = "rendezvous_pairing_errors_total";
  private static final String ERRORS_HELP = "S1 connections answered with an error or closed without a reply";

  final Metrics.Counter pairs;
  final Metrics.Counter timeouts;
  final Metrics.Counter abandoned;
  final Metrics.Counter reclaimedKeys;
  final Metrics.Counter routeRetries;
  final Metrics.Counter splitKeyChecks;
  final Metrics.Counter keysLostInSplit;
  final Metrics.Counter invalidJson;
  final Metrics.Counter wrongType;
  final Metrics.Counter oversize;
  final Metrics.Counter helloTimeout;
  final Metrics.Counter tooManyConnections;
  final Metrics.Counter uuidInUse;
  final Metrics.Counter receiverNotFound;
  final Metrics.Counter initiatorNodeUnreachable;
  final Metrics.Counter emptyUuid;
  final Metrics.Counter internal;
  final Metrics.Counter udpEchoes;
  final Metrics.Counter stunSuccess;
  final Metrics.Counter stunError;
  final Metrics.Counter stunMalformed;
  final Metrics.Counter stunOversize;
  final Metrics.Counter stunNotRequest;
  final Metrics.Counter rateLimited;
  final Metrics.Counter udpRateLimited;
  final Metrics.Histogram pairLatency;
  /** Upper bounds of the pair latency buckets, microseconds. */
  static final long[] PAIR_LATENCY_BOUNDS_US = {250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000,
      1_000_000, 5_000_000};

  PairingMetrics(Metrics m, LongSupplier waitingInitiators, LongSupplier openConnections) {
    m.gauge("rendezvous_pairing_waiting_initiators", "S1 initiators waiting on this node with their key reserved",
        waitingInitiators);
    m.gauge("rendezvous_pairing_connections", "S1 TCP connections open on this node", openConnections);
    pairs = m.counter("rendezvous_pairing_pairs_total", "S1 initiators paired with a receiver on this node");
    pairLatency = m.histogram("rendezvous_pairing_pair_latency_microseconds",
        "S1 pairs made for receivers of this node: from the receiver's hello to its reply, microseconds (the initiator's"
            + " reply is written on its own node just before)", PAIR_LATENCY_BOUNDS_US);
    timeouts = m.counter("rendezvous_pairing_timeouts_total", "S1 initiators that waited in vain");
    abandoned = m.counter("rendezvous_pairing_abandoned_total", "S1 initiators that disconnected while waiting");
    splitKeyChecks = m.counter("rendezvous_pairing_split_key_checks_total",
        "S1 keys of initiators waiting on this node checked against the keys map after a healed split");
    keysLostInSplit = m.counter("rendezvous_pairing_keys_lost_in_split_total",
        "S1 initiators of this node told UUID already in use because another node's wait held their key after a healed split");
    routeRetries = m.counter("rendezvous_pairing_route_retries_total",
        "S1 receivers offered again to a live initiator's node whose inbox the bus did not find (its route not yet back after a member died)");
    reclaimedKeys = m.counter("rendezvous_pairing_reclaimed_keys_total", "S1 keys of departed nodes released by this node");
    invalidJson = error(m, "invalid_json");
    wrongType = error(m, "wrong_type");
    oversize = error(m, "oversize");
    helloTimeout = error(m, "hello_timeout");
    tooManyConnections = error(m, "too_many_connections");
    uuidInUse = error(m, "uuid_in_use");
    receiverNotFound = error(m, "receiver_not_found");
    initiatorNodeUnreachable = error(m, "initiator_node_unreachable");
    emptyUuid = error(m, "empty_uuid");
    internal = error(m, "internal");
    rateLimited = error(m, "rate_limited");
    udpRateLimited = m.counter("rendezvous_pairing_udp_dropped_total", "S1 UDP datagrams dropped", "reason", "rate_limited");
    udpEchoes = m.counter("rendezvous_pairing_udp_echoes_total", "S1 UDP address echoes sent");
    // The same families as UDP 3478's STUN answers, told apart by the port label.
    stunSuccess = m.counter("rendezvous_stun_responses_total", "STUN responses sent", "port", "7700", "kind", "success");
    stunError = m.counter("rendezvous_stun_responses_total", "STUN responses sent", "port", "7700", "kind", "error");
    stunMalformed = m.counter("rendezvous_stun_dropped_total", "STUN datagrams dropped", "port", "7700", "reason", "malformed");
    stunOversize = m.counter("rendezvous_stun_dropped_total", "STUN datagrams dropped", "port", "7700", "reason", "oversize");
    stunNotRequest = m.counter("rendezvous_stun_dropped_total", "STUN datagrams dropped", "port", "7700", "reason", "not_request");
  }

  private static Metrics.Counter error(Metrics m, String reason) {
    return m.counter(ERRORS, ERRORS_HELP, "reason", reason);
  }
}
