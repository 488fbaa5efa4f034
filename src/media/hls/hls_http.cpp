#include "media/hls/hls_http.hpp"

namespace onair::hls {

http::Response serve_hls(const HlsService& hls, const media::StreamHub& hub, const media::StreamAccess& access,
                         const http::Request& req, const std::string& file) {
  using http::Response;
  auto not_found = [&] {
    return Response::error(Error(ErrorCode::not_found, "no such media file: " + file));
  };
  std::string name;
  bool playlist = file.size() > 5 && file.ends_with(".m3u8");
  uint64_t seq = 0;
  if (playlist) {
    name = file.substr(0, file.size() - 5);
  } else if (file.size() > 3 && file.ends_with(".ts")) {
    auto dash = file.rfind('-');
    std::string num =
        dash == std::string::npos ? "" : file.substr(dash + 1, file.size() - 3 - dash - 1);
    if (num.empty() || num.size() > 18 || num.find_first_not_of("0123456789") != std::string::npos)
      return not_found();
    name = file.substr(0, dash);
    seq = std::stoull(num);
  } else {
    return not_found();
  }
  if (!auth::valid_stream_name(name)) return not_found();
  std::string query;
  if (access.play_needs_signature()) {
    std::string expire = req.query_param("expire").value_or(""),
                sign = req.query_param("sign").value_or("");
    if (auto ok = access.check_signature(name, auth::StreamAction::play, expire, sign); !ok)
      return Response::error(ok.error());
    query = "expire=" + expire + "&sign=" + sign;
  }
  if (std::string why = hub.refusal(name); !why.empty())
    return Response::error(Error(ErrorCode::unsupported_media_type, why));
  auto pl = hls.playlist(name);
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

}  // namespace onair::hls
