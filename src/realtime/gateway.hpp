#pragma once
// Gateway: the realtime WebSocket service (REALTIME.md) on the event loops. Connections live
// on the loop that accepted them; each room channel and each user inbox has a home loop
// (a hash of its id). A client message travels to the room's home loop, which gives it a
// seq and batches it; a closed batch is one WebSocket frame, posted once to every loop that
// has subscribers of the room, where each subscriber queues a reference to the same bytes.
// Room events come from the bus (the rooms service's thread) and are posted to the room's
// home loop the same way. Nothing here blocks a loop or takes a lock on the message path.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/token.hpp"
#include "bus/bus.hpp"
#include "core/config.hpp"
#include "core/error.hpp"
#include "core/loops.hpp"
#include "http/message.hpp"
#include "rooms/room_strand.hpp"

namespace onair::realtime {

class Session;
class WordFilter;

class Gateway {
 public:
  Gateway(const Config& config, EventLoops& loops, const auth::TokenKeys& keys, bus::Bus& bus,
          rooms::RoomStrand& rooms);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Subscribes to the bus and starts each loop's sweep (pings, timeouts). Call after the
  // loops run.
  void start();
  // Closes every connection (1001) and stops the sweeps; returns when the loops did it.
  void stop();

  // GET /v1/rt: answers the WebSocket upgrade and hands the socket to a session. A request
  // that is not a valid upgrade gets an HTTP error.
  boost::asio::awaitable<std::optional<http::Response>> upgrade(http::Request& req,
                                                                boost::asio::ip::tcp::socket& socket);

  // Server messages (POST /v1/rooms/{id}/messages, POST /v1/push). `body` is a JSON value.
  // A room message returns its seq; a push returns how many users or rooms it went to.
  boost::asio::awaitable<Result<uint64_t>> room_message(std::string room, std::string type, std::string body);
  uint64_t push_users(const std::vector<std::string>& users, const std::string& type, const std::string& body);
  void push_all(const std::string& type, const std::string& body);

  size_t connections() const { return connections_.load(); }

  // ---- for sessions (called on the session's loop) ----
  struct Loop;
  Loop& loop_of_this_thread();
  void on_authenticated(Session& s);
  void on_closed(Session& s);
  void subscribe(Session& s, const std::string& room, std::optional<uint64_t> since, std::string id_json);
  void unsubscribe(Session& s, const std::string& room, std::string id_json);
  // A client message for a room: `rest` completes its JSON object after seq, type and ts.
  void publish(Session& s, const std::string& room, std::string type, std::string rest, std::string id_json);
  void like(Session& s, const std::string& room, int64_t count, std::string id_json);
  void signal(Session& s, const std::string& to, std::string data_json, std::string id_json);
  void sync(Session& s, uint64_t since, std::string id_json);
  const Config& config() const { return config_; }
  const auth::TokenKeys& keys() const { return keys_; }
  const WordFilter& words() const { return *words_; }

 private:
  struct Home;
  size_t home_of(const std::string& id) const;
  Loop& loop(size_t i) { return *loops_state_[i]; }
  void on_event(const bus::EventPtr& e);
  void event_on_home(const std::string& room, const bus::EventPtr& e);
  void deliver(Loop& l, const std::string& room, const std::shared_ptr<const struct OutFrame>& f);
  void deliver_user(Loop& l, const std::string& user, const std::shared_ptr<const struct OutFrame>& f);
  void sweep(Loop& l);
  void schedule_sweep(Loop& l);
  class RoomChannel& channel(Loop& home, const std::string& room, bool& created);
  void arm_batch(Loop& home, const std::string& room);
  void flush_batch(Loop& home, const std::string& room);
  void kick_room_user(const std::string& room, const std::string& user, const std::string& reason);
  void with_room_ready(Loop& home, const std::string& room, std::function<void(bool exists)> fn);

  const Config& config_;
  EventLoops& loops_;
  const auth::TokenKeys& keys_;
  bus::Bus& bus_;
  rooms::RoomStrand& rooms_;
  std::unique_ptr<WordFilter> words_;
  std::vector<std::unique_ptr<Loop>> loops_state_;
  uint64_t bus_sub_ = 0;
  std::atomic<size_t> connections_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace onair::realtime
