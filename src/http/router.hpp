#pragma once
// Router: method + path pattern ("/v1/rooms/{id}/seats/{user}") to a handler. Patterns are
// split into segments once; matching walks the segments of each route. Each route keeps
// its own metrics (requests by status, latency), resolved once so the hot path only
// touches atomics.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "http/message.hpp"

namespace onair::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;
// A handler that may take the connection over (media players): it returns a Response to
// answer normally, or nullopt once it has used the socket itself (the connection then ends).
using StreamHandler =
    std::function<boost::asio::awaitable<std::optional<Response>>(Request&, boost::asio::ip::tcp::socket&)>;

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // "{name}" segments capture
  Handler handler;
  StreamHandler stream_handler;
  Histogram* latency = nullptr;

  // Counter of requests answered with `status`, created on first use.
  Counter& requests(int status);

 private:
  std::array<std::atomic<Counter*>, 600> by_status_{};
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);
  void add_stream(std::string method, std::string pattern, StreamHandler handler);

  enum class Outcome { matched, not_found, wrong_method };
  // Fills req.params on a match. `allowed` lists the methods of a path that matched
  // with another method (for 405 and CORS preflight).
  Outcome match(Request& req, Route*& route, std::vector<std::string>* allowed = nullptr);

  // Counters for requests that matched no route.
  Counter& unmatched(int status);

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  Route fallback_;
};

}  // namespace onair::http
