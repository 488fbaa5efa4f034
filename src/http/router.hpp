#pragma once
// Router: method + path pattern ("/v1/rooms/{id}/seats/{user}") to a handler. Patterns are
// split into segments once; matching walks the segments of each route. Each route keeps
// its own metrics (requests by status, latency), resolved once so the hot path only
// touches atomics.
#include <boost/asio/awaitable.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "http/message.hpp"

namespace onair::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // "{name}" segments capture
  Handler handler;
  Histogram* latency = nullptr;

  // Counter of requests answered with `status`, created on first use.
  Counter& requests(int status);

 private:
  std::array<std::atomic<Counter*>, 600> by_status_{};
};

class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

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
