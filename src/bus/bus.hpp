#pragma once
// Bus: the in-process topic that carries every state change as a typed Event. The rooms
// service publishes (from its strand); the webhook outbox, the realtime gateway and the
// metrics subscribe. A handler runs on the publisher's thread and must only hand the event
// on (post it to its own loop): it must not block or call back into the publisher.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace onair::bus {

enum class EventType {
  room_created,
  room_updated,
  room_closed,
  member_joined,
  member_left,
  member_muted,
  online,
  seat_changed,
  seat_request,
  seat_request_rejected,
  seat_invitation,
  seat_invitation_rejected,
  stream_started,
  stream_stopped,
  pk_invitation,
  pk_rejected,
  pk_expired,
  pk_cancelled,
  pk_started,
  pk_score,
  pk_ended,
  gift_sent,
  likes,
};

std::string_view to_string(EventType t);
bool parse_event_type(std::string_view s, EventType& out);

struct Event {
  std::string id;  // snowflake, unique per event
  EventType type;
  std::string room;       // "" for events of no room
  std::string peer_room;  // PK events concern two rooms: the second one
  int64_t at_ms = 0;
  std::string data;  // a JSON object, encoded once for every subscriber
};

using EventPtr = std::shared_ptr<const Event>;

class Bus {
 public:
  using Handler = std::function<void(const EventPtr&)>;

  // Returns an id for unsubscribe().
  uint64_t subscribe(Handler h);
  void unsubscribe(uint64_t id);
  void publish(const EventPtr& e);

 private:
  std::mutex mu_;
  uint64_t next_ = 1;
  // Copy-on-write so publish() never holds the lock while handlers run.
  std::shared_ptr<const std::vector<std::pair<uint64_t, Handler>>> handlers_ =
      std::make_shared<std::vector<std::pair<uint64_t, Handler>>>();
};

}  // namespace onair::bus
