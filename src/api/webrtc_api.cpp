// WHIP (RFC 9725) and WHEP (draft-ietf-wish-whep): a browser POSTs an SDP offer to
// /v1/whip/<stream> (publish) or /v1/whep/<stream> (play) and gets 201 with the answer and
// the session's URL in Location; DELETE on that URL ends the session. Access: the signed URL
// of the seat (API.md "Media URLs and signing"), or a bearer token whose grants allow the
// room of the stream "<room id>-<user id>" (publish: only one's own seat's stream).
#include <boost/json.hpp>

#include "api/common.hpp"
#include "api/routes.hpp"
#include "core/ids.hpp"

namespace onair::embedded {
std::string_view webrtc_page();
}

namespace onair::api {
namespace asio = boost::asio;
using http::Request;
using http::Response;

namespace {

constexpr size_t kMaxOfferBytes = 64 * 1024;

// A seat's stream may be published only while its user holds the seat (StreamAccess, the
// check every protocol shares); the session then belongs to that seat's room and user.
asio::awaitable<Result<webrtc::SessionOwner>> seated(Services& s, const std::string& stream) {
  auto ok = co_await s.access.may_publish(stream);
  if (!ok) co_return std::unexpected(ok.error());
  auto seat = media::seat_of_stream(stream);
  if (!seat) co_return webrtc::SessionOwner{};
  co_return webrtc::SessionOwner{seat->first, seat->second};
}

// Who may publish or play: a valid signature in the query, or a bearer token.
asio::awaitable<Result<webrtc::SessionOwner>> authorize(Services& s, const Request& req,
                                                        const std::string& stream,
                                                        auth::StreamAction action) {
  auto sign = req.query_param("sign");
  bool token = !req.header("authorization").empty() || req.query_param("token");
  if (sign || !token) {
    std::string expire = req.query_param("expire").value_or("");
    if (auto ok = s.access.check_signature(stream, action, expire, sign.value_or("")); !ok)
      co_return std::unexpected(ok.error());
    if (action == auth::StreamAction::publish) co_return co_await seated(s, stream);
    co_return webrtc::SessionOwner{};
  }
  auto actor = authenticate(s, req);
  if (!actor) co_return std::unexpected(actor.error());
  auto seat = media::seat_of_stream(stream);
  if (!seat) {
    if (actor->admin()) co_return webrtc::SessionOwner{"", actor->user};
    co_return fail(ErrorCode::permission_denied,
                   "a token only grants seat streams (<room id>-<user id>)");
  }
  const std::string& room = seat->first;
  const std::string& user = seat->second;
  if (!actor->grants.allows_room(room))
    co_return fail(ErrorCode::permission_denied, "the token does not grant room " + room);
  if (action == auth::StreamAction::play) {
    if (!actor->grants.subscribe && !actor->admin())
      co_return fail(ErrorCode::permission_denied, "the token does not grant subscribe");
    co_return webrtc::SessionOwner{room, actor->user};
  }
  if (!actor->admin()) {
    if (!actor->grants.publish)
      co_return fail(ErrorCode::permission_denied, "the token does not grant publish");
    if (user != actor->user)
      co_return fail(ErrorCode::permission_denied, "only " + user + " publishes " + stream);
  }
  co_return co_await seated(s, stream);
}

Response with_links(Services& s, Response r) {
  // RFC 9725 4.6: ICE servers as Link headers (STUN/TURN URLs from config).
  for (const auto& url : s.config.webrtc.ice_servers)
    r.headers.emplace_back("Link", "<" + url + ">; rel=\"ice-server\"");
  return r;
}

asio::awaitable<Response> create(Services& s, Request& req, webrtc::PeerSession::Kind kind) {
  const std::string& stream = req.param("stream");
  const char* base = kind == webrtc::PeerSession::Kind::publish ? "/v1/whip/" : "/v1/whep/";
  if (!s.webrtc.enabled())
    co_return Response::error(Error(ErrorCode::not_found, "WebRTC is disabled (webrtc.enabled)"));
  if (!auth::valid_stream_name(stream))
    co_return Response::error(
        Error(ErrorCode::invalid_argument, "stream: not a valid stream name"));
  std::string_view type = req.header("content-type");
  if (auto semi = type.find(';'); semi != std::string_view::npos) type = type.substr(0, semi);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  if (type != "application/sdp")
    co_return Response::error(Error(ErrorCode::unsupported_media_type,
                                    "the offer must be sent as Content-Type: application/sdp"));
  if (req.body.empty())
    co_return Response::error(Error(ErrorCode::invalid_argument, "the body must be an SDP offer"));
  if (req.body.size() > kMaxOfferBytes)
    co_return Response::error(
        Error(ErrorCode::payload_too_large, "the offer is larger than 64 KiB"));
  auto action = kind == webrtc::PeerSession::Kind::publish ? auth::StreamAction::publish
                                                           : auth::StreamAction::play;
  auto owner = co_await authorize(s, req, stream, action);
  if (!owner) co_return Response::error(owner.error());
  // Not a ?: with co_await in both arms: g++ 12 destroys the result twice.
  Result<webrtc::WebRtcService::Answer> answer = fail(ErrorCode::internal, "unreachable");
  if (kind == webrtc::PeerSession::Kind::publish)
    answer = co_await s.webrtc.publish(stream, req.body, *owner);
  else
    answer =
        co_await s.webrtc.play(stream, req.body, *owner, req.query_param("layer").value_or(""));
  if (!answer) co_return Response::error(answer.error());
  Response r;
  r.status = 201;
  r.content_type = "application/sdp";
  r.body = std::move(answer->sdp);
  r.headers.emplace_back("Location", base + stream + "/" + answer->id);
  r.headers.emplace_back("ETag", "\"" + answer->id + "\"");
  co_return with_links(s, std::move(r));
}

asio::awaitable<Response> remove(Services& s, Request& req, webrtc::PeerSession::Kind kind) {
  auto r = co_await s.webrtc.end(req.param("stream"), req.param("session"), kind);
  if (!r) co_return Response::error(r.error());
  Response ok;
  ok.status = 200;
  ok.content_type = "text/plain";
  co_return ok;
}

}  // namespace

void register_webrtc_routes(http::Router& router, Services& s) {
  using Kind = webrtc::PeerSession::Kind;
  // The test page: publish the camera with WHIP, play with WHEP (web/webrtc.html).
  router.add("GET", "/web/webrtc.html", [](Request&) -> asio::awaitable<Response> {
    Response r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(embedded::webrtc_page());
    co_return r;
  });
  router.add("POST", "/v1/whip/{stream}",
             [&s](Request& req) { return create(s, req, Kind::publish); });
  router.add("POST", "/v1/whep/{stream}",
             [&s](Request& req) { return create(s, req, Kind::play); });
  // The session URL is a capability: 128 random bits that only the creator was told.
  router.add("DELETE", "/v1/whip/{stream}/{session}",
             [&s](Request& req) { return remove(s, req, Kind::publish); });
  router.add("DELETE", "/v1/whep/{stream}/{session}",
             [&s](Request& req) { return remove(s, req, Kind::play); });
  // A viewer picks a simulcast layer: {"layer": "<rid or index>"}; the switch happens at the
  // next keyframe of that layer.
  router.add(
      "POST", "/v1/whep/{stream}/{session}/layer", [&s](Request& req) -> asio::awaitable<Response> {
        auto body = Body::parse(req);
        if (!body) co_return Response::error(body.error());
        auto layer = body->string("layer", 16, true);
        if (!layer) co_return Response::error(layer.error());
        auto r = co_await s.webrtc.set_layer(req.param("stream"), req.param("session"), **layer);
        if (!r) co_return Response::error(r.error());
        co_return Response::no_content();
      });
}

}  // namespace onair::api
