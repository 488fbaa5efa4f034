#include "media/stream/stream_access.hpp"

#include <boost/json.hpp>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"

namespace onair::media {

std::optional<std::pair<std::string, std::string>> seat_of_stream(const std::string& stream) {
  auto dash = stream.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == stream.size()) return std::nullopt;
  std::string room = stream.substr(0, dash);
  if (room.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::pair{room, stream.substr(dash + 1)};
}

StreamAccess::~StreamAccess() {
  unwatch();
}

namespace {
void refused(const char* reason) {
  metrics()
      .counter("onair_media_refusals_total", "Publish or play attempts refused",
               {{"reason", reason}})
      .inc();
}
}  // namespace

Result<void> StreamAccess::check_signature(const std::string& stream, auth::StreamAction action,
                                           std::string_view expire, std::string_view sign) const {
  if (action == auth::StreamAction::play && !play_auth_) return {};
  auto ok = signer_.verify(stream, action, expire, sign, unix_s());
  if (!ok) refused("signature");
  return ok;
}

boost::asio::awaitable<Result<void>> StreamAccess::may_publish(std::string stream) const {
  auto seat = seat_of_stream(stream);
  if (!seat || !seat_holder) co_return Result<void>{};
  auto held = co_await seat_holder(seat->first, seat->second);
  if (!held) {
    refused("seat");
    co_return fail(ErrorCode::permission_denied,
                   seat->second + " holds no seat in room " + seat->first);
  }
  co_return Result<void>{};
}

void StreamAccess::watch(bus::Bus& bus) {
  bus_ = &bus;
  subscription_ = bus.subscribe([this](const bus::EventPtr& e) { on_event(e); });
}

void StreamAccess::unwatch() {
  if (bus_) bus_->unsubscribe(subscription_);
  bus_ = nullptr;
}

SeatLoss seat_loss(const bus::Event& e) {
  using bus::EventType;
  if (e.type == EventType::room_closed) return {SeatLoss::room_closed, ""};
  if (e.type != EventType::member_left && e.type != EventType::seat_changed) return {};
  boost::system::error_code ec;
  auto v = boost::json::parse(e.data, ec);
  if (ec || !v.is_object()) return {};
  const auto& o = v.as_object();
  const auto* user = o.if_contains("user");
  if (!user || !user->is_string() || user->as_string().empty()) return {};
  if (e.type == EventType::member_left)
    return {SeatLoss::member_left, std::string(user->as_string())};
  // taken, updated (mute), live and stopped keep the seat; left, kicked, removed... do not.
  const auto* action = o.if_contains("action");
  std::string_view a = action && action->is_string() ? std::string_view(action->as_string()) : "";
  if (a == "taken" || a == "updated" || a == "live" || a == "stopped") return {};
  return {SeatLoss::seat_lost, std::string(user->as_string())};
}

// On the rooms strand: only looks at the event and asks the hub to kick (which posts).
void StreamAccess::on_event(const bus::EventPtr& e) {
  SeatLoss loss = seat_loss(*e);
  if (loss.kind == SeatLoss::none) return;
  if (loss.kind == SeatLoss::room_closed) {
    // Every seat stream of the room.
    std::string prefix = e->room + "-";
    for (const auto& info : hub_.list())
      if (info.name.starts_with(prefix) && seat_of_stream(info.name) && hub_.kick(info.name))
        spdlog::info("media: stopping stream={} reason=the room closed", info.name);
    return;
  }
  std::string stream = e->room + "-" + loss.user;
  if (hub_.kick(stream))
    spdlog::info("media: stopping stream={} reason=its user no longer holds the seat", stream);
}

}  // namespace onair::media
