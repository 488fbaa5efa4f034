#include "media/rtmp/rtmp_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/rand.h>

#include <atomic>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "http/message.hpp"
#include "media/flv/flv.hpp"
#include "media/rtmp/handshake.hpp"

namespace onair::rtmp {
namespace asio = boost::asio;
using amf0::Value;

namespace {

constexpr uint32_t kWindowAck = 2500000;

Gauge& publishers_gauge() {
  static Gauge& g = metrics().gauge("onair_media_publishers", "Streams being published", {{"protocol", "rtmp"}});
  return g;
}
Gauge& players_gauge() {
  static Gauge& g = metrics().gauge("onair_media_players", "Players connected", {{"protocol", "rtmp"}});
  return g;
}
Counter& bytes_in_total() {
  static Counter& c = metrics().counter("onair_media_bytes_in_total", "Media bytes received from publishers");
  return c;
}
Counter& refusals(const std::string& reason) {
  return metrics().counter("onair_media_refusals_total", "Publish or play attempts refused", {{"reason", reason}});
}
Counter& protocol_errors() {
  static Counter& c = metrics().counter("onair_rtmp_protocol_errors_total", "RTMP connections closed for bad input");
  return c;
}
Counter& budget_closes(const char* reason) {
  return metrics().counter("onair_rtmp_limit_closes_total",
                           "RTMP connections closed for holding too much or taking too long", {{"reason", reason}});
}

// Bytes every RTMP connection of this process holds in unparsed input and partial messages
// (rtmp.max_inflight_bytes bounds it). Changed once per read, not per chunk.
std::atomic<uint64_t> inflight_bytes{0};

// "name?expire=..&sign=.." -> name, expire, sign.
struct StreamRequest {
  std::string name, expire, sign;
};
StreamRequest split_stream(const std::string& raw, const std::string& app_query) {
  StreamRequest r;
  auto q = raw.find('?');
  r.name = raw.substr(0, q);
  http::Request fake;
  fake.query = q == std::string::npos ? app_query : raw.substr(q + 1);
  r.expire = fake.query_param("expire").value_or("");
  r.sign = fake.query_param("sign").value_or("");
  return r;
}

}  // namespace

RtmpSession::RtmpSession(asio::ip::tcp::socket socket, asio::io_context& loop, const Config& config,
                         media::StreamHub& hub, const media::StreamAccess& access)
    : socket_(std::move(socket)),
      loop_(loop),
      config_(config),
      hub_(hub),
      access_(access),
      reader_(ChunkLimits{config.rtmp.max_message_bytes, 64, config.rtmp.preauth_bytes}),
      out_(loop.get_executor(), config.media.queue_soft_bytes, config.media.queue_hard_bytes, config.media.merge_ms,
           config.media.player_stall_s * 1000),
      watchdog_(loop) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  peer_ = ec ? "?" : ep.address().to_string() + ":" + std::to_string(ep.port());
}

RtmpSession::~RtmpSession() { inflight_bytes.fetch_sub(held_); }

// A connection may hold rtmp.preauth_bytes of unparsed input and partial messages unless it
// publishes (players send nothing big either); a publisher rtmp.max_buffer_bytes; all of them
// together rtmp.max_inflight_bytes (the connection that grows past it is closed). The
// reason when `held` breaks a bound, else nullptr.
const char* RtmpSession::hold(size_t held) {
  size_t budget = publishing_ ? config_.rtmp.max_buffer_bytes : config_.rtmp.preauth_bytes;
  if (held > budget) return publishing_ ? "buffer" : authorised_ ? "player_buffer" : "preauth_buffer";
  uint64_t total = held >= held_ ? inflight_bytes.fetch_add(held - held_) + (held - held_)
                                 : inflight_bytes.fetch_sub(held_ - held) - (held_ - held);
  bool grew = held > held_;
  held_ = held;
  if (grew && total > config_.rtmp.max_inflight_bytes) return "server_buffer";
  return nullptr;
}

void RtmpSession::authorised() {
  authorised_ = true;
  if (publishing_) reader_.set_max_buffered(config_.rtmp.max_buffer_bytes);
}

void RtmpSession::close() {
  if (closing_) return;
  closing_ = true;
  out_.close();
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

asio::awaitable<Result<void>> RtmpSession::handshake() {
  std::array<uint8_t, 1 + kHandshakeSize> c0c1;
  auto [ec, n] = co_await asio::async_read(socket_, asio::buffer(c0c1), asio::as_tuple(asio::use_awaitable));
  if (ec) co_return fail(ErrorCode::invalid_argument, "handshake: " + ec.message());
  std::string random(2 * kHandshakeSize, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), int(random.size()));
  auto reply = server_handshake(c0c1, random, uint32_t(unix_ms()));
  if (!reply) co_return std::unexpected(reply.error());
  out_.push_control(std::move(reply->s0s1s2));
  std::array<uint8_t, kHandshakeSize> c2;
  auto [ec2, n2] = co_await asio::async_read(socket_, asio::buffer(c2), asio::as_tuple(asio::use_awaitable));
  if (ec2) co_return fail(ErrorCode::invalid_argument, "handshake: " + ec2.message());
  co_return Result<void>{};
}

asio::awaitable<void> RtmpSession::run() {
  auto self = shared_from_this();
  asio::co_spawn(loop_, [self]() -> asio::awaitable<void> {
    co_await self->out_.run(self->socket_);
    // The writer stopped (socket error, a refusal sent, a stalled player): the session is over.
    if (!self->out_.close_reason().empty())
      spdlog::info("rtmp: closing peer={} reason={}", self->peer_, self->out_.close_reason());
    self->close();
  }, asio::detached);

  // A watchdog: a connection must be publishing or playing soon after it connects (a byte
  // now and then does not keep it), and the handshake and publishers must keep talking.
  // Players are watched by their queue (media.player_stall_s).
  last_read_ = std::chrono::steady_clock::now();
  asio::co_spawn(loop_, [self]() -> asio::awaitable<void> {
    auto connected = std::chrono::steady_clock::now();
    while (!self->closing_) {
      self->watchdog_.expires_after(std::chrono::seconds(1));
      auto [ec] = co_await self->watchdog_.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec || self->closing_) break;
      auto now = std::chrono::steady_clock::now();
      if (!self->authorised_ && now - connected > std::chrono::seconds(self->config_.rtmp.auth_timeout_s)) {
        budget_closes("auth_timeout").inc();
        spdlog::info("rtmp: closing peer={} reason=no publish or play within rtmp.auth_timeout_s ({} s)", self->peer_,
                     self->config_.rtmp.auth_timeout_s);
        self->close();
        break;
      }
      bool must_talk = self->play_ == nullptr;
      if (must_talk && now - self->last_read_ > std::chrono::seconds(self->config_.rtmp.timeout_s)) {
        spdlog::info("rtmp: closing silent connection peer={}", self->peer_);
        self->close();
      }
    }
  }, asio::detached);

  if (auto hs = co_await handshake(); !hs) {
    protocol_errors().inc();
    spdlog::info("rtmp: {} peer={}", hs.error().message(), peer_);
    close();
  }
  std::string pending;
  size_t offset = 0;
  std::vector<uint8_t> buf(64 * 1024);
  while (!closing_) {
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    last_read_ = std::chrono::steady_clock::now();
    bytes_in_ += n;
    if (publishing_) bytes_in_total().inc(n);
    if (bytes_in_ - last_ack_ >= peer_window_) {
      last_ack_ = bytes_in_;
      out_.push_control(acknowledgement_message(uint32_t(bytes_in_)));
    }
    pending.append(reinterpret_cast<const char*>(buf.data()), n);
    bool failed = false;
    while (!closing_) {
      std::optional<Message> msg;
      auto used = reader_.parse(
          std::span(reinterpret_cast<const uint8_t*>(pending.data()) + offset, pending.size() - offset), msg);
      if (!used) {
        protocol_errors().inc();
        spdlog::info("rtmp: closing peer={} error={}", peer_, used.error().message());
        failed = true;
        break;
      }
      if (*used == 0) break;
      offset += *used;
      if (msg) {
        if (auto r = handle(*msg); !r) {
          protocol_errors().inc();
          spdlog::info("rtmp: closing peer={} error={}", peer_, r.error().message());
          failed = true;
          break;
        }
        // Nothing after a publish is read until its access check answers.
        if (pending_publish_) co_await finish_publish();
      }
    }
    if (failed) break;
    if (offset > 0 && offset * 2 >= pending.size()) {
      pending.erase(0, offset);
      offset = 0;
    }
    if (const char* over = hold(pending.size() - offset + reader_.buffered())) {
      budget_closes(over).inc();
      std::string_view why = over;
      spdlog::info("rtmp: closing peer={} reason={} ({} bytes of unfinished input held)", peer_,
                   why == "server_buffer" ? "every connection together holds rtmp.max_inflight_bytes"
                   : why == "buffer"      ? "over rtmp.max_buffer_bytes"
                   : why == "player_buffer" ? "a player holds over rtmp.preauth_bytes"
                                            : "over rtmp.preauth_bytes before publish or play",
                   pending.size() - offset + reader_.buffered());
      break;
    }
  }
  hold(0);
  stop_role();
  if (!out_.closed()) {
    // Let a refusal status reach the client before the socket goes.
    out_.close_when_drained();
  }
  watchdog_.cancel();
}

void RtmpSession::stop_role() {
  if (publishing_) {
    publishing_ = false;
    publishers_gauge().add(-1);
    spdlog::info("rtmp: unpublish stream={} peer={}", ticket_.stream->name(), peer_);
    hub_.stop_publish(ticket_);
  }
  if (play_) {
    play_->detach(this, loop_);
    hub_.release(play_);
    players_gauge().add(-1);
    play_.reset();
  }
}

void RtmpSession::send_command(uint32_t csid, uint32_t stream_id, const std::vector<Value>& values, uint8_t type) {
  std::string body;
  for (const auto& v : values) amf0::encode(body, v);
  std::string wire;
  write_message(wire, csid, type, stream_id, 0, body, media::kRtmpOutChunkSize);
  out_.push_control(std::move(wire));
}

void RtmpSession::send_status(uint32_t stream_id, const std::string& level, const std::string& code,
                              const std::string& description) {
  send_command(5, stream_id,
               {Value::str("onStatus"), Value::num(0), Value::null_value(),
                Value::object_of({{"level", Value::str(level)}, {"code", Value::str(code)},
                                  {"description", Value::str(description)}})});
}

Result<void> RtmpSession::refuse(uint32_t stream_id, const std::string& code, const std::string& description) {
  send_status(stream_id, "error", code, description);
  out_.close_when_drained();
  closing_ = true;
  return {};
}

Result<void> RtmpSession::handle(Message& msg) {
  switch (msg.type) {
    case kSetChunkSize: {
      if (msg.payload.size() < 4) return fail(ErrorCode::invalid_argument, "short Set Chunk Size");
      auto p = reinterpret_cast<const uint8_t*>(msg.payload.data());
      return reader_.set_chunk_size(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
    }
    case kAbort: {
      if (msg.payload.size() < 4) return fail(ErrorCode::invalid_argument, "short Abort");
      auto p = reinterpret_cast<const uint8_t*>(msg.payload.data());
      reader_.abort(uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
      return {};
    }
    case kWindowAckSize: {
      if (msg.payload.size() < 4) return fail(ErrorCode::invalid_argument, "short Window Acknowledgement Size");
      auto p = reinterpret_cast<const uint8_t*>(msg.payload.data());
      peer_window_ = std::max<uint32_t>(4096, uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]);
      return {};
    }
    case kAcknowledgement:
    case kSetPeerBandwidth:
      return {};
    case kUserControl: {
      if (msg.payload.size() < 6) return {};
      auto p = reinterpret_cast<const uint8_t*>(msg.payload.data());
      uint16_t event = uint16_t(p[0] << 8 | p[1]);
      if (event == 6)  // PingRequest: answer with its timestamp (7.1.7)
        out_.push_control(ping_response_message(uint32_t(p[2]) << 24 | uint32_t(p[3]) << 16 | uint32_t(p[4]) << 8 | p[5]));
      return {};
    }
    case kCommandAmf0:
    case kCommandAmf3: {
      std::span<const uint8_t> body(reinterpret_cast<const uint8_t*>(msg.payload.data()), msg.payload.size());
      if (msg.type == kCommandAmf3 && !body.empty()) body = body.subspan(1);  // AMF3 command: AMF0 after a 0 byte
      auto args = amf0::decode_all(body);
      if (!args) return std::unexpected(std::move(args.error()).with_context("command"));
      return handle_command(*args, msg.stream_id);
    }
    case kDataAmf0:
    case kDataAmf3: {
      std::span<const uint8_t> body(reinterpret_cast<const uint8_t*>(msg.payload.data()), msg.payload.size());
      if (msg.type == kDataAmf3 && !body.empty()) body = body.subspan(1);
      auto args = amf0::decode_all(body);
      if (!args) return std::unexpected(std::move(args.error()).with_context("data message"));
      return handle_data(*args);
    }
    case kAudio:
    case kVideo:
      return handle_media(msg);
    case kAggregate: {
      // FLV tags back to back (7.1.6); their timestamps are relative to the first one.
      if (!publishing_) return {};
      std::span<const uint8_t> rest(reinterpret_cast<const uint8_t*>(msg.payload.data()), msg.payload.size());
      bool first = true;
      uint32_t first_ts = 0;
      while (!rest.empty()) {
        flv::Tag tag;
        auto used = flv::read_tag(rest, tag, config_.rtmp.max_message_bytes);
        if (!used || *used == 0) return fail(ErrorCode::invalid_argument, "malformed aggregate message");
        if (first) {
          first_ts = tag.timestamp;
          first = false;
        }
        if (tag.type == flv::kAudio || tag.type == flv::kVideo) {
          Message sub{msg.csid, tag.type, msg.stream_id, msg.timestamp + (tag.timestamp - first_ts),
                      std::string(tag.body.begin(), tag.body.end())};
          if (auto r = handle_media(sub); !r) return r;
        }
        rest = rest.subspan(*used);
      }
      return {};
    }
    default:
      return {};  // shared objects and the like: ignored
  }
}

Result<void> RtmpSession::handle_command(const std::vector<Value>& args, uint32_t stream_id) {
  if (args.empty() || args[0].type != amf0::Type::string) return fail(ErrorCode::invalid_argument, "command without a name");
  const std::string& name = args[0].string;
  double txid = args.size() > 1 && args[1].type == amf0::Type::number ? args[1].number : 0;
  auto arg_string = [&](size_t i) -> std::string {
    return args.size() > i && args[i].type == amf0::Type::string ? args[i].string : "";
  };
  if (name == "connect") {
    if (args.size() < 3 || args[2].type != amf0::Type::object)
      return fail(ErrorCode::invalid_argument, "connect without a command object");
    return on_connect(txid, args[2]);
  }
  if (app_.empty()) return fail(ErrorCode::invalid_argument, "command " + name + " before connect");
  if (name == "createStream") {
    send_command(3, 0, {Value::str("_result"), Value::num(txid), Value::null_value(), Value::num(1)});
    return {};
  }
  if (name == "releaseStream" || name == "FCPublish" || name == "FCUnpublish") {
    if (name == "FCUnpublish" && publishing_) stop_role();
    if (txid != 0) send_command(3, 0, {Value::str("_result"), Value::num(txid), Value::null_value(), Value()});
    return {};
  }
  if (name == "publish") return on_publish(txid, stream_id, arg_string(3));
  if (name == "play") return on_play(txid, stream_id, arg_string(3));
  if (name == "deleteStream" || name == "closeStream") {
    stop_role();
    return {};
  }
  if (name == "getStreamLength") {
    send_command(3, 0, {Value::str("_result"), Value::num(txid), Value::null_value(), Value::num(0)});
    return {};
  }
  if (name == "_checkbw") {
    send_command(3, 0, {Value::str("_result"), Value::num(txid), Value::null_value(), Value()});
    return {};
  }
  // Unknown commands get an _error so clients waiting on a transaction do not hang.
  if (txid != 0)
    send_command(3, 0, {Value::str("_error"), Value::num(txid), Value::null_value(),
                        Value::object_of({{"level", Value::str("error")},
                                          {"code", Value::str("NetConnection.Call.Failed")},
                                          {"description", Value::str("unknown command " + name)}})});
  return {};
}

Result<void> RtmpSession::on_connect(double txid, const Value& cmd) {
  std::string app = cmd.get_string("app").value_or("");
  // The app may carry the signature query (rtmp://host/live?expire=..&sign=../stream).
  auto q = app.find('?');
  std::string app_name = app.substr(0, q);
  while (!app_name.empty() && app_name.back() == '/') app_name.pop_back();
  if (app_name != "live") {
    send_command(3, 0, {Value::str("_error"), Value::num(txid), Value::null_value(),
                        Value::object_of({{"level", Value::str("error")},
                                          {"code", Value::str("NetConnection.Connect.Rejected")},
                                          {"description", Value::str("unknown app; use rtmp://host/live/<stream>")}})});
    out_.close_when_drained();
    closing_ = true;
    return {};
  }
  app_ = app;
  out_.push_control(window_ack_size_message(kWindowAck));
  out_.push_control(set_peer_bandwidth_message(kWindowAck, 2));
  out_.push_control(set_chunk_size_message(media::kRtmpOutChunkSize));
  send_command(3, 0, {Value::str("_result"), Value::num(txid),
                      Value::object_of({{"fmsVer", Value::str("FMS/3,5,7,7009")}, {"capabilities", Value::num(31)}}),
                      Value::object_of({{"level", Value::str("status")},
                                        {"code", Value::str("NetConnection.Connect.Success")},
                                        {"description", Value::str("Connection succeeded.")},
                                        {"objectEncoding", Value::num(cmd.get_number("objectEncoding").value_or(0))}})});
  return {};
}

Result<void> RtmpSession::on_publish(double, uint32_t stream_id, const std::string& raw) {
  if (publishing_ || play_ || pending_publish_) return fail(ErrorCode::invalid_argument, "publish on a busy connection");
  auto q = app_.find('?');
  auto req = split_stream(raw, q == std::string::npos ? "" : app_.substr(q + 1));
  if (!auth::valid_stream_name(req.name)) {
    refusals("bad_name").inc();
    return refuse(stream_id, "NetStream.Publish.BadName", "invalid stream name");
  }
  if (auto ok = access_.check_signature(req.name, auth::StreamAction::publish, req.expire, req.sign); !ok) {
    spdlog::info("rtmp: publish refused stream={} peer={} reason={}", req.name, peer_, ok.error().message());
    return refuse(stream_id, "NetStream.Publish.Unauthorized", ok.error().message());
  }
  pending_publish_ = PendingPublish{stream_id, req.name};
  return {};
}

// A seat's stream: the seat is checked, then the stream taken (not yet live), then the seat
// checked again, so a seat lost at any moment either refuses this publish or finds the
// publisher registered and kicks it. The first check keeps an unseated user from taking over
// (media.takeover) the stream of the one who is seated.
asio::awaitable<void> RtmpSession::finish_publish() {
  PendingPublish p = std::move(*pending_publish_);
  auto self = shared_from_this();  // the checks may outlast a close
  auto refuse_seat = [&](const Error& e) {
    spdlog::info("rtmp: publish refused stream={} peer={} reason={}", p.name, peer_, e.message());
    (void)refuse(p.stream_id, "NetStream.Publish.Unauthorized", e.message());
  };
  auto ok = co_await access_.may_publish(p.name);
  if (closing_ || !ok) {
    pending_publish_.reset();
    if (!closing_) refuse_seat(ok.error());
    co_return;
  }
  std::weak_ptr<RtmpSession> weak = weak_from_this();
  asio::io_context* loop = &loop_;
  media::PublishRequest request;
  request.loop = loop;
  request.takeover = config_.media.takeover;
  request.kick = [weak, loop] {
    asio::post(*loop, [weak] {
      if (auto s = weak.lock()) {
        spdlog::info("rtmp: closing peer={} reason=publish stopped (taken over, kicked, or the seat was lost)", s->peer_);
        s->close();
      }
    });
  };
  request.announce = false;
  auto ticket = hub_.start_publish(p.name, std::move(request));
  if (!ticket) {
    pending_publish_.reset();
    refusals("busy").inc();
    (void)refuse(p.stream_id, "NetStream.Publish.BadName", ticket.error().message());
    co_return;
  }
  if (media::seat_of_stream(p.name)) ok = co_await access_.may_publish(p.name);
  pending_publish_.reset();
  if (closing_ || !ok) {
    hub_.stop_publish(*ticket);
    if (!closing_) refuse_seat(ok.error());
    co_return;
  }
  start_publishing(p.stream_id, p.name, *ticket);
}

void RtmpSession::start_publishing(uint32_t stream_id, const std::string& name, const media::StreamHub::Ticket& ticket) {
  ticket_ = ticket;
  publishing_ = true;
  authorised();
  hub_.announce(ticket_);
  publish_stream_id_ = stream_id;
  publishers_gauge().add(1);
  spdlog::info("rtmp: publish stream={} peer={}", name, peer_);
  out_.push_control(user_control_message(0, stream_id));  // StreamBegin
  send_status(stream_id, "status", "NetStream.Publish.Start", name + " is now published.");
}

Result<void> RtmpSession::on_play(double, uint32_t stream_id, const std::string& raw) {
  if (publishing_ || play_) return fail(ErrorCode::invalid_argument, "play on a busy connection");
  auto q = app_.find('?');
  auto req = split_stream(raw, q == std::string::npos ? "" : app_.substr(q + 1));
  if (!auth::valid_stream_name(req.name)) {
    refusals("bad_name").inc();
    return refuse(stream_id, "NetStream.Play.StreamNotFound", "invalid stream name");
  }
  if (auto ok = access_.check_signature(req.name, auth::StreamAction::play, req.expire, req.sign); !ok)
    return refuse(stream_id, "NetStream.Play.Failed", ok.error().message());
  if (std::string why = hub_.refusal(req.name); !why.empty()) {
    refusals("codec").inc();
    return refuse(stream_id, "NetStream.Play.Failed", why);
  }
  play_stream_id_ = stream_id;
  authorised();
  out_.push_control(user_control_message(0, stream_id));  // StreamBegin
  send_status(stream_id, "status", "NetStream.Play.Reset", "Playing and resetting " + req.name + ".");
  send_status(stream_id, "status", "NetStream.Play.Start", "Started playing " + req.name + ".");
  send_command(5, stream_id, {Value::str("|RtmpSampleAccess"), Value::boolean_of(true), Value::boolean_of(true)}, kDataAmf0);
  play_ = hub_.stream_for_play(req.name);
  players_gauge().add(1);
  size_t replayed = play_->attach(this, loop_);
  spdlog::info("rtmp: play stream={} peer={} gop_frames={}", req.name, peer_, replayed);
  return {};
}

Result<void> RtmpSession::handle_data(const std::vector<Value>& args) {
  if (!publishing_ || args.empty() || args[0].type != amf0::Type::string) return {};
  size_t i = args[0].string == "@setDataFrame" ? 1 : 0;
  if (args.size() <= i + 1 || args[i].type != amf0::Type::string || args[i].string != "onMetaData") return {};
  const Value& meta = args[i + 1];
  std::string body;
  amf0::encode(body, Value::str("onMetaData"));
  amf0::encode(body, meta);
  auto frame = media::make_frame(media::FrameKind::script, 0, false, false, std::move(body));
  ticket_.stream->set_metadata(frame, int(meta.get_number("width").value_or(0)), int(meta.get_number("height").value_or(0)),
                               meta.get_number("framerate").value_or(meta.get_number("fps").value_or(0)));
  return {};
}

Result<void> RtmpSession::handle_media(Message& msg) {
  if (!publishing_) return {};  // media before publish: ignored, as other servers do
  std::span<const uint8_t> body(reinterpret_cast<const uint8_t*>(msg.payload.data()), msg.payload.size());
  if (body.empty()) return {};
  bool keyframe = false, seq = false;
  int32_t composition = 0;
  media::Codec codec = media::Codec::other;
  if (msg.type == kVideo) {
    auto v = flv::parse_video(body);
    if (!v) return {};  // a broken frame is dropped, the stream goes on
    keyframe = v->keyframe;
    seq = v->sequence_header;
    composition = v->composition_time;
    codec = flv::to_codec(v->codec);
  } else {
    auto a = flv::parse_audio(body);
    if (!a) return {};
    seq = a->sequence_header;
    codec = flv::to_codec(a->codec);
  }
  auto frame = media::make_frame(msg.type == kVideo ? media::FrameKind::video : media::FrameKind::audio, msg.timestamp,
                                 keyframe, seq, std::move(msg.payload), codec);
  frame->composition_ms = composition;
  ticket_.stream->publish_frame(std::move(frame));
  return {};
}

void RtmpSession::on_frame(const media::FramePtr& f) {
  if (closing_ || !play_) return;
  uint32_t ts = timeline_.next(*f);
  const std::string& bytes = f->rtmp_bytes();
  bool extended = ts >= 0xFFFFFF;
  uint8_t type = uint8_t(f->kind);
  uint32_t csid = media::rtmp_csid(f->kind);
  if (extended && f->payload.size() > media::kRtmpOutChunkSize) {
    // Type-3 headers would need this player's timestamp: encode for this player alone.
    auto own = std::make_shared<std::string>();
    write_message(*own, csid, type, play_stream_id_, ts, f->payload, media::kRtmpOutChunkSize);
    if (!out_.push_frame_owned(f, std::move(own))) close();
    return;
  }
  char head[16];
  size_t n = 0;
  head[n++] = char(csid);  // type 0, csid < 64
  uint32_t t = extended ? 0xFFFFFF : ts;
  head[n++] = char(t >> 16);
  head[n++] = char(t >> 8);
  head[n++] = char(t);
  uint32_t len = uint32_t(f->payload.size());
  head[n++] = char(len >> 16);
  head[n++] = char(len >> 8);
  head[n++] = char(len);
  head[n++] = char(type);
  for (int i = 0; i < 4; ++i) head[n++] = char((play_stream_id_ >> (8 * i)) & 0xff);
  if (extended) {
    head[n++] = char(ts >> 24);
    head[n++] = char(ts >> 16);
    head[n++] = char(ts >> 8);
    head[n++] = char(ts);
  }
  if (!out_.push_frame(f, bytes, std::string_view(head, n), {})) {
    spdlog::info("rtmp: closing player peer={} reason={}", peer_, out_.close_reason());
    // Close later on this loop: a sink never detaches inside on_frame.
    asio::post(loop_, [self = shared_from_this()] { self->close(); });
  }
}

void RtmpSession::on_unpublish() {
  if (closing_ || !play_) return;
  out_.push_control(user_control_message(1, play_stream_id_));  // StreamEOF
  send_status(play_stream_id_, "status", "NetStream.Play.UnpublishNotify", "The publisher left.");
  timeline_.republished();
  out_.republished();
}

}  // namespace onair::rtmp
