#include "http/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <list>
#include <mutex>
#include <thread>

#include "core/log.hpp"
#include "net/listen.hpp"

namespace onair::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

Response error_response(ErrorCode code, std::string message) {
  return Response::error(Error(code, std::move(message)));
}

Counter& connections_total() {
  static Counter& c = metrics().counter("onair_http_connections_total", "HTTP connections accepted");
  return c;
}

}  // namespace

// Per-loop state: the acceptor and the live connections, touched only on that loop.
struct LoopState {
  asio::io_context* io = nullptr;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::list<beast::tcp_stream*> streams;
  std::list<bool*> idle_flags;
};

struct HttpServer::Impl {
  const HttpConfig& config;
  bool access_log;
  EventLoops& loops;
  Router& router;
  HttpServer& owner;
  std::vector<std::unique_ptr<LoopState>> states;
  std::atomic<bool> stopping{false};

  asio::awaitable<void> accept_loop(LoopState& st);
  asio::awaitable<void> session(LoopState& st, tcp::socket socket);
  // nullopt: a stream handler took the connection over.
  asio::awaitable<std::optional<Response>> dispatch(Request& req, Route*& route, tcp::socket& socket);
  void add_cors(const Request& req, bhttp::response<bhttp::string_body>& res) const;
};

HttpServer::HttpServer(const HttpConfig& config, bool access_log, EventLoops& loops, Router& router)
    : impl_(new Impl{config, access_log, loops, router, *this, {}, {}}) {}

HttpServer::~HttpServer() = default;

Result<void> HttpServer::start() {
  auto acceptors = net::listen_per_loop(impl_->loops, impl_->config.addr, "http.addr");
  if (!acceptors) return std::unexpected(acceptors.error());
  uint16_t port = (*acceptors)[0]->local_endpoint().port();
  for (size_t i = 0; i < impl_->loops.size(); ++i) {
    auto st = std::make_unique<LoopState>();
    st->io = &impl_->loops.at(i);
    st->acceptor = std::move((*acceptors)[i]);
    impl_->states.push_back(std::move(st));
  }
  port_ = port;
  for (auto& st : impl_->states)
    asio::co_spawn(*st->io, impl_->accept_loop(*st), asio::detached);
  return {};
}

void HttpServer::stop(int grace_ms) {
  impl_->stopping = true;
  for (auto& st : impl_->states) {
    LoopState* s = st.get();
    asio::post(*s->io, [s] {
      boost::system::error_code ec;
      s->acceptor->close(ec);
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  // Idle keep-alive connections are closed at once; busy ones finish their response.
  while (connections_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    for (auto& st : impl_->states) {
      LoopState* s = st.get();
      asio::post(*s->io, [s] {
        auto flag = s->idle_flags.begin();
        for (auto it = s->streams.begin(); it != s->streams.end(); ++it, ++flag)
          if (**flag) (*it)->socket().cancel();
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

asio::awaitable<void> HttpServer::Impl::accept_loop(LoopState& st) {
  while (!stopping) {
    auto [ec, socket] = co_await st.acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) {
      if (ec == asio::error::operation_aborted || stopping) break;
      spdlog::warn("http: accept failed: {}", ec.message());
      // Out of descriptors: back off instead of spinning.
      asio::steady_timer t(*st.io, std::chrono::milliseconds(50));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    connections_total().inc();
    asio::co_spawn(*st.io, session(st, std::move(socket)), asio::detached);
  }
}

void HttpServer::Impl::add_cors(const Request& req, bhttp::response<bhttp::string_body>& res) const {
  if (config.cors_origin.empty() || req.header("origin").empty()) return;
  res.set(bhttp::field::access_control_allow_origin, config.cors_origin);
  res.set(bhttp::field::access_control_expose_headers, "Location, Retry-After, Link, ETag");
  if (config.cors_origin != "*") res.set(bhttp::field::vary, "Origin");
}

asio::awaitable<std::optional<Response>> HttpServer::Impl::dispatch(Request& req, Route*& route, tcp::socket& socket) {
  std::vector<std::string> allowed;
  auto outcome = router.match(req, route, &allowed);
  if (req.method == "OPTIONS" && outcome != Router::Outcome::not_found) {
    // CORS preflight: the methods this path accepts.
    Response r = Response::no_content();
    std::string methods = "OPTIONS";
    for (const auto& m : allowed) methods += ", " + m;
    r.headers.emplace_back("Access-Control-Allow-Methods", methods);
    r.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
    r.headers.emplace_back("Access-Control-Max-Age", "86400");
    r.headers.emplace_back("Allow", methods);
    co_return r;
  }
  if (outcome == Router::Outcome::not_found)
    co_return error_response(ErrorCode::not_found, "no such endpoint: " + req.method + " " + req.path);
  if (outcome == Router::Outcome::wrong_method) {
    Response r = error_response(ErrorCode::method_not_allowed,
                                req.method + " is not allowed on " + req.path);
    std::string methods;
    for (const auto& m : allowed) methods += (methods.empty() ? "" : ", ") + m;
    r.headers.emplace_back("Allow", methods);
    co_return r;
  }
  try {
    if (route->stream_handler) co_return co_await route->stream_handler(req, socket);
    co_return co_await route->handler(req);
  } catch (const std::exception& e) {
    spdlog::error("http: handler failed route={} error={}", route->pattern, e.what());
    co_return error_response(ErrorCode::internal, "internal error");
  }
}

asio::awaitable<void> HttpServer::Impl::session(LoopState& st, tcp::socket socket) {
  owner.connections_.fetch_add(1);
  beast::tcp_stream stream(std::move(socket));
  bool idle = true;
  st.streams.push_back(&stream);
  st.idle_flags.push_back(&idle);
  auto stream_it = std::prev(st.streams.end());
  auto flag_it = std::prev(st.idle_flags.end());
  boost::system::error_code ec;
  std::string remote = stream.socket().remote_endpoint(ec).address().to_string();
  beast::flat_buffer buffer;
  buffer.max_size(config.max_header_bytes + config.max_body_bytes + 4096);

  while (!stopping) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.header_limit(config.max_header_bytes);
    parser.body_limit(config.max_body_bytes);
    idle = true;
    stream.expires_after(std::chrono::seconds(config.idle_timeout_s));
    auto [rec, n1] = co_await bhttp::async_read_header(stream, buffer, parser,
                                                       asio::as_tuple(asio::use_awaitable));
    idle = false;
    Response early;
    bool have_early = false;
    if (!rec) {
      stream.expires_after(std::chrono::seconds(config.request_timeout_s));
      auto [bec, n2] = co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      rec = bec;
    }
    if (rec) {
      if (rec == bhttp::error::end_of_stream || rec == asio::error::operation_aborted ||
          rec == beast::error::timeout || rec == asio::error::connection_reset || rec == asio::error::eof)
        break;
      if (rec == bhttp::error::body_limit) {
        early = error_response(ErrorCode::payload_too_large,
                               "body exceeds " + std::to_string(config.max_body_bytes) + " bytes");
      } else if (rec == bhttp::error::header_limit) {
        early = error_response(ErrorCode::payload_too_large,
                               "headers exceed " + std::to_string(config.max_header_bytes) + " bytes");
        early.status = 431;
      } else {
        early = error_response(ErrorCode::invalid_argument, "malformed HTTP request: " + rec.message());
      }
      have_early = true;
    }

    auto started = std::chrono::steady_clock::now();
    Request req;
    Route* route = nullptr;
    Response res;
    bool keep_alive = false;
    unsigned version = 11;
    if (have_early) {
      res = std::move(early);
    } else {
      auto& msg = parser.get();
      version = msg.version();
      keep_alive = msg.keep_alive();
      req.method = std::string(msg.method_string());
      std::string_view target = msg.target();
      auto qpos = target.find('?');
      auto path = percent_decode(target.substr(0, qpos), false);
      if (qpos != std::string_view::npos) req.query = std::string(target.substr(qpos + 1));
      req.remote_ip = remote;
      req.headers.reserve(16);
      for (const auto& f : msg) req.headers.emplace_back(f.name_string(), f.value());
      req.body = std::move(msg.body());
      if (!path || path->empty() || (*path)[0] != '/') {
        res = error_response(ErrorCode::invalid_argument, "malformed request target");
      } else {
        req.path = std::move(*path);
        // A stream handler may keep the connection for as long as it plays: no timeout,
        // and shutdown may close it like an idle one.
        stream.expires_never();
        idle = true;
        auto answered = co_await dispatch(req, route, stream.socket());
        idle = false;
        if (!answered) {
          // A media player owns the connection now and has finished with it.
          if (route) route->requests(200).inc();
          break;
        }
        res = std::move(*answered);
      }
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (route) {
      route->requests(res.status).inc();
      route->latency->observe(seconds);
    } else {
      router.unmatched(res.status).inc();
    }
    if (access_log)
      spdlog::info("http method={} path={} status={} ms={:.2f} peer={}", req.method.empty() ? "-" : req.method,
                   req.path.empty() ? "-" : req.path, res.status, seconds * 1000, remote);

    if (res.shared_body) {
      // Shared bytes go out as they are, without a copy.
      bhttp::response<bhttp::span_body<const char>> sout{static_cast<bhttp::status>(res.status), version};
      sout.set(bhttp::field::server, "onair");
      if (!res.content_type.empty()) sout.set(bhttp::field::content_type, res.content_type);
      for (const auto& [k, v] : res.headers) sout.set(k, v);
      if (!config.cors_origin.empty() && !req.header("origin").empty())
        sout.set(bhttp::field::access_control_allow_origin, config.cors_origin);
      sout.body() = boost::span<const char>(res.shared_body->data(), res.shared_body->size());
      if (stopping) keep_alive = false;
      sout.keep_alive(keep_alive);
      sout.prepare_payload();
      stream.expires_after(std::chrono::seconds(config.request_timeout_s));
      auto [sec, swritten] = co_await bhttp::async_write(stream, sout, asio::as_tuple(asio::use_awaitable));
      if (sec || !keep_alive || !parser.is_done()) break;
      continue;
    }
    bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(res.status), version};
    out.set(bhttp::field::server, "onair");
    if (!res.content_type.empty()) out.set(bhttp::field::content_type, res.content_type);
    for (const auto& [k, v] : res.headers) out.set(k, v);
    add_cors(req, out);
    out.body() = std::move(res.body);
    if (have_early || stopping) keep_alive = false;
    out.keep_alive(keep_alive);
    out.prepare_payload();
    stream.expires_after(std::chrono::seconds(config.request_timeout_s));
    auto [wec, written] = co_await bhttp::async_write(stream, out, asio::as_tuple(asio::use_awaitable));
    if (wec || !keep_alive) break;
    // An unread body (error before reading it) leaves the stream unusable.
    if (!parser.is_done()) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.close();
  st.streams.erase(stream_it);
  st.idle_flags.erase(flag_it);
  owner.connections_.fetch_sub(1);
}

}  // namespace onair::http
