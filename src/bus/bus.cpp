#include "bus/bus.hpp"

#include <array>

namespace onair::bus {
namespace {
constexpr std::array kNames = {
    "room_created",    "room_updated",          "room_closed",     "member_joined",
    "member_left",     "member_muted",          "online",          "seat_changed",
    "seat_request",    "seat_request_rejected", "seat_invitation", "seat_invitation_rejected",
    "stream_started",  "stream_stopped",        "pk_invitation",   "pk_rejected",
    "pk_expired",      "pk_cancelled",          "pk_started",      "pk_score",
    "pk_ended",
    "gift_sent",       "likes",
};
static_assert(kNames.size() == static_cast<size_t>(EventType::likes) + 1);
}  // namespace

std::string_view to_string(EventType t) { return kNames[static_cast<size_t>(t)]; }

bool parse_event_type(std::string_view s, EventType& out) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (s == kNames[i]) {
      out = static_cast<EventType>(i);
      return true;
    }
  }
  return false;
}

uint64_t Bus::subscribe(Handler h) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<std::vector<std::pair<uint64_t, Handler>>>(*handlers_);
  next->emplace_back(next_, std::move(h));
  handlers_ = std::move(next);
  return next_++;
}

void Bus::unsubscribe(uint64_t id) {
  std::lock_guard lock(mu_);
  auto next = std::make_shared<std::vector<std::pair<uint64_t, Handler>>>();
  for (const auto& h : *handlers_)
    if (h.first != id) next->push_back(h);
  handlers_ = std::move(next);
}

void Bus::publish(const EventPtr& e) {
  std::shared_ptr<const std::vector<std::pair<uint64_t, Handler>>> handlers;
  {
    std::lock_guard lock(mu_);
    handlers = handlers_;
  }
  for (const auto& [id, h] : *handlers) h(e);
}

}  // namespace onair::bus
