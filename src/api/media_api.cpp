// Media over HTTP (HTTP-FLV and HLS, served by media/) and the admin streams API: API.md "Media URLs"
// and "Operations".
#include <boost/json.hpp>

#include "api/common.hpp"
#include "api/routes.hpp"
#include "media/flv/http_flv.hpp"
#include "media/hls/hls_http.hpp"

namespace onair::api {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

boost::asio::awaitable<Response> list_streams(Services& s, Request& req) {
  auto actor = authenticate_admin(s, req);
  if (!actor) co_return Response::error(actor.error());
  json::array out;
  int64_t now = unix_ms();
  for (const auto& i : s.hub.list()) {
    double secs = std::max<double>(0.001, double(now - i.started_ms) / 1000.0);
    out.push_back(json::object{{"name", i.name},
                               {"video_codec", i.video_codec},
                               {"audio_codec", i.audio_codec},
                               {"width", i.width},
                               {"height", i.height},
                               {"fps", i.fps},
                               {"bitrate_kbps", int64_t(double(i.bytes_in) * 8 / 1000 / secs)},
                               {"players", int64_t(i.players)},
                               {"source", i.source},
                               {"bridges", json::array(i.bridges.begin(), i.bridges.end())},
                               {"uptime_s", int64_t(secs)}});
  }
  co_return json_response(200, json::object{{"streams", std::move(out)}});
}

boost::asio::awaitable<Response> kick_stream(Services& s, Request& req) {
  auto actor = authenticate_admin(s, req);
  if (!actor) co_return Response::error(actor.error());
  if (!s.hub.kick(req.param("stream")))
    co_return Response::error(Error(ErrorCode::not_found, "nobody publishes " + req.param("stream")));
  co_return Response::no_content();
}

}  // namespace

void register_media_routes(http::Router& router, Services& s) {
  router.add_stream("GET", "/live/{file}",
                    [&s](Request& req, boost::asio::ip::tcp::socket& socket)
                        -> boost::asio::awaitable<std::optional<Response>> {
                      const std::string& file = req.param("file");
                      if (file.size() > 4 && file.ends_with(".flv"))
                        co_return co_await flv::serve_flv(s.config, s.hub, s.access, req, socket,
                                                          file.substr(0, file.size() - 4));
                      co_return co_await hls::serve_hls(s.hls, s.hub, s.access, s.config.hls.segment_s, req, file);
                    });
  router.add("GET", "/v1/admin/streams", [&s](Request& r) { return list_streams(s, r); });
  router.add("DELETE", "/v1/admin/streams/{stream}", [&s](Request& r) { return kick_stream(s, r); });
}

}  // namespace onair::api
