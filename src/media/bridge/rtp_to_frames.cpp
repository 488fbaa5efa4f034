#include "media/bridge/rtp_to_frames.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "media/bridge/aac_config.hpp"
#include "media/bridge/avc.hpp"
#include "media/bridge/bridge_metrics.hpp"
#include "media/bridge/opus_to_aac.hpp"
#include "media/bridge/vp8_to_h264.hpp"
#include "media/rtmp/amf0.hpp"
#include "media/webrtc/codec_h264.hpp"

namespace onair::bridge {
namespace asio = boost::asio;

namespace {

// Opus packets waiting for the worker: 2 s of 20 ms packets. A worker that far behind is
// overloaded; what does not fit is dropped rather than queued without bound.
constexpr int kMaxQueuedAudio = 100;
// VP8 frames waiting for the worker: about 250 ms at 30 fps. Past that a frame is dropped,
// and so is everything up to the next keyframe (which is asked for).
constexpr int kMaxQueuedVideo = 8;
constexpr int64_t kKeyframeRetryMs = 300;
// The bridge keeps running this long after demand ends, so a player that reconnects or
// follows another gets the GOP cache at once instead of waiting for a keyframe.
constexpr int64_t kLingerMs = 5000;

const BridgeMetrics& m() { return BridgeMetrics::webrtc_to_rtmp(); }

std::atomic<uint64_t>& transcode_us() {
  static std::atomic<uint64_t> us{0};
  static bool registered = [] {
    metrics().counter_fn("onair_bridge_transcode_seconds_total", "Time bridges spent transcoding (audio, and VP8 to H.264)",
                         [] { return double(us.load(std::memory_order_relaxed)) / 1e6; });
    return true;
  }();
  (void)registered;
  return us;
}

// NTP (RFC 5905 6: 32.32 fixed point seconds) to ms.
int64_t ntp_ms(uint64_t ntp) { return int64_t(ntp >> 32) * 1000 + int64_t(((ntp & 0xFFFFFFFFull) * 1000) >> 32); }

std::string on_metadata(int width, int height) {
  using amf0::Value;
  std::string body;
  amf0::encode(body, Value::str("onMetaData"));
  amf0::encode(body, Value::ecma_array_of({{"width", Value::num(width)},
                                                 {"height", Value::num(height)},
                                                 {"videocodecid", Value::num(7)},
                                                 {"audiocodecid", Value::num(10)},
                                                 {"audiosamplerate", Value::num(48000)},
                                                 {"encoder", Value::str("onair (WebRTC bridge)")}}));
  return body;
}

uint64_t elapsed_us(std::chrono::steady_clock::time_point t0) {
  return uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
}

}  // namespace

// Where video starts, shared by the video path (loop or worker) and the audio worker. Audio
// waits for video's first keyframe after each wake-up (up to kAudioWaitMs, for a publisher
// whose video never comes) and starts no earlier than it: a player's first frame is then
// the keyframe, and no audio of its first moments is stamped before it (which players clamp
// into equal timestamps). The jitter buffer holds video back, so audio is always ahead.
struct VideoStart {
  static constexpr int64_t kAudioWaitMs = 2000;
  std::atomic<int64_t> first_ms{-1};        // the first keyframe's timestamp since waking
  std::atomic<int64_t> last_ms{-1};         // the latest video frame's timestamp
  std::atomic<int64_t> audio_wait_until{0};  // steady ms
  void restart() {
    first_ms.store(-1, std::memory_order_relaxed);
    last_ms.store(-1, std::memory_order_relaxed);
    audio_wait_until.store(steady_now_us() / 1000 + kAudioWaitMs, std::memory_order_relaxed);
  }
};

// H.264 access units -> the FLV frames of a Stream: an AVC sequence header (and onMetaData
// with the picture size) first and whenever the parameter sets change, then one AVC frame
// per unit with its timestamp kept monotonic. Used on one thread: the loop for H.264 as the
// browser sent it, the worker for VP8 transcoded.
class AvcOut {
 public:
  AvcOut(media::Stream& stream, std::shared_ptr<VideoStart> start) : stream_(&stream), start_(std::move(start)) {}

  // False when the unit was dropped (its parameter sets do not make a sequence header, or
  // it holds no picture).
  bool publish(uint32_t ts, bool keyframe, bool parameters_changed, std::span<const uint8_t> sps,
               std::span<const uint8_t> pps, std::span<const NalView> nals) {
    if (frames_ && int32_t(ts - last_ms_) <= 0) ts = last_ms_ + 1;  // strictly forward: muxers want that
    last_ms_ = ts;
    if (parameters_changed || config_.empty()) {
      std::string config = build_avc_config(sps, pps);
      if (config.empty()) {
        m().drops("video_parameter_sets").inc();
        return false;
      }
      if (config != config_) {
        config_ = config;
        if (auto info = parse_sps(sps)) {
          stream_->set_metadata(media::make_frame(media::FrameKind::script, ts, false, false,
                                                  on_metadata(info->width, info->height)),
                                info->width, info->height, 0);
        }
        stream_->publish_frame(media::make_frame(media::FrameKind::video, ts, true, true,
                                                 flv_avc_sequence_header(config_), media::Codec::h264));
      }
    }
    // Access unit delimiters mean nothing in FLV; SPS/PPS travel in the sequence header.
    NalView kept[64];
    size_t n = 0;
    for (const NalView& nal : nals) {
      if (nal.empty()) continue;
      uint8_t type = nal[0] & 0x1F;
      if (type == webrtc::h264::nal::kAud || type == webrtc::h264::nal::kSps || type == webrtc::h264::nal::kPps)
        continue;
      if (n == std::size(kept)) {
        m().drops("video_too_many_nals").inc();
        return false;
      }
      kept[n++] = nal;
    }
    if (n == 0) {
      m().drops("video_empty").inc();
      return false;
    }
    append_flv_avc_frame(scratch_, keyframe, 0, std::span<const NalView>(kept, n));
    stream_->publish_frame(media::make_frame(media::FrameKind::video, ts, keyframe, false, scratch_, media::Codec::h264));
    if (keyframe && start_->first_ms.load(std::memory_order_relaxed) < 0)
      start_->first_ms.store(ts, std::memory_order_relaxed);
    start_->last_ms.store(ts, std::memory_order_relaxed);
    ++frames_;
    m().video_frames.inc();
    return true;
  }
  // The next unit starts over with a sequence header (a new encoder, a restart).
  void reset() { config_.clear(); }

 private:
  media::Stream* stream_;
  std::shared_ptr<VideoStart> start_;
  std::string config_;  // the AVC sequence header's record, to see a change
  std::string scratch_;
  uint32_t last_ms_ = 0;
  uint64_t frames_ = 0;
};

// The audio path's state. Worker side: the codec, what has been published, under `mu`.
// Loop side: whether the origin is known. Tasks in flight hold it, so the bridge may go first.
struct RtpToFrames::Audio {
  explicit Audio(asio::any_io_executor workers) : strand(asio::make_strand(std::move(workers))) {}

  asio::strand<asio::any_io_executor> strand;
  std::atomic<int> queued{0};
  std::atomic<int64_t> offset_ms{0};  // where pts 0 sits on the stream's timeline
  // On the loop.
  bool started = false;
  uint32_t first_rtp = 0;  // pts 0
  uint32_t clock_rate = 48000;
  // On the worker.
  std::mutex mu;
  bool stopped = false;
  std::shared_ptr<media::Stream> stream;
  std::optional<OpusToAac> codec;
  std::shared_ptr<VideoStart> video;  // null: the stream has no video
  int kbps = 128;
  bool header_sent = false;
  bool published_since_video = false;  // since video's first keyframe after waking
  uint32_t last_ms = 0;
  std::vector<AacFrame> out;

  // A new timeline after a pause: the codec starts over (same output config).
  void fresh_codec() {
    std::lock_guard lock(mu);
    if (stopped || !codec) return;
    published_since_video = false;
    held.clear();
    if (auto c = OpusToAac::create(codec->channels(), kbps)) codec.emplace(std::move(*c));
  }

  void push(const std::string& packet, uint32_t rtp_timestamp, int64_t arrival_us) {
    queued.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(mu);
    if (stopped || !codec) return;
    auto t0 = std::chrono::steady_clock::now();
    out.clear();
    uint64_t errors = codec->counters().decode_errors;
    codec->push({reinterpret_cast<const uint8_t*>(packet.data()), packet.size()}, rtp_timestamp, out);
    if (codec->counters().decode_errors > errors) m().drops("audio_decode").inc();
    for (const AacFrame& f : out) publish(f, arrival_us);
    release();
    transcode_us().fetch_add(elapsed_us(t0), std::memory_order_relaxed);
  }

  // Audio is ahead: video waits in the jitter buffer (and the transcoder). Frames are held
  // until video has reached their time (up to kMaxHoldMs), so the stream interleaves by
  // timestamp as an encoder's would, and a player that joins at a keyframe gets no audio
  // stamped long after it.
  static constexpr int64_t kMaxHoldMs = 300;
  struct Held {
    uint32_t ts;
    std::string body;
    int64_t arrival_us;
  };
  std::deque<Held> held;

  void release() {
    int64_t now_us = steady_now_us();
    int64_t until = INT64_MAX;  // no video, or none yet: nothing to wait for
    if (video && video->first_ms.load(std::memory_order_relaxed) >= 0)
      until = video->last_ms.load(std::memory_order_relaxed);
    while (!held.empty() && (int64_t(held.front().ts) <= until || now_us - held.front().arrival_us >= kMaxHoldMs * 1000)) {
      Held& h = held.front();
      stream->publish_frame(media::make_frame(media::FrameKind::audio, h.ts, false, false, std::move(h.body),
                                              media::Codec::aac));
      m().audio_frames.inc();
      m().audio_latency_since(h.arrival_us);
      held.pop_front();
    }
  }

  void publish(const AacFrame& f, int64_t arrival_us) {
    int64_t ms = offset_ms.load(std::memory_order_relaxed) + f.pts * 1000 / OpusToAac::kSampleRate;
    uint32_t ts = uint32_t(std::max<int64_t>(ms, 0));
    if (video) {
      int64_t first = video->first_ms.load(std::memory_order_relaxed);
      bool waiting = first < 0 && steady_now_us() / 1000 < video->audio_wait_until.load(std::memory_order_relaxed);
      if (waiting || (first >= 0 && !published_since_video && int64_t(ts) < first)) {
        m().drops("audio_before_video").inc();
        return;
      }
      if (first >= 0) published_since_video = true;
    }
    // Each frame after the one before it ends (or nearly: 1024 samples are 21.3 ms): when
    // the sender reports move audio back against video, frames that would overlap what was
    // sent are dropped (a few ms of sound, once) rather than squeezed: decoders and muxers
    // take squeezed audio for overlapping timestamps.
    if (header_sent && int32_t(ts - last_ms) < int32_t(512 * 1000 / OpusToAac::kSampleRate)) {
      m().drops("audio_realign").inc();
      return;
    }
    if (!header_sent) {
      header_sent = true;
      stream->publish_frame(media::make_frame(media::FrameKind::audio, ts, false, true,
                                              flv_aac_sequence_header(codec->audio_specific_config()),
                                              media::Codec::aac));
    }
    last_ms = ts;
    held.push_back({ts, flv_aac_frame({reinterpret_cast<const uint8_t*>(f.data.data()), f.data.size()}), arrival_us});
  }
};

// The VP8 path's worker side: the transcoder and the frames it publishes, under `mu`. The
// codec is made at the first frame after demand starts and dropped when it ends.
struct RtpToFrames::Transcode {
  Transcode(asio::any_io_executor workers, std::shared_ptr<media::Stream> s, Vp8ToH264::Options o,
            std::shared_ptr<VideoStart> start)
      : strand(asio::make_strand(std::move(workers))),
        stream(std::move(s)),
        options(std::move(o)),
        out(*stream, std::move(start)) {}

  asio::strand<asio::any_io_executor> strand;
  std::atomic<int> queued{0};
  std::atomic<bool> wants_keyframe{false};  // the worker -> the loop: ask the browser
  std::mutex mu;
  std::atomic<bool> stopped{false};
  bool failed = false;  // the encoder cannot be made: logged once, nothing bridged
  std::shared_ptr<media::Stream> stream;
  Vp8ToH264::Options options;
  std::optional<Vp8ToH264> codec;
  AvcOut out;
  int64_t arrival_us = 0;  // of the frame being transcoded

  void push(const std::string& frame, uint32_t ts, bool keyframe, bool idr, int64_t arrival) {
    queued.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(mu);
    if (stopped || failed) return;
    auto t0 = std::chrono::steady_clock::now();
    if (!codec) {
      auto c = Vp8ToH264::create(options, [this](const H264Unit& u) {
        if (out.publish(uint32_t(std::max<int64_t>(0, u.pts_ms)), u.keyframe, u.parameters_changed, u.sps, u.pps,
                        u.nals))
          m().video_latency_since(arrival_us);
      });
      if (!c) {
        failed = true;
        spdlog::warn("bridge: no video for stream={}: {}", stream->name(), c.error().message());
        return;
      }
      codec.emplace(std::move(*c));
      out.reset();
    }
    arrival_us = arrival;
    uint64_t errors = codec->counters().decode_errors + codec->counters().encode_errors;
    if (!codec->push({reinterpret_cast<const uint8_t*>(frame.data()), frame.size()}, ts, keyframe, idr))
      wants_keyframe.store(true, std::memory_order_relaxed);
    if (codec->counters().decode_errors + codec->counters().encode_errors > errors) m().drops("video_decode").inc();
    transcode_us().fetch_add(elapsed_us(t0), std::memory_order_relaxed);
  }

  void reset() {
    std::lock_guard lock(mu);
    codec.reset();
  }
};

RtpToFrames::RtpToFrames(std::shared_ptr<media::Stream> stream, webrtc::Router& router, RtpToFramesOptions options,
                         asio::any_io_executor workers)
    : stream_(std::move(stream)),
      router_(&router),
      options_(options),
      jitter_(JitterConfig{int(options.jitter_ms)}),
      depacketizer_([this](const AccessUnit& au) { on_access_unit(au); }),
      vp8_depacketizer_([this](const Vp8Frame& f) { on_vp8_frame(f); }),
      video_start_(std::make_shared<VideoStart>()),
      video_out_(std::make_unique<AvcOut>(*stream_, video_start_)) {
  webrtc::Producer& producer = router.producer();
  if (const webrtc::NegotiatedMedia* v = producer.media(webrtc::MediaKind::video)) {
    h264_ = v->codec.name == "H264";
    vp8_ = v->codec.name == "VP8" && options_.vp8_transcode;
    video_layer_ = producer.video_layers() ? producer.video_layers() - 1 : 0;
    refused_ = !h264_ && !vp8_;
    if (refused_)
      stream_->set_refusal("the stream's video is " + v->codec.name +
                           " from WebRTC, which onair does not convert for RTMP, HTTP-FLV or HLS here " +
                           (v->codec.name == "VP8" ? "(bridge.vp8_transcode: off)" : "") +
                           "; publish H.264 (WHIP with video_codecs [H264]) or play it over WHEP");
    if (vp8_)
      transcode_ = std::make_shared<Transcode>(workers, stream_,
                                               Vp8ToH264::Options{options_.h264_kbps, options_.h264_preset},
                                               video_start_);
  }
  if (const webrtc::NegotiatedMedia* a = producer.media(webrtc::MediaKind::audio); a && !refused_) {
    bool stereo = a->codec.fmtp.find("stereo=1") != std::string::npos;
    auto codec = OpusToAac::create(stereo ? 2 : 1, int(options_.aac_kbps));
    if (!codec) {
      spdlog::warn("bridge: no audio for stream={}: {}", stream_->name(), codec.error().message());
    } else {
      audio_ = std::make_shared<Audio>(workers);
      audio_->stream = stream_;
      audio_->codec.emplace(std::move(*codec));
      audio_->kbps = int(options_.aac_kbps);
      if (h264_ || vp8_) audio_->video = video_start_;
      audio_->clock_rate = a->codec.clock_rate ? a->codec.clock_rate : 48000;
    }
  }
  if (!refused_) stream_->declare_tracks(audio_ != nullptr, h264_ || vp8_);
  router.add_observer(this);
  m().active.add(1);
}

RtpToFrames::~RtpToFrames() {
  if (router_) router_->remove_observer(this);
  if (was_active_) stream_->set_bridge(m().direction, false);
  stop();
  m().active.add(-1);
}

void RtpToFrames::stop() {
  router_ = nullptr;
  if (audio_) {
    std::lock_guard lock(audio_->mu);
    audio_->stopped = true;
  }
  if (transcode_) {
    // Not under the worker's lock (it holds it for a whole picture): the flag stops what is
    // queued, and the codecs go on the worker.
    transcode_->stopped.store(true, std::memory_order_relaxed);
    asio::post(transcode_->strand, [t = transcode_] { t->reset(); });
  }
}

void RtpToFrames::on_router_closed() { stop(); }

bool RtpToFrames::active(int64_t now_ms) {
  now_ms_ = now_ms;
  if (refused_) return false;
  if (stream_->wanted()) last_wanted_ms_ = now_ms;
  bool a = last_wanted_ms_ >= 0 && now_ms - last_wanted_ms_ < kLingerMs;
  if (a == was_active_) return a;
  was_active_ = a;
  stream_->set_bridge(m().direction, a);
  if (a) {
    bool resumed = start_ms_ >= 0;
    if (!resumed) start_ms_ = now_ms;
    // Packets resume after a pause: the video path starts over, and the first sink needs
    // a keyframe (a later one gets the GOP cache).
    restart(resumed);
    last_request_ms_ = -1'000'000;
    if (h264_ || vp8_) request_keyframe(now_ms);
  } else {
    // Nobody to feed: drop the codecs and the GOP a next player must not start from.
    stream_->clear_gop();
    if (transcode_)  // after the frames still queued there, which would refill the cache
      asio::post(transcode_->strand, [t = transcode_] {
        t->reset();
        t->stream->clear_gop();
      });
  }
  return a;
}

void RtpToFrames::restart(bool resumed) {
  jitter_ = JitterBuffer(JitterConfig{int(options_.jitter_ms)});
  depacketizer_ = H264Depacketizer([this](const AccessUnit& au) { on_access_unit(au); });
  vp8_depacketizer_ = Vp8Depacketizer([this](const Vp8Frame& f) { on_vp8_frame(f); });
  skip_to_keyframe_ = false;
  idr_asked_ = false;
  video_start_->restart();
  if (!resumed) return;
  // After a pause of any length (hours, for a camera nobody watched) both tracks are placed
  // again from their next packet's arrival, not by unwrapping RTP time across the pause;
  // the published timestamps still only go forward (AvcOut, Audio::publish).
  video_started_ = false;
  if (audio_) {
    audio_->started = false;
    asio::post(audio_->strand, [a = audio_] { a->fresh_codec(); });
  }
}

void RtpToFrames::on_rtp(const webrtc::Layer& layer, const webrtc::rtp::Packet& p, int64_t now_ms) {
  if (!router_ || !active(now_ms)) return;
  if (layer.kind == webrtc::MediaKind::audio) {
    if (!audio_ || p.payload_size() == 0) return;
    ++counters_.audio_packets;
    if (!audio_->started) {
      audio_->started = true;
      audio_->first_rtp = p.timestamp();
      audio_->offset_ms = now_ms - start_ms_;
      align_audio();
    }
    if (audio_->queued.load(std::memory_order_relaxed) >= kMaxQueuedAudio) {
      ++counters_.audio_dropped;
      m().drops("audio_queue_full").inc();
      return;
    }
    audio_->queued.fetch_add(1, std::memory_order_relaxed);
    auto payload = p.payload();
    asio::post(audio_->strand, [a = audio_, packet = std::string(reinterpret_cast<const char*>(payload.data()),
                                                                    payload.size()),
                                ts = p.timestamp(), arrival_us = now_ms * 1000] { a->push(packet, ts, arrival_us); });
    return;
  }
  if ((!h264_ && !vp8_) || layer.index != video_layer_) return;
  auto pushed = jitter_.push(p.sequence_number(), p.timestamp(), p.marker(), p.payload(), now_ms);
  if (pushed == JitterBuffer::Push::oversize) m().drops("oversize").inc();
  drain_jitter(now_ms);
}

void RtpToFrames::drain_jitter(int64_t now_ms) {
  jitter_.poll(now_ms, [&](const JitterOutput& out) {
    if (out.kind == JitterOutput::Kind::loss) {
      m().drops("video_loss").inc();
      if (h264_) depacketizer_.lost();
      else vp8_depacketizer_.lost();
      return;
    }
    last_arrival_ms_ = out.arrival_ms;
    if (h264_) {
      uint64_t before = depacketizer_.counters().malformed;
      depacketizer_.push(out.seq, out.timestamp, out.marker, out.payload);
      if (depacketizer_.counters().malformed > before) m().drops("video_malformed").inc();
    } else {
      uint64_t before = vp8_depacketizer_.counters().malformed;
      vp8_depacketizer_.push(out.seq, out.timestamp, out.marker, out.payload);
      if (vp8_depacketizer_.counters().malformed > before) m().drops("video_malformed").inc();
    }
  });
  bool needs = h264_ ? depacketizer_.needs_keyframe() : vp8_depacketizer_.needs_keyframe() || skip_to_keyframe_;
  if (needs) request_keyframe(now_ms);
}

void RtpToFrames::tick(int64_t now_ms) {
  if (!router_ || (!h264_ && !vp8_) || !active(now_ms)) return;
  if (auto due = jitter_.next_deadline_ms(); due && *due <= now_ms) drain_jitter(now_ms);
  if (transcode_ && transcode_->wants_keyframe.exchange(false, std::memory_order_relaxed)) request_keyframe(now_ms);
  // HLS cuts segments at keyframes: ask for one when a segment's length has passed (a
  // VP8 stream's encoder makes them itself).
  if (h264_ && options_.keyframe_every_s > 0 && video_started_ &&
      now_ms - last_keyframe_ms_ >= int64_t(options_.keyframe_every_s * 1000))
    request_keyframe(now_ms);
}

void RtpToFrames::request_keyframe(int64_t now_ms) {
  if (!router_ || now_ms - last_request_ms_ < kKeyframeRetryMs) return;
  last_request_ms_ = now_ms;
  ++counters_.keyframe_requests;
  m().keyframe_requests.inc();
  router_->producer().request_keyframe(video_layer_, now_ms);
}

int64_t RtpToFrames::video_ms(uint32_t rtp_timestamp) {
  if (!video_started_) {
    video_started_ = true;
    video_origin_rtp_ = video_last_rtp_ = rtp_timestamp;
    video_offset_ms_ = std::max<int64_t>(0, now_ms_ - start_ms_);
    align_audio();
  }
  video_last_rtp_ += int32_t(rtp_timestamp - uint32_t(video_last_rtp_));
  return video_offset_ms_ + (video_last_rtp_ - video_origin_rtp_) / 90;
}

void RtpToFrames::on_access_unit(const AccessUnit& au) {
  uint32_t ts = uint32_t(std::max<int64_t>(0, video_ms(au.timestamp)));
  if (au.keyframe) last_keyframe_ms_ = now_ms_;
  if (video_out_->publish(ts, au.keyframe, au.parameters_changed, depacketizer_.sps(), depacketizer_.pps(), au.nals)) {
    ++counters_.video_frames;
    m().video_latency_since(last_arrival_ms_ * 1000);
  }
}

void RtpToFrames::on_vp8_frame(const Vp8Frame& f) {
  uint32_t ts = uint32_t(std::max<int64_t>(0, video_ms(f.timestamp)));
  if (skip_to_keyframe_ && !f.keyframe) {
    ++counters_.video_dropped;
    return;
  }
  if (transcode_->queued.load(std::memory_order_relaxed) >= kMaxQueuedVideo) {
    // The worker is behind: this frame goes, and every one up to the next keyframe.
    ++counters_.video_dropped;
    m().drops("video_queue_full").inc();
    skip_to_keyframe_ = true;
    request_keyframe(now_ms_);
    return;
  }
  skip_to_keyframe_ = false;
  // An IDR from the encoder every segment's length, for HLS and late players.
  bool idr = !idr_asked_ || f.keyframe ||
             (options_.keyframe_every_s > 0 &&
              int32_t(ts - last_idr_ms_) >= int32_t(options_.keyframe_every_s * 1000));
  if (idr) {
    idr_asked_ = true;
    last_idr_ms_ = ts;
  }
  ++counters_.video_frames;
  transcode_->queued.fetch_add(1, std::memory_order_relaxed);
  asio::post(transcode_->strand,
             [t = transcode_, frame = std::string(reinterpret_cast<const char*>(f.data.data()), f.data.size()), ts,
              key = f.keyframe, idr, arrival = last_arrival_ms_ * 1000] { t->push(frame, ts, key, idr, arrival); });
}

void RtpToFrames::on_sender_report(const webrtc::Layer& layer, uint64_t ntp, uint32_t rtp_timestamp) {
  Report& r = layer.kind == webrtc::MediaKind::audio ? audio_sr_ : video_sr_;
  if (layer.kind == webrtc::MediaKind::video && layer.index != video_layer_) return;
  r = {true, ntp, rtp_timestamp};
  align_audio();
}

// Places audio's pts 0 on the stream's timeline where the sender's clock says it belongs
// relative to video: the NTP time of audio's first RTP timestamp, then the video RTP time
// of that instant, then its place on video's timeline.
void RtpToFrames::align_audio() {
  if (!audio_ || !audio_->started || !video_started_ || !audio_sr_.known || !video_sr_.known) return;
  int64_t audio_wall_ms = ntp_ms(audio_sr_.ntp) +
                          int64_t(int32_t(audio_->first_rtp - audio_sr_.rtp)) * 1000 / int64_t(audio_->clock_rate);
  int64_t video_rtp = int64_t(video_sr_.rtp) + (audio_wall_ms - ntp_ms(video_sr_.ntp)) * 90;
  int64_t since_origin = int64_t(int32_t(uint32_t(video_rtp) - uint32_t(video_origin_rtp_)));
  int64_t offset = video_offset_ms_ + since_origin / 90;
  int64_t current = audio_->offset_ms.load(std::memory_order_relaxed);
  // Small differences are the reports' own rounding and jitter: not worth moving audio for.
  if (std::abs(offset - current) >= 10) audio_->offset_ms.store(offset, std::memory_order_relaxed);
}

}  // namespace onair::bridge
