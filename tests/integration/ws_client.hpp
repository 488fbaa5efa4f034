#pragma once
// A real WebSocket client for the integration tests: Boost.Beast's websocket stream, run on
// its own thread. Messages arrive into a queue the test reads with timeouts; pings from the
// server are answered by Beast as any client would.
#include <boost/json.hpp>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace onair::testing {

class WsClient {
 public:
  // Opens ws://127.0.0.1:<port><target>. Throws when the upgrade fails.
  WsClient(uint16_t port, const std::string& target);
  ~WsClient();

  void send(const std::string& text);
  void send(const boost::json::object& msg) { send(boost::json::serialize(msg)); }
  // The next message within `ms`, parsed; nullopt when closed or timed out.
  std::optional<boost::json::value> next(int ms = 5000);
  // Reads until a message satisfies `pred` (others are dropped); nullopt on timeout/close.
  std::optional<boost::json::value> wait_for(const std::function<bool(const boost::json::object&)>& pred,
                                             int ms = 5000);
  // Reads until a message of `type` (and, if given, `id`).
  std::optional<boost::json::value> wait_type(const std::string& type, int ms = 5000);
  // Waits for the server to close; returns the close code (-1: not closed in time, 1006: no
  // close frame).
  int wait_closed(int ms = 5000);
  std::string close_reason() const;
  bool closed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace onair::testing
