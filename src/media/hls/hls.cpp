#include "media/hls/hls.hpp"

#include <boost/asio/steady_timer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace onair::hls {

namespace {
int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

bool HlsPlaylist::stale(int64_t max_age_ms) const {
  std::lock_guard lock(mu_);
  return !segments_.empty() && steady_ms() - last_added_ms_ > max_age_ms;
}

void HlsPlaylist::restart() {
  std::lock_guard lock(mu_);
  for (const auto& s : segments_)
    if (s.discontinuity) ++discontinuity_seq_;
  segments_.clear();
}

void HlsPlaylist::add(Segment s) {
  std::lock_guard lock(mu_);
  last_added_ms_ = steady_ms();
  s.seq = next_seq_++;
  segments_.push_back(std::move(s));
  while (segments_.size() > window_ + 2) {
    if (segments_.front().discontinuity) ++discontinuity_seq_;
    segments_.pop_front();
  }
}

uint64_t HlsPlaylist::next_seq() const {
  std::lock_guard lock(mu_);
  return next_seq_;
}

std::string HlsPlaylist::m3u8(const std::string& query) const {
  std::lock_guard lock(mu_);
  if (segments_.empty()) return {};
  size_t first = segments_.size() > window_ ? segments_.size() - window_ : 0;
  uint64_t disc = discontinuity_seq_;
  for (size_t i = 0; i < first; ++i)
    if (segments_[i].discontinuity) ++disc;
  double longest = 0;
  for (size_t i = first; i < segments_.size(); ++i) longest = std::max(longest, segments_[i].duration);
  std::string out = fmt::format(
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:{}\n#EXT-X-MEDIA-SEQUENCE:{}\n"
      "#EXT-X-DISCONTINUITY-SEQUENCE:{}\n",
      int(std::ceil(longest)), segments_[first].seq, disc);
  for (size_t i = first; i < segments_.size(); ++i) {
    const Segment& s = segments_[i];
    if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    out += fmt::format("#EXTINF:{:.3f},\n{}-{}.ts{}{}\n", s.duration, name_, s.seq, query.empty() ? "" : "?", query);
  }
  return out;
}

std::shared_ptr<const std::string> HlsPlaylist::segment(uint64_t seq) const {
  std::lock_guard lock(mu_);
  for (const auto& s : segments_)
    if (s.seq == seq) return s.data;
  return nullptr;
}

void HlsSegmenter::finish(uint32_t end_ts) {
  if (!open_) return;
  open_ = false;
  Segment s;
  s.duration = std::max(0.001, double(end_ts - start_ts_) / 1000.0);
  s.discontinuity = discontinuity_;
  discontinuity_ = false;
  s.data = std::make_shared<const std::string>(std::move(data_));
  data_ = std::string();
  playlist_->add(std::move(s));
}

void HlsSegmenter::on_frame(const media::FramePtr& f) {
  if (ended_) return;
  std::span<const uint8_t> body(reinterpret_cast<const uint8_t*>(f->payload.data()), f->payload.size());
  if (f->kind == media::FrameKind::script) return;
  if (f->sequence_header) {
    // An unsupported codec leaves the muxer without that track; HLS then has nothing of it.
    if (f->kind == media::FrameKind::video) {
      bool had_video = muxer_.has_video();
      (void)muxer_.set_video_config(body);
      if (!had_video && muxer_.has_video() && open_) {
        // Audio came first (a WebRTC bridge asks for its keyframe after the audio flows):
        // the segment begun without a video track is dropped, and the first one starts at
        // the keyframe with both tracks in its tables.
        open_ = false;
        data_.clear();
      }
    } else {
      (void)muxer_.set_audio_config(body);
    }
    return;
  }
  bool video = f->kind == media::FrameKind::video;
  if (video && !muxer_.has_video()) return;
  if (!video && !muxer_.has_audio()) return;
  // A hole in the track's timeline (a WebRTC stream's bridge slept while nobody watched, a
  // publisher's clock jump): the open segment ends where its media did, and the next one
  // starts at a keyframe after a discontinuity. When no segment came for a while either,
  // what the playlist lists is old: it starts again.
  bool& have = video ? have_video_ts_ : have_audio_ts_;
  uint32_t& last = video ? last_video_ts_ : last_audio_ts_;
  const int32_t hole = int32_t(std::max<uint32_t>(5000, 2 * target_ms_));
  if (have && int32_t(f->timestamp - last) > hole) {
    bool old = playlist_->stale(hole);
    finish(last_ts_ + 1);
    if (old) playlist_->restart();
    discontinuity_ = true;
  }
  have = true;
  last = f->timestamp;
  // Cut at a keyframe once the segment is long enough (audio-only streams: on time).
  bool cut_point = muxer_.has_video() ? (video && f->keyframe) : true;
  if (open_ && cut_point && f->timestamp - start_ts_ >= target_ms_) finish(f->timestamp);
  if (!open_) {
    if (!cut_point) return;  // a segment starts at a keyframe
    open_ = true;
    start_ts_ = f->timestamp;
    data_.reserve(512 * 1024);
    muxer_.write_tables(data_);
  }
  last_ts_ = f->timestamp;
  if (video)
    (void)muxer_.write_video(data_, body, f->timestamp, f->keyframe);
  else
    (void)muxer_.write_audio(data_, body, f->timestamp);
}

std::unique_ptr<media::Sink> HlsService::open(const std::shared_ptr<media::Stream>& stream, boost::asio::io_context&) {
  if (!stream->refusal().empty()) return nullptr;  // nothing HLS can carry (serve_hls says why)
  std::shared_ptr<HlsPlaylist> pl;
  bool republish = false;
  {
    std::lock_guard lock(mu_);
    auto& slot = playlists_[stream->name()];
    republish = slot != nullptr;
    if (!slot) slot = std::make_shared<HlsPlaylist>(stream->name(), window_);
    pl = slot;
    ++pl->generation;
    pl->publishing = true;
  }
  return std::make_unique<HlsSegmenter>(pl, segment_s_, republish && pl->next_seq() > 0, pl->generation);
}

void HlsService::close(std::unique_ptr<media::Sink> seg, const std::shared_ptr<media::Stream>& stream,
                       boost::asio::io_context& loop) {
  if (!seg) return;
  uint64_t closing = static_cast<HlsSegmenter&>(*seg).generation();
  seg.reset();  // its last segment was cut at on_unpublish
  // Forget the playlist (and its segments' memory) unless the stream is published again
  // within dispose_s.
  std::shared_ptr<HlsPlaylist> pl;
  uint64_t gen = 0;
  {
    std::lock_guard lock(mu_);
    auto it = playlists_.find(stream->name());
    // A later publish (a takeover) owns the playlist now.
    if (it == playlists_.end() || it->second->generation != closing) return;
    pl = it->second;
    pl->publishing = false;
    gen = pl->generation;
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(loop, std::chrono::seconds(dispose_s_));
  timer->async_wait([this, timer, pl, gen, name = stream->name()](boost::system::error_code ec) {
    if (ec) return;
    std::lock_guard lock(mu_);
    auto it = playlists_.find(name);
    if (it != playlists_.end() && it->second == pl && !pl->publishing && pl->generation == gen) playlists_.erase(it);
  });
}

std::shared_ptr<HlsPlaylist> HlsService::playlist(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = playlists_.find(name);
  return it == playlists_.end() ? nullptr : it->second;
}

}  // namespace onair::hls
