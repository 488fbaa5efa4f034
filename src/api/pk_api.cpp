// PK between two live rooms: API.md "PK".
#include <boost/json.hpp>

#include "api/common.hpp"
#include "api/routes.hpp"
#include "rooms/json.hpp"

namespace onair::api {
using http::Request;
using http::Response;
using Awaitable = boost::asio::awaitable<Response>;

namespace {

Awaitable invite(Services& s, Request& req) {
  auto actor = authenticate(s, req);
  if (!actor) co_return Response::error(actor.error());
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  auto from = body->string("from_room", 32, true);
  if (!from) co_return Response::error(from.error());
  auto to = body->string("to_room", 32, true);
  if (!to) co_return Response::error(to.error());
  // The inviter acts for from_room: its token must grant that room (to_room is the invitee's).
  if (!actor->grants.allows_room(**from))
    co_return Response::error(Error(ErrorCode::permission_denied, "the token does not grant room " + **from));
  auto pk = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.pk_invite(*actor, **from, **to, unix_ms()); });
  if (!pk) co_return Response::error(pk.error());
  co_return json_response(201, rooms::pk_json(*pk));
}

enum class Action { accept, reject, end };

Awaitable act(Services& s, Request& req, Action action) {
  auto actor = authenticate(s, req);
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  auto pk = co_await s.rooms.call([&](rooms::RoomService& svc) {
    int64_t now = unix_ms();
    return action == Action::end ? svc.pk_end(*actor, id, now)
                                 : svc.pk_answer(*actor, id, action == Action::accept, now);
  });
  if (!pk) co_return Response::error(pk.error());
  co_return json_response(200, rooms::pk_json(*pk));
}

Awaitable get(Services& s, Request& req) {
  auto actor = authenticate(s, req);
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  auto pk = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.pk(id); });
  if (!pk) co_return Response::error(pk.error());
  if (!actor->grants.allows_room(pk->room_a) && !actor->grants.allows_room(pk->room_b))
    co_return Response::error(Error(ErrorCode::permission_denied, "the token grants neither room of this PK"));
  co_return json_response(200, rooms::pk_json(*pk));
}

}  // namespace

void register_pk_routes(http::Router& router, Services& s) {
  router.add("POST", "/v1/pk", [&s](Request& r) { return invite(s, r); });
  router.add("GET", "/v1/pk/{id}", [&s](Request& r) { return get(s, r); });
  router.add("POST", "/v1/pk/{id}/accept", [&s](Request& r) { return act(s, r, Action::accept); });
  router.add("POST", "/v1/pk/{id}/reject", [&s](Request& r) { return act(s, r, Action::reject); });
  router.add("POST", "/v1/pk/{id}/end", [&s](Request& r) { return act(s, r, Action::end); });
}

}  // namespace onair::api
