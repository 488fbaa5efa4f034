#pragma once
// StreamAccess: who may publish or play a stream; the one check RTMP, HTTP-FLV, HLS, WHIP and
// WHEP all call. A signed URL's signature (API.md "Media URLs and signing") is needed to
// publish, and to play when media.play_auth is on. Beyond the signature, a room seat's stream
// "<room id>-<user id>" (API.md: seat streams) may be published only while that user holds
// a seat of that room, so a member who left, lost the seat or was kicked cannot come back
// with an old signed URL; and losing the seat (leave, kick, removal, member timeout, room
// close) stops that user's publish at once on every protocol, through the hub.
//
// The seats themselves belong to the rooms service: it answers `seat_holder` (wired by the
// app, asynchronous, never blocking a loop) and announces changes on the bus, which this
// watches. Thread-safe; one per process.
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "auth/stream_signer.hpp"
#include "bus/bus.hpp"
#include "core/error.hpp"
#include "media/stream/stream_hub.hpp"

namespace onair::media {

// "<room id>-<user id>" -> {room, user} for a seat's stream, else nothing.
std::optional<std::pair<std::string, std::string>> seat_of_stream(const std::string& stream);

// What a rooms event means for the media of a room's users.
struct SeatLoss {
  enum Kind { none, room_closed, member_left, seat_lost } kind = none;
  std::string user;  // member_left, seat_lost
};
SeatLoss seat_loss(const bus::Event& e);

class StreamAccess {
 public:
  // Whether `user` holds a seat in `room` now (permission_denied or not_found when not).
  using SeatHolder =
      std::function<boost::asio::awaitable<Result<void>>(std::string room, std::string user)>;

  StreamAccess(const auth::StreamSigner& signer, StreamHub& hub, bool play_auth = false)
      : signer_(signer), hub_(hub), play_auth_(play_auth) {}
  ~StreamAccess();
  StreamAccess(const StreamAccess&) = delete;
  StreamAccess& operator=(const StreamAccess&) = delete;

  const auth::StreamSigner& signer() const { return signer_; }

  // Whether playing needs a signed URL (media.play_auth).
  bool play_needs_signature() const { return play_auth_; }

  // The signature of a signed URL for `action` on `stream` (a play without play_auth needs
  // none and passes). A refusal is counted (onair_media_refusals_total{reason="signature"}).
  Result<void> check_signature(const std::string& stream, auth::StreamAction action,
                               std::string_view expire, std::string_view sign) const;

  // The publish of `stream`, its signature or token checked already: allowed unless it is a
  // seat's stream whose user holds no seat now (counted as reason="seat"). Awaited on the
  // caller's loop.
  boost::asio::awaitable<Result<void>> may_publish(std::string stream) const;

  // Stops seat streams whose users lose their seat, from the rooms' events.
  void watch(bus::Bus& bus);
  void unwatch();

  SeatHolder seat_holder;  // unset: seats are not checked (tests of the media plane alone)

 private:
  void on_event(const bus::EventPtr& e);

  const auth::StreamSigner& signer_;
  StreamHub& hub_;
  const bool play_auth_;
  bus::Bus* bus_ = nullptr;
  uint64_t subscription_ = 0;
};

}  // namespace onair::media
