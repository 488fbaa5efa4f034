#include "api/common.hpp"

#include <boost/json.hpp>

#include <unordered_map>

#include "core/ids.hpp"
#include "core/text.hpp"
#include "rooms/json.hpp"

namespace onair::api {
namespace json = boost::json;

Result<rooms::Actor> authenticate(const Services& s, const http::Request& req) {
  std::string token;
  std::string_view h = req.header("authorization");
  if (!h.empty()) {
    if (h.size() < 7 || !(h.substr(0, 7) == "Bearer " || h.substr(0, 7) == "bearer "))
      return fail(ErrorCode::unauthenticated, "Authorization must be 'Bearer <token>'");
    token = std::string(h.substr(7));
  } else if (auto q = req.query_param("token")) {
    token = std::move(*q);
  } else {
    return fail(ErrorCode::unauthenticated, "missing token: send Authorization: Bearer <token>");
  }
  int64_t now = unix_s();
  // Verified tokens are remembered per thread (no locks): an app sends the same token with
  // every request, and the HMAC and JSON work is most of a heartbeat's cost. The exact
  // bytes were verified once with keys that never change while running; exp and nbf are
  // still checked on every use.
  struct Cached {
    rooms::Actor actor;
    int64_t exp;
    int64_t nbf;
  };
  thread_local std::unordered_map<std::string, Cached> cache;
  int64_t leeway = s.config.auth.leeway_s;
  if (auto it = cache.find(token); it != cache.end()) {
    const Cached& c = it->second;
    if (c.exp + leeway < now) return fail(ErrorCode::unauthenticated, "token expired");
    if (c.nbf != 0 && c.nbf - leeway > now) return fail(ErrorCode::unauthenticated, "token not yet valid");
    return c.actor;
  }
  auto claims = s.keys.verify(token, now, leeway);
  if (!claims) return std::unexpected(claims.error());
  rooms::Actor actor{claims->sub, claims->name, claims->grants};
  if (cache.size() >= 16384) cache.clear();  // bounded: a flood of new tokens starts over
  cache.emplace(std::move(token), Cached{actor, claims->exp, claims->nbf});
  return actor;
}

Result<rooms::Actor> authenticate_room(const Services& s, const http::Request& req, const std::string& id) {
  auto a = authenticate(s, req);
  if (!a) return a;
  if (!a->grants.allows_room(id)) return fail(ErrorCode::permission_denied, "the token does not grant room " + id);
  return a;
}

Result<rooms::Actor> authenticate_admin(const Services& s, const http::Request& req) {
  auto a = authenticate(s, req);
  if (!a) return a;
  if (!a->admin()) return fail(ErrorCode::permission_denied, "this needs an admin token");
  return a;
}

bool utf8_length(std::string_view s, size_t& out) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += len;
    ++n;
  }
  out = n;
  return true;
}

Result<Body> Body::parse(const http::Request& req, bool allow_empty) {
  Body b;
  if (req.body.empty() || req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (allow_empty) return b;
    return fail(ErrorCode::invalid_argument, "body: a JSON object is required");
  }
  boost::system::error_code ec;
  json::parse_options opts;
  opts.max_depth = 32;
  json::value v = json::parse(req.body, ec, {}, opts);
  if (ec) return fail(ErrorCode::invalid_argument, "body: malformed JSON (" + ec.message() + ")");
  if (!v.is_object()) return fail(ErrorCode::invalid_argument, "body: must be a JSON object");
  b.obj_ = std::move(v.as_object());
  return b;
}

Result<std::optional<std::string>> Body::string(const char* key, size_t max_chars, bool required) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) {
    if (required) return fail(ErrorCode::invalid_argument, std::string(key) + ": required");
    return std::optional<std::string>();
  }
  if (!it->value().is_string())
    return fail(ErrorCode::invalid_argument, std::string(key) + ": must be a string");
  std::string v(it->value().as_string());
  size_t chars = 0;
  if (!utf8_length(v, chars))
    return fail(ErrorCode::invalid_argument, std::string(key) + ": not valid UTF-8");
  if (chars > max_chars)
    return fail(ErrorCode::invalid_argument,
                std::string(key) + ": at most " + std::to_string(max_chars) + " characters");
  // Every string field is text someone sees or an id (titles, names, ids, types): none has
  // a use for control characters, and a NUL or an escape in a title reaches every viewer.
  if (has_control_chars(v))
    return fail(ErrorCode::invalid_argument,
                std::string(key) + ": control characters (U+0000..U+001F, U+007F..U+009F) are not allowed");
  return std::optional<std::string>(std::move(v));
}

Result<std::optional<int64_t>> Body::integer(const char* key, int64_t min, int64_t max, bool required) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) {
    if (required) return fail(ErrorCode::invalid_argument, std::string(key) + ": required");
    return std::optional<int64_t>();
  }
  const json::value& v = it->value();
  int64_t n = 0;
  if (v.is_int64()) {
    n = v.as_int64();
  } else if (v.is_uint64()) {
    if (v.as_uint64() > static_cast<uint64_t>(INT64_MAX))
      return fail(ErrorCode::invalid_argument, std::string(key) + ": out of range");
    n = static_cast<int64_t>(v.as_uint64());
  } else if (v.is_double() && v.as_double() == static_cast<double>(static_cast<int64_t>(v.as_double())) &&
             v.as_double() > -9e18 && v.as_double() < 9e18) {
    n = static_cast<int64_t>(v.as_double());
  } else {
    return fail(ErrorCode::invalid_argument, std::string(key) + ": must be an integer");
  }
  if (n < min || n > max)
    return fail(ErrorCode::invalid_argument, std::string(key) + ": must be " + std::to_string(min) +
                                                 ".." + std::to_string(max));
  return std::optional<int64_t>(n);
}

Result<std::optional<bool>> Body::boolean(const char* key) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) return std::optional<bool>();
  if (!it->value().is_bool())
    return fail(ErrorCode::invalid_argument, std::string(key) + ": must be true or false");
  return std::optional<bool>(it->value().as_bool());
}

Result<std::optional<std::string>> Body::object_text(const char* key, size_t max_bytes) const {
  auto it = obj_.find(key);
  if (it == obj_.end() || it->value().is_null()) return std::optional<std::string>();
  if (!it->value().is_object())
    return fail(ErrorCode::invalid_argument, std::string(key) + ": must be a JSON object");
  std::string text = json::serialize(it->value());
  if (text.size() > max_bytes)
    return fail(ErrorCode::invalid_argument,
                std::string(key) + ": at most " + std::to_string(max_bytes) + " bytes");
  return std::optional<std::string>(std::move(text));
}

Result<int> limit_param(const http::Request& req, int fallback, int max) {
  auto v = req.query_param("limit");
  if (!v || v->empty()) return fallback;
  if (v->size() > 6 || v->find_first_not_of("0123456789") != std::string::npos)
    return fail(ErrorCode::invalid_argument, "limit: must be an integer 1.." + std::to_string(max));
  int n = std::stoi(*v);
  if (n < 1 || n > max)
    return fail(ErrorCode::invalid_argument, "limit: must be an integer 1.." + std::to_string(max));
  return n;
}

http::Response json_response(int status, const json::value& v) {
  return http::Response::json(status, json::serialize(v));
}

http::Response page_response(const char* key, json::array items, const std::string& next_cursor) {
  return json_response(200, json::object{{key, std::move(items)},
                                         {"next_cursor", next_cursor.empty() ? json::value(nullptr)
                                                                             : json::value(next_cursor)}});
}

namespace {

std::string host_header(const http::Request& req) {
  std::string_view host = req.header("host");
  // Only a plausible host:port goes into URLs we hand out.
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' ||
          c == '[' || c == ']'))
      return "localhost";
  return host.empty() ? "localhost" : std::string(host);
}

std::string hostname_only(const std::string& host) {
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
}

}  // namespace

std::string http_base(const Services& s, const http::Request& req) {
  if (!s.config.http.public_url.empty()) {
    std::string u = s.config.http.public_url;
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  }
  return "http://" + host_header(req);
}

std::string rtmp_base(const Services& s, const http::Request& req) {
  if (!s.config.rtmp.public_url.empty()) {
    std::string u = s.config.rtmp.public_url;
    while (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  }
  std::string host;
  if (!s.config.http.public_url.empty()) {
    std::string u = s.config.http.public_url;
    auto start = u.find("://");
    host = u.substr(start == std::string::npos ? 0 : start + 3);
    host = host.substr(0, host.find('/'));
  } else {
    host = host_header(req);
  }
  auto hp = split_host_port(s.config.rtmp.addr);
  return "rtmp://" + hostname_only(host) + ":" + std::to_string(hp ? hp->second : 1935);
}

namespace {

std::string with_query(std::string url, const std::string& q) {
  return q.empty() ? url : url + "?" + q;
}

}  // namespace

json::object render_seat(const Services& s, const http::Request& req, const std::string& room_id,
                         const rooms::Seat& seat, const std::string& viewer) {
  json::object o = rooms::seat_json(seat);
  std::string stream = rooms::stream_name(room_id, seat.user);
  int64_t expire = unix_s() + s.config.media.url_ttl_s;
  std::string http = http_base(s, req), rtmp = rtmp_base(s, req);
  std::string play = s.signer.query(stream, auth::StreamAction::play, expire);
  o["stream"] = stream;
  o["play"] = json::object{{"rtmp", with_query(rtmp + "/live/" + stream, play)},
                           {"flv", with_query(http + "/live/" + stream + ".flv", play)},
                           {"hls", with_query(http + "/live/" + stream + ".m3u8", play)},
                           {"whep", with_query(http + "/v1/whep/" + stream, play)}};
  if (seat.user == viewer) {
    std::string pub = s.signer.query(stream, auth::StreamAction::publish, expire);
    o["publish"] = json::object{{"rtmp", with_query(rtmp + "/live/" + stream, pub)},
                                {"whip", with_query(http + "/v1/whip/" + stream, pub)}};
  }
  return o;
}

json::object render_room(const Services& s, const http::Request& req, const rooms::RoomView& v,
                         const std::string& viewer) {
  json::object o = rooms::room_json(v);
  json::array seats;
  for (const auto& seat : v.seats) seats.push_back(render_seat(s, req, v.rec.id, seat, viewer));
  o["seats"] = std::move(seats);
  if (v.pk && v.pk->pk.status == "active" && !v.pk->peer_anchor.empty()) {
    rooms::Seat anchor{v.pk->peer_room, 0, v.pk->peer_anchor, false, false, false};
    auto peer_seat = render_seat(s, req, v.pk->peer_room, anchor, "");
    auto& peer = o["pk"].as_object()["peer"].as_object();
    peer["stream"] = peer_seat["stream"];
    peer["play"] = peer_seat["play"];
  }
  return o;
}

}  // namespace onair::api
