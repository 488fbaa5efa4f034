// The realtime WebSocket (REALTIME.md) and the messages servers send through it: API.md
// "Messages from servers".
#include <boost/json.hpp>

#include "api/common.hpp"
#include "api/routes.hpp"
#include "realtime/gateway.hpp"

namespace onair::api {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

// Types a server may send: its own names, not the gateway's (a server cannot forge a gift
// or a seat change); `notice` and `custom` are the usual ones.
Result<std::string> message_type(const Body& body) {
  auto type = body.string("type", 32, true);
  if (!type) return std::unexpected(type.error());
  const std::string& t = **type;
  for (char c : t)
    if (!(std::islower(uint8_t(c)) || std::isdigit(uint8_t(c)) || c == '_'))
      return fail(ErrorCode::invalid_argument, "type: lower-case letters, digits and _");
  static const char* kReserved[] = {
      "batch",       "chat",           "danmaku",     "like",          "likes",        "gift",
      "member_joined", "member_left",  "member_muted", "online",       "seat_request", "seat_invitation",
      "seat_changed", "seat_request_rejected", "seat_invitation_rejected", "pk_invitation", "pk_started",
      "pk_score",    "pk_ended",       "pk_rejected", "pk_expired",    "pk_cancelled", "room_updated",
      "room_closed", "stream_started", "stream_stopped", "signal",     "welcome",      "ack",
      "error",       "gap",            "subscribed",  "unsubscribed",  "pong",         "synced",
      "active_speaker"};
  for (const char* r : kReserved)
    if (t == r) return fail(ErrorCode::invalid_argument, "type: " + t + " is the gateway's own; use notice, custom or a name of yours");
  return t;
}

// The body as JSON text (any JSON value), at most realtime.max_frame bytes.
Result<std::string> message_body(const Services& s, const Body& body) {
  auto it = body.object().find("body");
  if (it == body.object().end()) return fail(ErrorCode::invalid_argument, "body: required");
  std::string text = json::serialize(it->value());
  if (text.size() > s.config.realtime.max_frame)
    return fail(ErrorCode::payload_too_large, "body: at most " + std::to_string(s.config.realtime.max_frame) + " bytes");
  return text;
}

// What both endpoints check first: an admin (whose token grants `room`, when the message
// goes to one room of the path), a JSON body, its type and its body.
struct ServerMessage {
  Body body;
  std::string type, text;
};
Result<ServerMessage> server_message(const Services& s, const Request& req, const std::string* room = nullptr) {
  if (room != nullptr) {
    if (auto actor = authenticate_room(s, req, *room); !actor) return std::unexpected(actor.error());
  }
  if (auto actor = authenticate_admin(s, req); !actor) return std::unexpected(actor.error());
  auto body = Body::parse(req);
  if (!body) return std::unexpected(body.error());
  auto type = message_type(*body);
  if (!type) return std::unexpected(type.error());
  auto text = message_body(s, *body);
  if (!text) return std::unexpected(text.error());
  return ServerMessage{std::move(*body), std::move(*type), std::move(*text)};
}

boost::asio::awaitable<Response> room_message(Services& s, Request& req) {
  auto msg = server_message(s, req, &req.param("id"));
  if (!msg) co_return Response::error(msg.error());
  auto seq = co_await s.realtime.room_message(req.param("id"), msg->type, msg->text);
  if (!seq) co_return Response::error(seq.error());
  co_return json_response(200, json::object{{"seq", *seq}});
}

boost::asio::awaitable<Response> push(Services& s, Request& req) {
  auto msg = server_message(s, req);
  if (!msg) co_return Response::error(msg.error());
  const std::string& type = msg->type;
  const std::string& text = msg->text;
  const json::object& o = msg->body.object();
  int targets = int(o.contains("users")) + int(o.contains("room")) + int(o.contains("all"));
  if (targets != 1) co_return Response::error(Error(ErrorCode::invalid_argument, "give exactly one of users, room, all"));
  if (auto it = o.find("users"); it != o.end()) {
    if (!it->value().is_array() || it->value().get_array().empty() || it->value().get_array().size() > 1000)
      co_return Response::error(Error(ErrorCode::invalid_argument, "users: a list of 1..1000 user ids"));
    std::vector<std::string> users;
    for (const auto& u : it->value().get_array()) {
      if (!u.is_string() || !auth::valid_user_id(u.get_string()))
        co_return Response::error(Error(ErrorCode::invalid_argument, "users: a list of 1..1000 user ids"));
      users.emplace_back(u.get_string());
    }
    uint64_t n = s.realtime.push_users(users, type, text);
    co_return json_response(200, json::object{{"users", n}});
  }
  if (auto it = o.find("room"); it != o.end()) {
    if (!it->value().is_string()) co_return Response::error(Error(ErrorCode::invalid_argument, "room: a room id"));
    auto seq = co_await s.realtime.room_message(std::string(it->value().get_string()), type, text);
    if (!seq) co_return Response::error(seq.error());
    co_return json_response(200, json::object{{"seq", *seq}});
  }
  if (!o.at("all").is_bool() || !o.at("all").get_bool())
    co_return Response::error(Error(ErrorCode::invalid_argument, "all: true"));
  s.realtime.push_all(type, text);
  co_return json_response(200, json::object{{"all", true}});
}

}  // namespace

void register_realtime_routes(http::Router& router, Services& s) {
  router.add_stream("GET", "/v1/rt",
                    [&s](Request& req, boost::asio::ip::tcp::socket& socket)
                        -> boost::asio::awaitable<std::optional<Response>> {
                      co_return co_await s.realtime.upgrade(req, socket);
                    });
  router.add("POST", "/v1/rooms/{id}/messages", [&s](Request& r) { return room_message(s, r); });
  router.add("POST", "/v1/push", [&s](Request& r) { return push(s, r); });
}

}  // namespace onair::api
