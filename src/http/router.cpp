#include "http/router.hpp"

namespace onair::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto next = path.find('/', i);
    if (next == std::string_view::npos) next = path.size();
    out.emplace_back(path.substr(i, next - i));
    i = next;
  }
  return out;
}

const std::vector<double> kLatencyBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                          0.05,   0.1,   0.25,   0.5,   1,    2.5};

}  // namespace

Counter& Route::requests(int status) {
  if (status < 100 || status >= 600) status = 500;
  Counter* c = by_status_[status].load(std::memory_order_acquire);
  if (c == nullptr) {
    c = &metrics().counter("onair_http_requests_total", "HTTP requests by route and status",
                           {{"method", method}, {"route", pattern}, {"status", std::to_string(status)}});
    by_status_[status].store(c, std::memory_order_release);
  }
  return *c;
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  auto r = std::make_unique<Route>();
  r->segments = split_path(pattern);
  r->method = std::move(method);
  r->pattern = std::move(pattern);
  r->handler = std::move(handler);
  r->latency = &metrics().histogram("onair_http_request_duration_seconds",
                                    "HTTP request latency by route", kLatencyBuckets,
                                    {{"route", r->pattern}});
  routes_.push_back(std::move(r));
}

void Router::add_stream(std::string method, std::string pattern, StreamHandler handler) {
  add(std::move(method), std::move(pattern), nullptr);
  routes_.back()->stream_handler = std::move(handler);
}

Counter& Router::unmatched(int status) {
  if (fallback_.method.empty()) {
    fallback_.method = "*";
    fallback_.pattern = "unmatched";
  }
  return fallback_.requests(status);
}

Router::Outcome Router::match(Request& req, Route*& route, std::vector<std::string>* allowed) {
  auto segs = split_path(req.path);
  Outcome outcome = Outcome::not_found;
  for (auto& r : routes_) {
    if (r->segments.size() != segs.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      const auto& p = r->segments[i];
      bool capture = p.size() > 2 && p.front() == '{' && p.back() == '}';
      ok = capture ? !segs[i].empty() : p == segs[i];
    }
    if (!ok) continue;
    if (r->method != req.method) {
      outcome = Outcome::wrong_method;
      if (allowed) allowed->push_back(r->method);
      continue;
    }
    for (size_t i = 0; i < segs.size(); ++i) {
      const auto& p = r->segments[i];
      if (p.size() > 2 && p.front() == '{') req.params[p.substr(1, p.size() - 2)] = segs[i];
    }
    route = r.get();
    return Outcome::matched;
  }
  return outcome;
}

}  // namespace onair::http
