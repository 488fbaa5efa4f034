#pragma once
// StreamAccess: who may publish a stream, beyond its signed URL. A room seat's stream
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
  using SeatHolder = std::function<boost::asio::awaitable<Result<void>>(std::string room, std::string user)>;

  StreamAccess(const auth::StreamSigner& signer, StreamHub& hub) : signer_(signer), hub_(hub) {}
  ~StreamAccess();
  StreamAccess(const StreamAccess&) = delete;
  StreamAccess& operator=(const StreamAccess&) = delete;

  const auth::StreamSigner& signer() const { return signer_; }

  // The publish of `stream` with a valid signature: allowed unless it is a seat's stream
  // whose user holds no seat now. Awaited on the caller's loop.
  boost::asio::awaitable<Result<void>> may_publish(std::string stream) const;

  // Stops seat streams whose users lose their seat, from the rooms' events.
  void watch(bus::Bus& bus);
  void unwatch();

  SeatHolder seat_holder;  // unset: seats are not checked (tests of the media plane alone)

 private:
  void on_event(const bus::EventPtr& e);

  const auth::StreamSigner& signer_;
  StreamHub& hub_;
  bus::Bus* bus_ = nullptr;
  uint64_t subscription_ = 0;
};

}  // namespace onair::media
