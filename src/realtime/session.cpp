#include "realtime/session.hpp"

#include <boost/asio/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <chrono>

#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "realtime/gateway.hpp"
#include "realtime/messages.hpp"
#include "realtime/word_filter.hpp"

namespace onair::realtime {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

int64_t now_ms() { return unix_ms(); }

Counter& messages_in(const std::string& type) {
  static Counter& chat = metrics().counter("onair_rt_messages_in_total", "Client messages received", {{"type", "chat"}});
  static Counter& danmaku =
      metrics().counter("onair_rt_messages_in_total", "Client messages received", {{"type", "danmaku"}});
  static Counter& other = metrics().counter("onair_rt_messages_in_total", "Client messages received", {{"type", "other"}});
  return type == "chat" ? chat : type == "danmaku" ? danmaku : other;
}

Counter& slow_drops() {
  static Counter& c = metrics().counter("onair_rt_drops_total", "Messages not delivered", {{"reason", "slow"}});
  return c;
}

Counter& bad_messages() {
  static Counter& c = metrics().counter("onair_rt_bad_messages_total", "Client messages refused as malformed");
  return c;
}

// Room ids are digits, but the gateway accepts any id of this shape (and asks the rooms
// service whether it exists).
bool valid_room_id(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!(std::isalnum(uint8_t(c)) || c == '-' || c == '_')) return false;
  return true;
}

// The optional "since" of subscribe and sync: absent or null leaves `out` empty; false when
// it is not a seq.
bool since_of(const json::object& m, std::optional<uint64_t>& out) {
  auto it = m.find("since");
  if (it == m.end() || it->value().is_null()) return true;
  if (it->value().is_uint64()) {
    out = it->value().get_uint64();
  } else if (it->value().is_int64() && it->value().get_int64() >= 0) {
    out = uint64_t(it->value().get_int64());
  } else {
    return false;
  }
  return true;
}

// Text length in characters (UTF-8 code points); the frame reader checked UTF-8.
size_t chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (uint8_t(c) & 0xc0) != 0x80;
  return n;
}

}  // namespace

Session::Session(Gateway& gateway, asio::ip::tcp::socket socket, std::string session_id, int64_t now)
    : gateway_(gateway),
      socket_(std::move(socket)),
      id_(std::move(session_id)),
      reader_(gateway.config().realtime.max_frame),
      out_(gateway.config().realtime.queue_bytes, gateway.config().realtime.queue_hard_bytes),
      created_ms_(now),
      last_heard_ms_(now),
      last_ping_ms_(now) {
  on_message_ = [this](ws::Opcode op, std::string_view payload) { on_message(op, payload); };
}

void Session::start(std::optional<auth::Claims> claims) {
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (claims) {
    claims_ = std::move(*claims);
    authenticated_ = true;
    send_text(welcome_json(id_, claims_.sub, gateway_.config().realtime.ping_interval_s));
    gateway_.on_authenticated(*this);
  }
  wait_readable();
}

void Session::wait_readable() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](boost::system::error_code ec) { self->on_readable(ec); });
}

void Session::on_readable(boost::system::error_code ec) {
  if (finished_) return;
  if (ec) return finish();
  // One read buffer per loop: an idle connection keeps none of its own.
  thread_local std::array<char, 64 * 1024> buf;
  for (int round = 0; round < 4; ++round) {
    size_t n = socket_.read_some(asio::buffer(buf), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec || n == 0) return finish();
    last_heard_ms_ = now_ms();
    if (closing_) continue;  // the close handshake is under way: the rest is ignored
    if (auto err = reader_.feed(buf.data(), n, on_message_)) {
      bad_messages().inc();
      close(err->code, err->reason);
    }
    if (finished_) return;
    if (n < buf.size()) break;
  }
  wait_readable();
}

void Session::on_message(ws::Opcode op, std::string_view payload) {
  if (closing_) return;
  switch (op) {
    case ws::Opcode::text:
      on_text(payload);
      break;
    case ws::Opcode::binary:
      close(ws::close_code::unsupported, "binary messages are not used; send JSON text");
      break;
    case ws::Opcode::ping:
      send(make_control_frame(ws::encode(ws::Opcode::pong, payload)));
      break;
    case ws::Opcode::pong:
      break;
    case ws::Opcode::close: {
      // Echo the code (RFC 6455 5.5.1); the reader has refused codes not allowed on the wire
      // and reasons that are not UTF-8, so only a valid code gets here.
      uint16_t code = ws::close_code::normal;
      if (payload.size() >= 2) code = uint16_t((uint8_t(payload[0]) << 8) | uint8_t(payload[1]));
      close(code, "");
      break;
    }
    default:
      break;
  }
}

void Session::reply_error(const std::string& id_json, std::string_view code, std::string_view message) {
  send_text(error_json(id_json, code, message));
}

void Session::on_text(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    bad_messages().inc();
    if (!authenticated_) return close(ws::close_code::unauthenticated, "the first message must be auth");
    return reply_error("", "invalid_argument", ec ? "malformed JSON: " + ec.message() : "a message is a JSON object");
  }
  const json::object& m = v.get_object();
  std::string id_json;
  if (auto it = m.find("id"); it != m.end()) {
    const json::value& id = it->value();
    bool ok = (id.is_string() && id.get_string().size() <= 64) || id.is_int64() || id.is_uint64();
    if (!ok) {
      bad_messages().inc();
      return reply_error("", "invalid_argument", "id: a string of up to 64 characters or an integer");
    }
    id_json = json::serialize(id);
  }
  auto t = m.find("type");
  if (t == m.end() || !t->value().is_string()) {
    bad_messages().inc();
    if (!authenticated_) return close(ws::close_code::unauthenticated, "the first message must be auth");
    return reply_error(id_json, "invalid_argument", "type: required string");
  }
  std::string type(t->value().get_string());
  if (!authenticated_) {
    if (type != "auth") return close(ws::close_code::unauthenticated, "the first message must be auth");
    auto tok = m.find("token");
    if (tok == m.end() || !tok->value().is_string())
      return close(ws::close_code::unauthenticated, "auth: token required");
    return authenticate(std::string_view(tok->value().get_string()), id_json);
  }
  handle(type, m, id_json);
}

void Session::authenticate(std::string_view token, const std::string& id_json) {
  auto claims = gateway_.keys().verify(token, now_ms() / 1000, gateway_.config().auth.leeway_s);
  if (!claims) return close(ws::close_code::unauthenticated, claims.error().message());
  claims_ = std::move(*claims);
  authenticated_ = true;
  send_text(welcome_json(id_, claims_.sub, gateway_.config().realtime.ping_interval_s));
  if (!id_json.empty()) send_text(ack_json(id_json, 0));
  gateway_.on_authenticated(*this);
}

void Session::handle(const std::string& type, const json::object& m, const std::string& id_json) {
  const RealtimeConfig& rc = gateway_.config().realtime;
  const auth::Grants& g = claims_.grants;
  auto str = [&](const char* key) -> const json::string* {
    auto it = m.find(key);
    return it != m.end() && it->value().is_string() ? &it->value().get_string() : nullptr;
  };
  auto room_of = [&](std::string& room) -> bool {
    const json::string* r = str("room");
    if (!r || !valid_room_id(*r)) {
      reply_error(id_json, "invalid_argument", "room: required, 1..64 of [A-Za-z0-9_-]");
      return false;
    }
    room.assign(r->data(), r->size());
    return true;
  };
  std::string room;

  if (type == "ping") {
    std::string pong = R"({"type":"pong")";
    if (!id_json.empty()) pong += R"(,"id":)" + id_json;
    send_text(pong + "}");
    return;
  }
  if (type == "auth") return reply_error(id_json, "invalid_argument", "already authenticated");
  if (type == "subscribe") {
    if (!room_of(room)) return;
    if (!g.subscribe || !g.allows_room(room))
      return reply_error(id_json, "permission_denied", "the token does not grant subscribe on room " + room);
    std::optional<uint64_t> since;
    if (!since_of(m, since)) return reply_error(id_json, "invalid_argument", "since: a seq (integer >= 0)");
    bool already = false;
    for (const auto& r : rooms) already |= r.first == room;
    if (!already && rooms.size() >= rc.max_subscriptions)
      return reply_error(id_json, "rate_limited",
                         "at most " + std::to_string(rc.max_subscriptions) + " rooms per connection");
    return gateway_.subscribe(*this, room, since, id_json);
  }
  if (type == "unsubscribe") {
    if (!room_of(room)) return;
    return gateway_.unsubscribe(*this, room, id_json);
  }
  if (type == "chat" || type == "danmaku" || type == "custom" || type == "like") {
    messages_in(type).inc();
    if (!room_of(room)) return;
    if (!g.chat || !g.allows_room(room))
      return reply_error(id_json, "permission_denied", "the token does not grant chat on room " + room);
    if (type == "like") {
      int64_t count = 1;
      if (auto it = m.find("count"); it != m.end()) {
        if (!it->value().is_int64() || it->value().get_int64() < 1 || it->value().get_int64() > 1000)
          return reply_error(id_json, "invalid_argument", "count: must be 1..1000");
        count = it->value().get_int64();
      }
      if (!own_rate_.take(rc.user_rate, rc.user_burst, now_ms()))
        return reply_error(id_json, "rate_limited", "too many likes; send a count instead");
      return gateway_.like(*this, room, count, id_json);
    }
    std::string rest = R"(,"from":{"id":)";
    append_json_string(rest, claims_.sub);
    rest += R"(,"name":)";
    append_json_string(rest, claims_.name);
    rest += '}';
    if (type == "custom") {
      auto it = m.find("data");
      if (it == m.end()) return reply_error(id_json, "invalid_argument", "data: required");
      rest += R"(,"data":)" + json::serialize(it->value()) + "}";
      return gateway_.publish(*this, room, type, std::move(rest), id_json);
    }
    const json::string* text = str("text");
    if (!text || text->empty()) return reply_error(id_json, "invalid_argument", "text: required, not empty");
    if (chars(*text) > rc.max_text)
      return reply_error(id_json, "invalid_argument",
                         "text: at most " + std::to_string(rc.max_text) + " characters");
    std::string body(text->data(), text->size());
    if (!gateway_.words().apply(body))
      return reply_error(id_json, "invalid_argument", "text: contains a word that is not allowed");
    rest += R"(,"text":)";
    append_json_string(rest, body);
    if (type == "danmaku") {
      if (const json::string* color = str("color")) {
        bool ok = color->size() == 7 && (*color)[0] == '#';
        for (size_t i = 1; ok && i < 7; ++i) ok = std::isxdigit(uint8_t((*color)[i]));
        if (!ok) return reply_error(id_json, "invalid_argument", "color: #rrggbb");
        rest += R"(,"color":)";
        append_json_string(rest, *color);
      } else if (m.contains("color")) {
        return reply_error(id_json, "invalid_argument", "color: #rrggbb");
      }
      std::string mode = "scroll";
      if (auto it = m.find("mode"); it != m.end()) {
        const json::value& mv = it->value();
        if (!mv.is_string() || !(mv.get_string() == "scroll" || mv.get_string() == "top" || mv.get_string() == "bottom"))
          return reply_error(id_json, "invalid_argument", "mode: scroll, top or bottom");
        mode = std::string(mv.get_string());
      }
      rest += R"(,"mode":")" + mode + "\"";
    }
    rest += '}';
    return gateway_.publish(*this, room, type, std::move(rest), id_json);
  }
  if (type == "signal") {
    messages_in(type).inc();
    const json::string* to = str("to");
    if (!to || !auth::valid_user_id(*to)) return reply_error(id_json, "invalid_argument", "to: a user id");
    if (!g.chat) return reply_error(id_json, "permission_denied", "the token does not grant chat");
    auto it = m.find("data");
    if (it == m.end()) return reply_error(id_json, "invalid_argument", "data: required");
    if (!own_rate_.take(rc.user_rate, rc.user_burst, now_ms()))
      return reply_error(id_json, "rate_limited", "too many signals; slow down");
    return gateway_.signal(*this, std::string(to->data(), to->size()), json::serialize(it->value()), id_json);
  }
  if (type == "sync") {
    std::optional<uint64_t> since;
    if (!since_of(m, since)) return reply_error(id_json, "invalid_argument", "since: a seq (integer >= 0)");
    return gateway_.sync(*this, since.value_or(0), id_json);
  }
  bad_messages().inc();
  reply_error(id_json, "invalid_argument", "unknown type: " + type);
}

void Session::send(const OutFramePtr& f) {
  if (finished_ || closing_) return;
  uint64_t dropped = out_.dropped_batches();
  bool ok = out_.push(f);
  if (out_.dropped_batches() != dropped) slow_drops().inc(out_.dropped_batches() - dropped);
  if (!ok) return close(ws::close_code::too_slow, "too slow: the connection does not keep up");
  write();
}

void Session::send_text(const std::string& json) { send(make_control_frame(ws::encode(ws::Opcode::text, json))); }

void Session::write() {
  while (!writing_ && !out_.empty() && !finished_) {
    size_t n = out_.gather(bufs_);
    if (n == 0) {  // only dropped entries
      out_.written();
      continue;
    }
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) total += bufs_[i].size();
    for (size_t i = n; i < bufs_.size(); ++i) bufs_[i] = asio::const_buffer();
    // Most writes go out whole at once: one writev, no async operation, no handler.
    boost::system::error_code ec;
    size_t done = socket_.write_some(bufs_, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      ec = {};
      done = 0;
    }
    if (ec) {
      // Not from inside send(): the caller may be walking a list this session is in.
      asio::post(socket_.get_executor(), [self = shared_from_this()] { self->finish(); });
      writing_ = true;  // nothing more until then
      return;
    }
    if (done == total) {
      out_.written();
      if (closing_ && out_.empty()) return on_written({});
      continue;
    }
    // The kernel took part of it: the rest waits for the socket.
    for (auto& b : bufs_) {
      size_t skip = std::min(done, b.size());
      b += skip;
      done -= skip;
    }
    writing_ = true;
    write_started_ms_ = now_ms();
    asio::async_write(socket_, bufs_, [self = shared_from_this()](boost::system::error_code ec, size_t) {
      self->writing_ = false;
      if (self->finished_) return;
      if (ec) return self->finish();
      self->out_.written();
      self->on_written({});
    });
    return;
  }
}

// After a write finished: the close handshake's end, or the next write.
void Session::on_written(boost::system::error_code) {
  if (closing_ && out_.empty()) {
    // The close frame is out: stop sending and wait for the client to close (RFC 6455 7.1.1).
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  write();
}

void Session::close(uint16_t code, std::string reason) {
  if (closing_ || finished_) return;
  // Anything not yet on its way is moot; the close frame goes next.
  out_.clear_pending();
  out_.push(make_control_frame(ws::encode_close(code, reason)));
  closing_ = true;
  close_started_ms_ = now_ms();
  write();
}

void Session::sweep(int64_t now) {
  if (finished_) return;
  const RealtimeConfig& rc = gateway_.config().realtime;
  if (closing_) {
    if (now - close_started_ms_ > 2000) finish();
    return;
  }
  if (writing_ && now - write_started_ms_ > int64_t(rc.idle_timeout_s) * 1000) {
    // Not a byte accepted for that long: the client is gone or stopped reading.
    finish();
    return;
  }
  if (!authenticated_) {
    if (now - created_ms_ > int64_t(rc.auth_timeout_ms))
      close(ws::close_code::unauthenticated, "authentication timeout: send auth first");
    return;
  }
  if (now - last_heard_ms_ > int64_t(rc.idle_timeout_s) * 1000) return close(ws::close_code::going_away, "idle timeout");
  if (now - last_ping_ms_ >= int64_t(rc.ping_interval_s) * 1000) {
    last_ping_ms_ = now;
    static const OutFramePtr ping = make_control_frame(ws::encode(ws::Opcode::ping, ""));
    send(ping);
  }
}

void Session::finish() {
  if (finished_) return;
  finished_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
  gateway_.on_closed(*this);
}

}  // namespace onair::realtime
