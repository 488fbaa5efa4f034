#pragma once
// StreamHub and Stream: who publishes what, and how frames reach every player.
//
// A Stream has at most one publisher (a second one is refused unless takeover is allowed).
// It keeps the metadata, the audio and video sequence headers and a GOP cache (the last
// keyframe onward, bounded), so a new player gets a decodable picture at once.
//
// Fan-out: players are grouped by event loop in a Relay; a published frame is posted once
// per loop that has players, and the relay hands it to its players on that loop: one
// cross-thread hop per loop per frame, never per player. The stream's lock is held per
// frame, never per player.
#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "media/stream/frame.hpp"
#include "media/stream/sink.hpp"

namespace onair::media {

struct StreamInfo {
  std::string name;
  std::string video_codec;  // "h264", "hevc", "av1", ...
  std::string audio_codec;  // "aac", ...
  int width = 0, height = 0;
  double fps = 0;
  uint64_t bytes_in = 0;
  int64_t started_ms = 0;
  size_t players = 0;
  bool publishing = false;
};

// Which tracks a stream carries, known once its first media frame (after the sequence
// headers publishers send first) arrives.
struct Tracks {
  bool known = false;
  bool audio = false, video = false;
};

class Stream : public std::enable_shared_from_this<Stream> {
 public:
  // An audio-only stream keeps its last `audio_cache_ms` for a new player (not the bytes
  // bound: a radio stream would hand a late joiner minutes of audio at once).
  Stream(std::string name, size_t gop_max_bytes, uint32_t audio_cache_ms = 1000)
      : name_(std::move(name)), gop_max_bytes_(gop_max_bytes), audio_cache_ms_(audio_cache_ms) {}

  const std::string& name() const { return name_; }

  // Publisher side. publish_frame() assigns the frame's seq.
  void publish_frame(std::shared_ptr<Frame> frame);
  void set_metadata(std::shared_ptr<Frame> frame, int width, int height, double fps);
  void set_codecs(std::string video, std::string audio);

  // Player side, on `loop`: registers the sink and returns what it must get first
  // (metadata, sequence headers, the GOP cache). Frames with seq <= `last_seq` that arrive
  // through the relay afterwards were already in that list.
  std::vector<FramePtr> attach(Sink* sink, boost::asio::io_context& loop, uint64_t& last_seq);
  void detach(Sink* sink, boost::asio::io_context& loop);

  StreamInfo info() const;
  bool publishing() const { return publishing_.load(); }
  Tracks tracks() const;

 private:
  friend class StreamHub;
  struct Relay {
    boost::asio::io_context* loop = nullptr;
    std::vector<Sink*> sinks;   // touched on `loop` only
    std::atomic<size_t> count{0};
  };
  void begin_publish();
  void end_publish();

  const std::string name_;
  const size_t gop_max_bytes_;
  const uint32_t audio_cache_ms_;
  mutable std::mutex mu_;
  std::atomic<bool> publishing_{false};
  Tracks tracks_;
  uint64_t next_seq_ = 1;
  FramePtr metadata_, video_seq_, audio_seq_;
  std::vector<FramePtr> gop_;
  size_t gop_bytes_ = 0;
  std::vector<std::shared_ptr<Relay>> relays_;
  size_t players_ = 0;  // attached sinks that are players
  StreamInfo info_;
};

class StreamHub {
 public:
  explicit StreamHub(size_t gop_max_bytes = 8 << 20, uint32_t audio_cache_ms = 1000)
      : gop_max_bytes_(gop_max_bytes), audio_cache_ms_(audio_cache_ms) {}

  struct Ticket {
    std::shared_ptr<Stream> stream;
    uint64_t id = 0;  // this publisher; a later one (takeover) has another
  };
  // Starts publishing `name`: conflict when someone publishes it already, unless
  // `takeover`, which stops the current publisher through the `kick` it registered.
  // `kick` is called with the hub's lock held: it must only post. Without `announce` the
  // stream is held (nobody else may publish it) but not said to be live (on_publish) until
  // announce(): a WebRTC publisher takes the stream when it answers, and goes live when its
  // peer connects.
  Result<Ticket> start_publish(const std::string& name, bool takeover, std::function<void()> kick,
                               bool announce = true);
  void announce(const Ticket& ticket);  // on_publish, once, if `ticket` still publishes
  // Ends the publish of `ticket` (a no-op when another publisher took over).
  void stop_publish(const Ticket& ticket);
  // The stream a player attaches to (created waiting for its publisher when absent).
  std::shared_ptr<Stream> stream_for_play(const std::string& name);
  void release(const std::shared_ptr<Stream>& s);  // a player left
  // Stops the publisher of `name`; false when nobody publishes it.
  bool kick(const std::string& name);

  std::vector<StreamInfo> list() const;

  // Called (from the publisher's loop) when a stream starts and stops publishing.
  std::function<void(const std::string&)> on_publish;
  std::function<void(const std::string&)> on_unpublish;

 private:
  struct Entry {
    std::shared_ptr<Stream> stream;
    std::function<void()> kick;
    uint64_t publisher = 0;  // 0: nobody
    bool live = false;       // on_publish said so, on_unpublish not yet
    size_t players = 0;
  };
  void maybe_erase(const std::string& name);  // under mu_

  const size_t gop_max_bytes_;
  const uint32_t audio_cache_ms_;
  mutable std::mutex mu_;
  uint64_t next_ticket_ = 1;
  std::map<std::string, Entry> streams_;
};

}  // namespace onair::media
