// Rooms and members: API.md "Rooms".
#include <boost/json.hpp>

#include "api/common.hpp"
#include "api/routes.hpp"
#include "rooms/json.hpp"

namespace onair::api {
namespace json = boost::json;
using http::Request;
using http::Response;
using Awaitable = boost::asio::awaitable<Response>;

namespace {

Awaitable create_room(Services& s, Request& req) {
  auto actor = authenticate(s, req);
  if (!actor) co_return Response::error(actor.error());
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  rooms::CreateRoom cr;
  auto kind = body->string("kind", 16, true);
  if (!kind) co_return Response::error(kind.error());
  cr.kind = **kind;
  if (cr.kind != "live" && cr.kind != "call" && cr.kind != "meeting")
    co_return Response::error(Error(ErrorCode::invalid_argument, "kind: must be live, call or meeting"));
  auto title = body->string("title", s.config.rooms.max_title_chars, false);
  if (!title) co_return Response::error(title.error());
  cr.title = title->value_or("");
  auto max_members = body->integer("max_members", 1, INT32_MAX, false);
  if (!max_members) co_return Response::error(max_members.error());
  cr.max_members = *max_members;
  auto max_seats = body->integer("max_seats", 0, INT32_MAX, false);
  if (!max_seats) co_return Response::error(max_seats.error());
  cr.max_seats = *max_seats;
  auto metadata = body->object_text("metadata", s.config.rooms.max_metadata_bytes);
  if (!metadata) co_return Response::error(metadata.error());
  if (*metadata) cr.metadata = **metadata;
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.create_room(*actor, cr, unix_ms()); });
  if (!r) co_return Response::error(r.error());
  co_return json_response(201, render_room(s, req, *r, actor->user));
}

Awaitable list_rooms(Services& s, Request& req) {
  auto actor = authenticate(s, req);
  if (!actor) co_return Response::error(actor.error());
  auto limit = limit_param(req, 20, 100);
  if (!limit) co_return Response::error(limit.error());
  std::string kind = req.query_param("kind").value_or("");
  std::string status = req.query_param("status").value_or("");
  std::string cursor = req.query_param("cursor").value_or("");
  if (!kind.empty() && kind != "live" && kind != "call" && kind != "meeting")
    co_return Response::error(Error(ErrorCode::invalid_argument, "kind: must be live, call or meeting"));
  if (!status.empty() && status != "idle" && status != "live" && status != "closed")
    co_return Response::error(Error(ErrorCode::invalid_argument, "status: must be idle, live or closed"));
  if (!cursor.empty() && (cursor.size() > 20 || cursor.find_first_not_of("0123456789") != std::string::npos))
    co_return Response::error(Error(ErrorCode::invalid_argument, "cursor: not a cursor this API returned"));
  json::array out;
  std::string next;
  if (status == "closed") {
    // Closed rooms live only in the store: read them on a worker.
    int n = *limit;
    auto rows = co_await run_on(s.workers, [&] { return s.store.closed_rooms(kind, cursor, n + 1); });
    if (!rows) co_return Response::error(rows.error());
    for (auto& rec : *rows) {
      if (!actor->grants.allows_room(rec.id)) continue;
      if (static_cast<int>(out.size()) == n) {
        next = out.back().as_object()["id"].as_string().c_str();
        break;
      }
      out.push_back(rooms::room_json(rooms::RoomView{rec, 0, {}, std::nullopt}));
    }
  } else {
    auto page = co_await s.rooms.call([&](rooms::RoomService& svc) {
      return svc.list_rooms(kind, status, *limit, cursor);
    });
    for (const auto& v : page.rooms) {
      // A token for one room sees only that room.
      if (!actor->grants.allows_room(v.rec.id)) continue;
      out.push_back(render_room(s, req, v, actor->user));
    }
    next = page.next_cursor;
  }
  co_return page_response("rooms", std::move(out), next);
}

Awaitable get_room(Services& s, Request& req) {
  const auto& id = req.param("id");
  auto actor = authenticate_room(s, req, id);
  if (!actor) co_return Response::error(actor.error());
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.room(id); });
  if (!r) co_return Response::error(r.error());
  co_return json_response(200, render_room(s, req, *r, actor->user));
}

Awaitable update_room(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  rooms::UpdateRoom u;
  auto title = body->string("title", s.config.rooms.max_title_chars, false);
  if (!title) co_return Response::error(title.error());
  u.title = *title;
  auto max_members = body->integer("max_members", 1, INT32_MAX, false);
  if (!max_members) co_return Response::error(max_members.error());
  u.max_members = *max_members;
  auto max_seats = body->integer("max_seats", 0, INT32_MAX, false);
  if (!max_seats) co_return Response::error(max_seats.error());
  u.max_seats = *max_seats;
  auto metadata = body->object_text("metadata", s.config.rooms.max_metadata_bytes);
  if (!metadata) co_return Response::error(metadata.error());
  u.metadata = *metadata;
  if (body->object().contains("kind"))
    co_return Response::error(Error(ErrorCode::invalid_argument, "kind: cannot be changed"));
  const auto& id = req.param("id");
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.update_room(*actor, id, u, unix_ms()); });
  if (!r) co_return Response::error(r.error());
  co_return json_response(200, render_room(s, req, *r, actor->user));
}

Awaitable close_room(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.close_room(*actor, id, unix_ms()); });
  if (!r) co_return Response::error(r.error());
  co_return Response::no_content();
}

Awaitable join_room(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.join(*actor, id, unix_ms()); });
  if (!r) co_return Response::error(r.error());
  std::string base = http_base(s, req);
  std::string ws = (base.starts_with("https://") ? "wss://" + base.substr(8)
                    : base.starts_with("http://") ? "ws://" + base.substr(7)
                                                  : base) + "/v1/rt";
  co_return json_response(
      200, json::object{{"room", render_room(s, req, r->room, actor->user)},
                        {"member", rooms::member_json(r->member)},
                        {"heartbeat_interval_s", std::max<int64_t>(1, s.config.rooms.member_timeout_s / 3)},
                        {"realtime_url", ws}});
}

Awaitable leave_room(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.leave(*actor, id, unix_ms()); });
  if (!r) co_return Response::error(r.error());
  co_return Response::no_content();
}

Awaitable heartbeat(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  // The common case needs no trip to the rooms strand (see rooms::Presence).
  if (s.rooms.service().touch(id, actor->user, unix_ms())) co_return Response::no_content();
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.heartbeat(*actor, id, unix_ms()); });
  if (!r) co_return Response::error(r.error());
  co_return Response::no_content();
}

Awaitable list_members(Services& s, Request& req) {
  const auto& id = req.param("id");
  auto actor = authenticate_room(s, req, id);
  if (!actor) co_return Response::error(actor.error());
  auto limit = limit_param(req, 100, 1000);
  if (!limit) co_return Response::error(limit.error());
  std::string cursor = req.query_param("cursor").value_or("");
  auto page = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.members(id, *limit, cursor); });
  if (!page) co_return Response::error(page.error());
  json::array members;
  for (const auto& m : page->members) members.push_back(rooms::member_json(m));
  co_return page_response("members", std::move(members), page->next_cursor);
}

Awaitable kick(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  const auto& user = req.param("user");
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.kick(*actor, id, user, unix_ms()); });
  if (!r) co_return Response::error(r.error());
  co_return Response::no_content();
}

Awaitable mute(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  auto seconds = body->integer("seconds", 0, 30 * 24 * 3600, true);
  if (!seconds) co_return Response::error(seconds.error());
  const auto& id = req.param("id");
  const auto& user = req.param("user");
  int64_t secs = **seconds;
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.mute(*actor, id, user, secs, unix_ms()); });
  if (!r) co_return Response::error(r.error());
  co_return json_response(200, rooms::member_json(*r));
}

}  // namespace

void register_room_routes(http::Router& router, Services& s) {
  router.add("POST", "/v1/rooms", [&s](Request& r) { return create_room(s, r); });
  router.add("GET", "/v1/rooms", [&s](Request& r) { return list_rooms(s, r); });
  router.add("GET", "/v1/rooms/{id}", [&s](Request& r) { return get_room(s, r); });
  router.add("PATCH", "/v1/rooms/{id}", [&s](Request& r) { return update_room(s, r); });
  router.add("DELETE", "/v1/rooms/{id}", [&s](Request& r) { return close_room(s, r); });
  router.add("POST", "/v1/rooms/{id}/join", [&s](Request& r) { return join_room(s, r); });
  router.add("POST", "/v1/rooms/{id}/leave", [&s](Request& r) { return leave_room(s, r); });
  router.add("POST", "/v1/rooms/{id}/heartbeat", [&s](Request& r) { return heartbeat(s, r); });
  router.add("GET", "/v1/rooms/{id}/members", [&s](Request& r) { return list_members(s, r); });
  router.add("POST", "/v1/rooms/{id}/members/{user}/kick", [&s](Request& r) { return kick(s, r); });
  router.add("POST", "/v1/rooms/{id}/members/{user}/mute", [&s](Request& r) { return mute(s, r); });
}

}  // namespace onair::api
