#pragma once
// WebRtcService: the SFU as the rest of onair sees it. It owns the certificate, the shared
// UDP port and every WHIP (Publisher) and WHEP (Subscriber) session. All of it lives on one
// event loop, the WebRTC loop: a publisher and its viewers are then always together, so a
// packet is forwarded without any cross-thread hop. HTTP handlers on other loops call the
// coroutines below, which run the work on the WebRTC loop and return there.
// A publish also registers the stream with the StreamHub, so one name has one publisher
// whatever the protocol, and a seat's stream turns live while its WHIP session runs.
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/bus.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/loops.hpp"
#include "media/stream/stream_hub.hpp"
#include "media/webrtc/peer_session.hpp"

namespace onair::webrtc {

class WebRtcService {
 public:
  WebRtcService(const Config& config, EventLoops& loops, media::StreamHub& hub);
  ~WebRtcService();
  WebRtcService(const WebRtcService&) = delete;
  WebRtcService& operator=(const WebRtcService&) = delete;

  // Generates the certificate and opens the UDP port. Before the loops run.
  Result<void> start();
  // Ends every session; returns when the WebRTC loop has done it (or at once if it is not
  // running).
  void stop();
  uint16_t udp_port() const;
  bool enabled() const;

  struct Answer {
    std::string id;   // the session (the resource's last path segment)
    std::string sdp;  // the SDP answer
  };
  // WHIP: a browser publishes `stream`. Errors: invalid_argument / not_acceptable for the
  // offer, conflict when the stream is published already, unavailable when full.
  boost::asio::awaitable<Result<Answer>> publish(std::string stream, std::string offer, SessionOwner owner);
  // WHEP: a browser plays `stream` (not_found when nobody publishes it). `layer`: the
  // simulcast layer wanted, by rid or index; empty: the best one.
  boost::asio::awaitable<Result<Answer>> play(std::string stream, std::string offer, SessionOwner owner,
                                              std::string layer);
  // DELETE of a resource; not_found for an unknown id or another stream's.
  boost::asio::awaitable<Result<void>> end(std::string stream, std::string id, PeerSession::Kind kind);
  // A viewer's simulcast layer (rid or index).
  boost::asio::awaitable<Result<void>> set_layer(std::string stream, std::string id, std::string layer);
  // Ends the sessions of `user` in `room` (left, kicked, seat lost); empty user: everyone's.
  void end_member_sessions(std::string room, std::string user, bool publish_only, std::string reason);
  // What the rooms' events mean for sessions: a member who leaves stops publishing and
  // playing, one who loses the seat stops publishing, a closed room ends them all. Until
  // stop().
  void watch(bus::Bus& bus);

  // Called on the WebRTC loop when the loudest publisher of a room changes.
  std::function<void(const std::string& room, const std::string& user, const std::string& stream)> on_active_speaker;

  struct Stats {
    size_t publishers = 0, subscribers = 0;
    uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0, nacks = 0, retransmits = 0;
    double loop_lag_ms = 0;  // how late the loop's tick runs, smoothed; > 100: overloaded
  };
  Stats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  bus::Bus* bus_ = nullptr;
  uint64_t bus_subscription_ = 0;
};

}  // namespace onair::webrtc
