// Media over HTTP (HTTP-FLV now, HLS next) and the admin streams API: API.md "Media URLs"
// and "Operations".
#include <boost/json.hpp>

#include "api/common.hpp"
#include "api/routes.hpp"
#include "media/flv/http_flv.hpp"

namespace onair::api {
namespace json = boost::json;
using http::Request;
using http::Response;

namespace {

// HLS: /live/<name>.m3u8 and /live/<name>-<seq>.ts, from memory.
Response serve_hls(Services& s, Request& req, const std::string& file) {
  auto not_found = [&] { return Response::error(Error(ErrorCode::not_found, "no such media file: " + file)); };
  std::string name;
  bool playlist = file.size() > 5 && file.ends_with(".m3u8");
  uint64_t seq = 0;
  if (playlist) {
    name = file.substr(0, file.size() - 5);
  } else if (file.size() > 3 && file.ends_with(".ts")) {
    auto dash = file.rfind('-');
    std::string num = dash == std::string::npos ? "" : file.substr(dash + 1, file.size() - 3 - dash - 1);
    if (num.empty() || num.size() > 18 || num.find_first_not_of("0123456789") != std::string::npos) return not_found();
    name = file.substr(0, dash);
    seq = std::stoull(num);
  } else {
    return not_found();
  }
  if (!auth::valid_stream_name(name)) return not_found();
  std::string query;
  if (s.config.media.play_auth) {
    std::string expire = req.query_param("expire").value_or(""), sign = req.query_param("sign").value_or("");
    if (auto ok = s.signer.verify(name, auth::StreamAction::play, expire, sign, unix_s()); !ok) return Response::error(ok.error());
    query = "expire=" + expire + "&sign=" + sign;
  }
  auto pl = s.hls.playlist(name);
  if (!pl) return not_found();
  Response r;
  if (playlist) {
    r.body = pl->m3u8(query);
    if (r.body.empty()) return not_found();
    r.content_type = "application/vnd.apple.mpegurl";
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  r.shared_body = pl->segment(seq);
  if (!r.shared_body) return not_found();
  r.content_type = "video/mp2t";
  r.headers.emplace_back("Cache-Control", "max-age=60");
  return r;
}

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
                        co_return co_await flv::serve_flv(s.config, s.hub, s.signer, req, socket,
                                                          file.substr(0, file.size() - 4));
                      co_return serve_hls(s, req, file);
                    });
  router.add("GET", "/v1/admin/streams", [&s](Request& r) { return list_streams(s, r); });
  router.add("DELETE", "/v1/admin/streams/{stream}", [&s](Request& r) { return kick_stream(s, r); });
}

}  // namespace onair::api
