#include "http/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <optional>

namespace onair::http {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;

namespace {

template <class Stream>
Result<ClientResponse> exchange(asio::io_context& io, Stream& stream,
                                bhttp::request<bhttp::string_body>& req,
                                std::chrono::steady_clock::time_point deadline) {
  boost::system::error_code ec;
  bool done = false;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1024 * 1024);
  beast::flat_buffer buf;
  bhttp::async_write(stream, req, [&](boost::system::error_code e, size_t) {
    if (e) {
      ec = e;
      done = true;
      return;
    }
    bhttp::async_read(stream, buf, parser, [&](boost::system::error_code e2, size_t) {
      ec = e2;
      done = true;
    });
  });
  io.run_until(deadline);
  if (!done) return fail(ErrorCode::unavailable, "timed out");
  if (ec) return fail(ErrorCode::unavailable, ec.message());
  return ClientResponse{static_cast<int>(parser.get().result_int()), std::move(parser.get().body())};
}

}  // namespace

Result<ClientResponse> post_json(const std::string& url, const std::string& body,
                                 const std::vector<std::pair<std::string, std::string>>& headers,
                                 uint32_t timeout_ms) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return fail(ErrorCode::invalid_argument, "bad URL");
  bool tls = parsed->scheme() == "https";
  if (!tls && parsed->scheme() != "http") return fail(ErrorCode::invalid_argument, "URL must be http or https");
  std::string host(parsed->host());
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::string port = parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80");
  std::string target(parsed->encoded_target());
  if (target.empty()) target = "/";

  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return fail(ErrorCode::unavailable, "resolving " + host + ": " + ec.message());

  bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
  req.set(bhttp::field::host, std::string(parsed->encoded_host_and_port()));
  req.set(bhttp::field::user_agent, "onair");
  req.set(bhttp::field::content_type, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.keep_alive(false);
  req.prepare_payload();

  beast::tcp_stream tcp_stream(io);
  std::optional<boost::system::error_code> connect_ec;
  tcp_stream.async_connect(endpoints, [&](boost::system::error_code e, const tcp::endpoint&) { connect_ec = e; });
  io.run_until(deadline);
  if (!connect_ec) return fail(ErrorCode::unavailable, "connecting to " + host + ": timed out");
  if (*connect_ec) return fail(ErrorCode::unavailable, "connecting to " + host + ": " + connect_ec->message());
  io.restart();

  if (!tls) {
    auto r = exchange(io, tcp_stream, req, deadline);
    if (!r) return std::unexpected(std::move(r.error()).with_context(host));
    return r;
  }
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(asio::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> tls_stream(std::move(tcp_stream), ctx);
  SSL_set_tlsext_host_name(tls_stream.native_handle(), host.c_str());
  tls_stream.set_verify_callback(asio::ssl::host_name_verification(host));
  std::optional<boost::system::error_code> hs_ec;
  tls_stream.async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code e) { hs_ec = e; });
  io.run_until(deadline);
  if (!hs_ec) return fail(ErrorCode::unavailable, "TLS handshake with " + host + ": timed out");
  if (*hs_ec) return fail(ErrorCode::unavailable, "TLS handshake with " + host + ": " + hs_ec->message());
  io.restart();
  auto r = exchange(io, tls_stream, req, deadline);
  if (!r) return std::unexpected(std::move(r.error()).with_context(host));
  return r;
}

}  // namespace onair::http
