#include "media/flv/http_flv.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/metrics.hpp"
#include "media/flv/flv.hpp"
#include "media/stream/player_queue.hpp"
#include "media/stream/timeline.hpp"

namespace onair::flv {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

Gauge& players_gauge() {
  static Gauge& g = metrics().gauge("onair_media_players", "Players connected", {{"protocol", "flv"}});
  return g;
}

// One HTTP-FLV response. The FLV header's flags say which tracks the stream has (ffprobe and
// mpegts.js wait for a track the header announces), so it goes out once the stream knows:
// frames before that (metadata, sequence headers) wait here, a few at most.
class FlvPlayer : public media::Sink {
 public:
  FlvPlayer(asio::any_io_executor ex, const Config& config, std::shared_ptr<media::Stream> stream)
      : out_(ex, config.media.queue_soft_bytes, config.media.queue_hard_bytes, config.media.merge_ms,
             config.media.player_stall_s * 1000),
        stream_(std::move(stream)) {}

  void on_frame(const media::FramePtr& f) override {
    if (out_.closed()) return;
    if (!header_sent_) {
      media::Tracks t = stream_->tracks();
      if (!t.known && early_.size() < 8) {
        early_.push_back(f);
        return;
      }
      // Unknown after that many frames (no media yet): say both, as before.
      out_.push_control(stream_header(t.known ? t.audio : true, t.known ? t.video : true));
      header_sent_ = true;
      auto early = std::move(early_);
      for (const auto& e : early) write(e);
    }
    write(f);
  }
  void on_unpublish() override {
    timeline_.republished();
    out_.republished();
  }

  media::PlayerQueue out_;
  media::PlayerTimeline timeline_;

 private:
  void write(const media::FramePtr& f) {
    uint32_t ts = timeline_.next(*f);
    std::string head;
    write_tag_header(head, uint8_t(f->kind), ts, uint32_t(f->payload.size()));
    uint32_t prev = uint32_t(11 + f->payload.size());
    char tail[4] = {char(prev >> 24), char(prev >> 16), char(prev >> 8), char(prev)};
    out_.push_frame(f, f->payload, head, std::string_view(tail, 4));  // false: the queue closed it
  }

  std::shared_ptr<media::Stream> stream_;
  bool header_sent_ = false;
  std::vector<media::FramePtr> early_;
};

asio::awaitable<void> until_closed(asio::ip::tcp::socket& socket) {
  char buf[1024];
  while (true) {
    auto [ec, n] = co_await socket.async_read_some(asio::buffer(buf), asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
  }
}

}  // namespace

asio::awaitable<std::optional<http::Response>> serve_flv(const Config& config, media::StreamHub& hub,
                                                         const media::StreamAccess& access, http::Request& req,
                                                         asio::ip::tcp::socket& socket, const std::string& name) {
  if (!auth::valid_stream_name(name))
    co_return http::Response::error(Error(ErrorCode::invalid_argument, "invalid stream name"));
  if (auto ok = access.check_signature(name, auth::StreamAction::play, req.query_param("expire").value_or(""),
                                       req.query_param("sign").value_or(""));
      !ok)
    co_return http::Response::error(ok.error());
  auto& loop = static_cast<asio::io_context&>(asio::query(socket.get_executor(), asio::execution::context));
  if (std::string why = hub.refusal(name); !why.empty())
    co_return http::Response::error(Error(ErrorCode::unsupported_media_type, why));
  auto stream = hub.stream_for_play(name);
  FlvPlayer player(socket.get_executor(), config, stream);
  std::string head =
      "HTTP/1.1 200 OK\r\nServer: onair\r\nContent-Type: video/x-flv\r\nCache-Control: no-cache\r\n"
      "Connection: close\r\n";
  if (!config.http.cors_origin.empty()) head += "Access-Control-Allow-Origin: " + config.http.cors_origin + "\r\n";
  head += "\r\n";
  player.out_.push_control(std::move(head));  // the FLV header follows once the tracks are known
  players_gauge().add(1);
  size_t replayed = stream->attach(&player, loop);
  spdlog::info("flv: play stream={} peer={} gop_frames={}", name, req.remote_ip, replayed);
  // Plays until the client goes away or cannot keep up.
  co_await (player.out_.run(socket) || until_closed(socket));
  if (!player.out_.close_reason().empty())
    spdlog::info("flv: closing player stream={} peer={} reason={}", name, req.remote_ip, player.out_.close_reason());
  stream->detach(&player, loop);
  hub.release(stream);
  players_gauge().add(-1);
  boost::system::error_code ec;
  socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  co_return std::nullopt;
}

}  // namespace onair::flv
