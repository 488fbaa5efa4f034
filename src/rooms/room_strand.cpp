#include "rooms/room_strand.hpp"

#include <pthread.h>

#include "core/ids.hpp"

namespace onair::rooms {

RoomStrand::RoomStrand(const Config& config, store::Store& store, bus::Bus& bus, Snowflake& ids)
    : service_(config, store, bus, ids) {}

RoomStrand::~RoomStrand() { stop(); }

void RoomStrand::start() {
  schedule_tick();
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rooms");
    io_.run();
  });
}

void RoomStrand::stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(io_, [this] {
    timer_.cancel();
    io_.stop();
  });
  thread_.join();
}

void RoomStrand::schedule_tick() {
  timer_.expires_after(std::chrono::milliseconds(250));
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    service_.tick(unix_ms());
    RoomStats s = service_.stats();
    rooms_ = s.rooms;
    live_rooms_ = s.live_rooms;
    members_ = s.members;
    seats_ = s.seats;
    pks_ = s.pks;
    schedule_tick();
  });
}

boost::asio::awaitable<Result<void>> RoomStrand::holds_seat(std::string room, std::string user) {
  auto seats = co_await call([&](RoomService& svc) { return svc.seats(room); });
  if (!seats) co_return std::unexpected(seats.error());
  for (const auto& seat : *seats)
    if (seat.user == user) co_return Result<void>{};
  co_return fail(ErrorCode::permission_denied, user + " holds no seat in room " + room);
}

RoomStats RoomStrand::stats() const {
  return RoomStats{rooms_.load(), live_rooms_.load(), members_.load(), seats_.load(), pks_.load()};
}

}  // namespace onair::rooms
