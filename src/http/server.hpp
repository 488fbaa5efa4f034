#pragma once
// HttpServer: Boost.Beast HTTP/1.1 on every event loop. Each loop has its own SO_REUSEPORT
// acceptor so the kernel spreads connections; a connection is one coroutine on the loop
// that accepted it. Keep-alive, limits on header and body size, idle and request timeouts,
// CORS, an access log and per-route metrics. Bad requests get the API error model and
// close only their own connection.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/loops.hpp"
#include "http/router.hpp"

namespace onair::http {

class HttpServer {
 public:
  HttpServer(const HttpConfig& config, bool access_log, EventLoops& loops, Router& router);
  ~HttpServer();

  // Binds `config.addr` once per loop and starts accepting. Port 0 picks a free port.
  Result<void> start();
  uint16_t port() const { return port_; }

  // Stops accepting, lets requests in flight finish and closes idle connections.
  // Returns when every connection is gone or `grace_ms` passed.
  void stop(int grace_ms);

  size_t connections() const { return connections_.load(); }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::atomic<size_t> connections_{0};
};

}  // namespace onair::http
