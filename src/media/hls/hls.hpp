#pragma once
// HLS: every published H.264/HEVC + AAC stream is cut into MPEG-TS segments at keyframes
// near hls.segment_s, kept in memory as shared immutable buffers, with a sliding window of
// hls.window segments in the playlist and EXT-X-DISCONTINUITY after a republish.
//
// HlsService is a tap of the stream hub: the hub opens an HlsSegmenter for every publish,
// whatever protocol brought it, as a Sink on the source's loop (one per stream, not per
// viewer); viewers only read the HlsPlaylist, which is thread-safe.
#include <boost/asio/io_context.hpp>

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "media/hls/ts_muxer.hpp"
#include "media/stream/stream_hub.hpp"

namespace onair::hls {

struct Segment {
  uint64_t seq = 0;
  double duration = 0;
  bool discontinuity = false;
  std::shared_ptr<const std::string> data;
};

class HlsPlaylist {
 public:
  HlsPlaylist(std::string name, size_t window) : name_(std::move(name)), window_(window) {}

  void add(Segment s);
  // The playlist text; `query` (a play signature) is appended to segment URLs. Empty when
  // no segment is ready yet.
  std::string m3u8(const std::string& query) const;
  std::shared_ptr<const std::string> segment(uint64_t seq) const;
  uint64_t next_seq() const;
  // No segment was added for `max_age_ms` while some are listed: what it lists is old (a
  // WebRTC stream's bridge slept while nobody watched), not the live edge.
  bool stale(int64_t max_age_ms) const;
  // Forgets every segment (numbering and discontinuity count go on): the next one starts
  // the playlist again, after a discontinuity.
  void restart();

  // Which publish of the stream the playlist belongs to (a republish continues it).
  uint64_t generation = 0;
  bool publishing = false;

 private:
  const std::string name_;
  const size_t window_;
  mutable std::mutex mu_;
  std::deque<Segment> segments_;  // the window plus two more for players mid-download
  uint64_t next_seq_ = 0;
  uint64_t discontinuity_seq_ = 0;
  int64_t last_added_ms_ = 0;  // steady clock
};

class HlsService;

class HlsSegmenter : public media::Sink {
 public:
  // `generation`: the playlist's publish this segmenter cuts.
  HlsSegmenter(std::shared_ptr<HlsPlaylist> playlist, double target_s, bool discontinuity, uint64_t generation = 0)
      : playlist_(std::move(playlist)),
        target_ms_(uint32_t(target_s * 1000)),
        discontinuity_(discontinuity),
        generation_(generation) {}
  uint64_t generation() const { return generation_; }
  void on_frame(const media::FramePtr& frame) override;
  // The publish ended: the last segment is cut; frames after it (a takeover's, before the
  // hub detaches this sink) are not this publish's.
  void on_unpublish() override {
    finish(last_ts_ + 1);
    ended_ = true;
  }
  bool is_player() const override { return false; }
  void finish(uint32_t end_ts);

 private:
  std::shared_ptr<HlsPlaylist> playlist_;
  uint32_t target_ms_;
  bool discontinuity_;
  uint64_t generation_;
  TsMuxer muxer_;
  bool open_ = false, ended_ = false;
  uint32_t start_ts_ = 0, last_ts_ = 0;
  // Each track's last timestamp, for holes (not across tracks: a publisher's audio and
  // video may be apart by seconds).
  bool have_video_ts_ = false, have_audio_ts_ = false;
  uint32_t last_video_ts_ = 0, last_audio_ts_ = 0;
  std::string data_;
};

class HlsService : public media::Tap {
 public:
  // `dispose_s`: how long an ended stream's playlist and segments stay (a republish within
  // it continues the playlist after a discontinuity).
  HlsService(double segment_s, size_t window, uint32_t dispose_s = 60)
      : segment_s_(segment_s), window_(window), dispose_s_(dispose_s) {}

  // Tap: on the source's loop, a segmenter for this publish of `stream`; close() forgets
  // the playlist unless the stream publishes again within dispose_s.
  std::unique_ptr<media::Sink> open(const std::shared_ptr<media::Stream>& stream, boost::asio::io_context& loop) override;
  void close(std::unique_ptr<media::Sink> segmenter, const std::shared_ptr<media::Stream>& stream,
             boost::asio::io_context& loop) override;

  std::shared_ptr<HlsPlaylist> playlist(const std::string& name) const;

 private:
  double segment_s_;
  size_t window_;
  uint32_t dispose_s_;
  mutable std::mutex mu_;  // guards playlists_ and each playlist's generation/publishing
  std::map<std::string, std::shared_ptr<HlsPlaylist>> playlists_;
};

}  // namespace onair::hls
