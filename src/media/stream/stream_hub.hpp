#pragma once
// StreamHub and Stream: who publishes what, and how frames reach every player.
//
// The media junction (DESIGN.md): every stream, whatever protocol brought it, is one Stream
// here, and everything that consumes it attaches here.
//
// A Stream has at most one publisher, its source (an RTMP session, a WHIP publisher through
// the bridge; a second one is refused unless takeover is allowed). It keeps the metadata,
// the audio and video sequence headers and a GOP cache (the last keyframe onward, bounded),
// so a new sink gets a decodable picture at once: attach() replays them, the one place that
// does.
//
// Sinks are players (RTMP, HTTP-FLV) and taps: server-side consumers (the HLS segmenter, the
// bridges) that the hub attaches itself when a publish goes live, on the source's loop, and
// detaches when it ends; a publisher's session never starts them.
//
// Fan-out: sinks are grouped by event loop in a Relay; a published frame is posted once
// per loop that has sinks, and the relay hands it to its sinks on that loop: one
// cross-thread hop per loop per frame, never per sink. The stream's lock is held per
// frame, never per sink.
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
  std::string source;                // the publisher's protocol: "rtmp", "webrtc"
  std::vector<std::string> bridges;  // running: "webrtc_to_rtmp", "rtmp_to_webrtc"
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
  // A bridge of this stream started or stopped (for /v1/admin/streams).
  void set_bridge(const std::string& direction, bool running);

  // Sink side, on `loop`: registers the sink and hands it at once, before returning, what it
  // must get first (metadata, sequence headers, the GOP cache); the frames that follow come
  // through the relay, each once. Returns how many frames were replayed.
  size_t attach(Sink* sink, boost::asio::io_context& loop);
  void detach(Sink* sink, boost::asio::io_context& loop);
  // Sinks attached now (players and taps), from any thread.
  size_t sinks() const { return sinks_.load(std::memory_order_relaxed); }

  // Demand, for sources that cost something to feed (the WebRTC -> RTMP bridge transcodes):
  // true while a player is attached or HLS was requested within the last kHlsDemandMs. The
  // HLS segmenter, always attached, does not count by itself: a WebRTC stream nobody
  // watches over RTMP, HTTP-FLV or HLS (a meeting) costs no codec work. From any thread.
  bool wanted() const;
  // An HLS playlist or segment of this stream was requested.
  void want_hls();
  static constexpr int64_t kHlsDemandMs = 30'000;
  // Forgets the GOP cache (not the sequence headers): a source that stops feeding while
  // unwanted, so the next player does not start with a picture from long ago.
  void clear_gop();

  // Why this publish cannot be played over RTMP, HTTP-FLV or HLS (a WebRTC stream in a
  // codec the bridge does not convert); empty when it can. Cleared by the next publish.
  void set_refusal(std::string reason);
  std::string refusal() const;

  StreamInfo info() const;
  bool publishing() const { return publishing_.load(); }
  Tracks tracks() const;
  // A source that knows its tracks before its first frame (a WebRTC publisher, from its
  // negotiated media) says so: otherwise the first frame decides, and a bridge whose audio
  // comes before its first keyframe would make the stream audio-only for FLV's header.
  void declare_tracks(bool audio, bool video);

 private:
  friend class StreamHub;
  struct Attached {
    Sink* sink;
    uint64_t from_seq;  // frames before it were replayed by attach()
  };
  struct Relay {
    boost::asio::io_context* loop = nullptr;
    std::vector<Attached> sinks;  // touched on `loop` only
    std::atomic<size_t> count{0};
    void deliver(const FramePtr& frame);  // on `loop`
  };
  void begin_publish(const std::string& protocol);
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
  std::atomic<size_t> players_{0};  // attached sinks that are players
  std::atomic<size_t> sinks_{0};
  std::atomic<int64_t> hls_wanted_until_ms_{0};
  std::string refusal_;
  StreamInfo info_;
};

// A server-side consumer of every stream (the HLS segmenter) or of some (the bridges): the
// hub opens one sink per publish when it goes live, on the source's loop, attaches it, and
// closes it on that loop when the publish ends (after its on_unpublish).
class Tap {
 public:
  virtual ~Tap() = default;
  // The sink to attach for this publish of `stream`, or null to skip it.
  virtual std::unique_ptr<Sink> open(const std::shared_ptr<Stream>& stream, boost::asio::io_context& loop) = 0;
  // The publish ended; `sink` is detached already.
  virtual void close(std::unique_ptr<Sink> sink, const std::shared_ptr<Stream>& stream,
                     boost::asio::io_context& loop) = 0;
};

// Who asks to publish a stream.
struct PublishRequest {
  // The source's event loop: its taps run there. Null: no taps (the hub's unit tests).
  boost::asio::io_context* loop = nullptr;
  bool takeover = false;  // stop the current publisher instead of being refused
  // Stops this publisher (taken over, kicked). Called with the hub's lock held: post only.
  std::function<void()> kick;
  // False: the stream is held (nobody else may publish it) but not said to be live
  // (on_publish) until announce(): a WebRTC publisher takes the stream when it answers, and
  // goes live when its peer connects.
  bool announce = true;
  std::string protocol = "rtmp";  // the source's, for StreamInfo::source
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
  Result<Ticket> start_publish(const std::string& name, PublishRequest request);
  // The publish of `ticket` is live: on_publish (once per stream going live) and the taps
  // (once per publish). On the source's loop. A no-op for a ticket taken over.
  void announce(const Ticket& ticket);
  // Ends the publish of `ticket` (a no-op when another publisher took over). On the
  // source's loop.
  void stop_publish(const Ticket& ticket);
  // Registers a tap for every publish from now on; before any stream publishes. The tap
  // outlives the hub's streams.
  void add_tap(Tap& tap);
  // The stream a player attaches to (created waiting for its publisher when absent).
  std::shared_ptr<Stream> stream_for_play(const std::string& name);
  void release(const std::shared_ptr<Stream>& s);  // a player left
  // The stream `name` while someone publishes it (live or held), else null.
  std::shared_ptr<Stream> published(const std::string& name) const;
  // Stream::refusal() of `name` while it is published; empty otherwise.
  std::string refusal(const std::string& name) const;
  // Stops the publisher of `name`; false when nobody publishes it.
  bool kick(const std::string& name);

  std::vector<StreamInfo> list() const;

  // Called (from the publisher's loop) when a stream starts and stops publishing.
  std::function<void(const std::string&)> on_publish;
  std::function<void(const std::string&)> on_unpublish;

 private:
  struct OpenTap {
    Tap* tap;
    std::unique_ptr<Sink> sink;
  };
  struct Entry {
    std::shared_ptr<Stream> stream;
    std::function<void()> kick;
    uint64_t publisher = 0;  // 0: nobody
    boost::asio::io_context* loop = nullptr;  // the publisher's
    bool live = false;       // on_publish said so, on_unpublish not yet
    bool tapped = false;     // this publish opened its taps
    std::vector<OpenTap> taps;
    size_t players = 0;
  };
  void maybe_erase(const std::string& name);  // under mu_
  void open_taps(const Ticket& t);  // on the source's loop, without mu_
  // Closes the taps of the publish that just ended, on its loop (under mu_: posts only).
  void close_taps(Entry& e);

  const size_t gop_max_bytes_;
  const uint32_t audio_cache_ms_;
  mutable std::mutex mu_;
  uint64_t next_ticket_ = 1;
  std::map<std::string, Entry> streams_;
  std::vector<Tap*> taps_;
};

}  // namespace onair::media
