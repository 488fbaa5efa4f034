#include "media/hls/hls_http.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>

namespace onair::hls {

namespace {

http::Response answer(const HlsPlaylist& pl, bool playlist, uint64_t seq, const std::string& query,
                      const std::string& file) {
  using http::Response;
  Response r;
  if (playlist) {
    r.body = pl.m3u8(query);
    if (r.body.empty()) return Response::error(Error(ErrorCode::not_found, "no segment of " + file + " yet"));
    r.content_type = "application/vnd.apple.mpegurl";
    r.headers.emplace_back("Cache-Control", "no-cache");
    return r;
  }
  r.shared_body = pl.segment(seq);
  if (!r.shared_body) return Response::error(Error(ErrorCode::not_found, "no such media file: " + file));
  r.content_type = "video/mp2t";
  r.headers.emplace_back("Cache-Control", "max-age=60");
  return r;
}

}  // namespace

boost::asio::awaitable<http::Response> serve_hls(const HlsService& hls, const media::StreamHub& hub,
                                                 const media::StreamAccess& access, double segment_s,
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
      co_return not_found();
    name = file.substr(0, dash);
    seq = std::stoull(num);
  } else {
    co_return not_found();
  }
  if (!auth::valid_stream_name(name)) co_return not_found();
  std::string query;
  if (access.play_needs_signature()) {
    std::string expire = req.query_param("expire").value_or(""),
                sign = req.query_param("sign").value_or("");
    if (auto ok = access.check_signature(name, auth::StreamAction::play, expire, sign); !ok)
      co_return Response::error(ok.error());
    query = "expire=" + expire + "&sign=" + sign;
  }
  if (std::string why = hub.refusal(name); !why.empty())
    co_return Response::error(Error(ErrorCode::unsupported_media_type, why));
  auto stream = hub.published(name);
  if (stream) stream->want_hls();  // for Stream::kHlsDemandMs: longer than any wait below
  auto pl = hls.playlist(name);
  // Not ready: no segment yet, or only old ones (no new segment for three lengths).
  const int64_t old_ms = int64_t(std::max(10.0, 3 * segment_s) * 1000);
  auto ready = [&] { return pl && !pl->m3u8(query).empty() && !pl->stale(old_ms); };
  if (playlist && stream && !ready()) {
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(int64_t(std::clamp(segment_s * 2 + 5, 5.0, 25.0) * 1000));
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    while (std::chrono::steady_clock::now() < deadline) {
      timer.expires_after(std::chrono::milliseconds(100));
      co_await timer.async_wait(boost::asio::use_awaitable);
      if (!hub.published(name)) break;
      pl = hls.playlist(name);
      if (ready()) break;
    }
  }
  if (!pl) co_return not_found();
  co_return answer(*pl, playlist, seq, query, file);
}

}  // namespace onair::hls
