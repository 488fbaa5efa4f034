#pragma once
// RoomStrand: the thread that owns the RoomService. Every call to the service is posted
// here (run_on), so room state has exactly one writer and needs no locks; the service's
// store writes happen on this thread too, never on an event loop. A timer drives the
// service's timers every 250 ms and refreshes the room gauges.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <thread>

#include "core/async.hpp"
#include "rooms/room_service.hpp"

namespace onair::rooms {

class RoomStrand {
 public:
  RoomStrand(const Config& config, store::Store& store, bus::Bus& bus, Snowflake& ids);
  ~RoomStrand();

  RoomService& service() { return service_; }
  boost::asio::any_io_executor executor() { return io_.get_executor(); }

  // Starts the thread and the timers (restore() the service first).
  void start();
  // Finishes the call in progress and stops the thread.
  void stop();

  // Runs fn(service) on the strand: co_await strand.call([&](RoomService& s) { ... }).
  template <class F>
  auto call(F fn) {
    return run_on(executor(), [this, fn = std::move(fn)]() mutable { return fn(service_); });
  }

  RoomStats stats() const;

  // Whether `user` holds a seat of room `room` now (the media plane asks before a seat's
  // stream may publish). Parameters by value: they live in the coroutine frame.
  boost::asio::awaitable<Result<void>> holds_seat(std::string room, std::string user);

 private:
  void schedule_tick();

  boost::asio::io_context io_{1};
  RoomService service_;
  boost::asio::steady_timer timer_{io_};
  std::thread thread_;
  std::atomic<int64_t> rooms_{0}, live_rooms_{0}, members_{0}, seats_{0}, pks_{0};
};

}  // namespace onair::rooms
