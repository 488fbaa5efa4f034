// Seats: API.md "Seats (who publishes)".
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

Response seat_or_empty(Services& s, Request& req, const std::optional<rooms::Seat>& seat,
                       const std::string& viewer) {
  if (!seat) return Response::no_content();
  return json_response(200, render_seat(s, req, req.param("id"), *seat, viewer));
}

Awaitable list_seats(Services& s, Request& req) {
  const auto& id = req.param("id");
  auto actor = authenticate_room(s, req, id);
  if (!actor) co_return Response::error(actor.error());
  auto seats = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.seats(id); });
  if (!seats) co_return Response::error(seats.error());
  json::array out;
  for (const auto& seat : *seats) out.push_back(render_seat(s, req, id, seat, actor->user));
  co_return json_response(200, json::object{{"seats", std::move(out)}});
}

Awaitable take_seat(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  auto seat = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.take_seat(*actor, id, unix_ms()); });
  if (!seat) co_return Response::error(seat.error());
  co_return json_response(201, render_seat(s, req, id, *seat, actor->user));
}

Awaitable request_seat(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  auto offer = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.request_seat(*actor, id, unix_ms()); });
  if (!offer) co_return Response::error(offer.error());
  co_return json_response(201, rooms::offer_json(*offer));
}

Awaitable list_offers(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  auto offers = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.offers(*actor, id); });
  if (!offers) co_return Response::error(offers.error());
  json::array out;
  for (const auto& o : *offers) out.push_back(rooms::offer_json(o));
  co_return json_response(200, json::object{{"requests", std::move(out)}});
}

Awaitable answer_request(Services& s, Request& req, bool accept) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  const auto& user = req.param("user");
  auto seat = co_await s.rooms.call([&](rooms::RoomService& svc) {
    return svc.answer_request(*actor, id, user, accept, unix_ms());
  });
  if (!seat) co_return Response::error(seat.error());
  co_return seat_or_empty(s, req, *seat, actor->user);
}

Awaitable invite(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  auto user = body->string("user", 64, true);
  if (!user) co_return Response::error(user.error());
  if (!auth::valid_user_id(**user))
    co_return Response::error(Error(ErrorCode::invalid_argument, "user: not a valid user id"));
  const auto& id = req.param("id");
  auto offer = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.invite(*actor, id, **user, unix_ms()); });
  if (!offer) co_return Response::error(offer.error());
  co_return json_response(201, rooms::offer_json(*offer));
}

Awaitable answer_invitation(Services& s, Request& req, bool accept) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  auto seat = co_await s.rooms.call([&](rooms::RoomService& svc) {
    return svc.answer_invitation(*actor, id, accept, unix_ms());
  });
  if (!seat) co_return Response::error(seat.error());
  co_return seat_or_empty(s, req, *seat, actor->user);
}

Awaitable leave_seat(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  const auto& id = req.param("id");
  const auto& user = req.param("user");
  auto r = co_await s.rooms.call([&](rooms::RoomService& svc) { return svc.leave_seat(*actor, id, user, unix_ms()); });
  if (!r) co_return Response::error(r.error());
  co_return Response::no_content();
}

Awaitable update_seat(Services& s, Request& req) {
  auto actor = authenticate_room(s, req, req.param("id"));
  if (!actor) co_return Response::error(actor.error());
  auto body = Body::parse(req);
  if (!body) co_return Response::error(body.error());
  auto audio = body->boolean("audio_muted");
  if (!audio) co_return Response::error(audio.error());
  auto video = body->boolean("video_muted");
  if (!video) co_return Response::error(video.error());
  const auto& id = req.param("id");
  const auto& user = req.param("user");
  auto seat = co_await s.rooms.call([&](rooms::RoomService& svc) {
    return svc.update_seat(*actor, id, user, *audio, *video, unix_ms());
  });
  if (!seat) co_return Response::error(seat.error());
  co_return json_response(200, render_seat(s, req, id, *seat, actor->user));
}

}  // namespace

void register_seat_routes(http::Router& router, Services& s) {
  router.add("GET", "/v1/rooms/{id}/seats", [&s](Request& r) { return list_seats(s, r); });
  router.add("POST", "/v1/rooms/{id}/seats", [&s](Request& r) { return take_seat(s, r); });
  router.add("POST", "/v1/rooms/{id}/seats/requests", [&s](Request& r) { return request_seat(s, r); });
  router.add("GET", "/v1/rooms/{id}/seats/requests", [&s](Request& r) { return list_offers(s, r); });
  router.add("POST", "/v1/rooms/{id}/seats/requests/{user}/accept",
             [&s](Request& r) { return answer_request(s, r, true); });
  router.add("POST", "/v1/rooms/{id}/seats/requests/{user}/reject",
             [&s](Request& r) { return answer_request(s, r, false); });
  router.add("POST", "/v1/rooms/{id}/seats/invitations", [&s](Request& r) { return invite(s, r); });
  router.add("POST", "/v1/rooms/{id}/seats/invitations/accept",
             [&s](Request& r) { return answer_invitation(s, r, true); });
  router.add("POST", "/v1/rooms/{id}/seats/invitations/reject",
             [&s](Request& r) { return answer_invitation(s, r, false); });
  router.add("DELETE", "/v1/rooms/{id}/seats/{user}", [&s](Request& r) { return leave_seat(s, r); });
  router.add("PATCH", "/v1/rooms/{id}/seats/{user}", [&s](Request& r) { return update_seat(s, r); });
}

}  // namespace onair::api
