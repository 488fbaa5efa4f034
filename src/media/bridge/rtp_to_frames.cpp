#include "media/bridge/rtp_to_frames.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "media/bridge/aac_config.hpp"
#include "media/bridge/avc.hpp"
#include "media/bridge/opus_to_aac.hpp"
#include "media/rtmp/amf0.hpp"
#include "media/webrtc/codec_h264.hpp"

namespace onair::bridge {
namespace asio = boost::asio;

namespace {

constexpr const char* kDirection = "webrtc_to_rtmp";
// Opus packets waiting for the worker: 2 s of 20 ms packets. A worker that far behind is
// overloaded; what does not fit is dropped rather than queued without bound.
constexpr int kMaxQueuedAudio = 100;
constexpr int64_t kKeyframeRetryMs = 300;

Gauge& active_gauge() {
  static Gauge& g = metrics().gauge("onair_bridge_active", "Bridges running", {{"direction", kDirection}});
  return g;
}
Counter& frames_counter(const char* kind) {
  return metrics().counter("onair_bridge_frames_total", "Frames a bridge produced",
                           {{"direction", kDirection}, {"kind", kind}});
}
Counter& drops_counter(const char* reason) {
  return metrics().counter("onair_bridge_drops_total", "What a bridge dropped",
                           {{"direction", kDirection}, {"reason", reason}});
}
Counter& keyframe_requests() {
  static Counter& c = metrics().counter("onair_bridge_keyframe_requests_total",
                                        "Keyframes a bridge asked a WebRTC publisher for", {{"direction", kDirection}});
  return c;
}
std::atomic<uint64_t>& transcode_us() {
  static std::atomic<uint64_t> us{0};
  static bool registered = [] {
    metrics().counter_fn("onair_bridge_transcode_seconds_total", "CPU time bridges spent transcoding audio",
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

}  // namespace

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
  bool header_sent = false;
  uint32_t last_ms = 0;
  std::vector<AacFrame> out;

  void push(const std::string& packet, uint32_t rtp_timestamp) {
    queued.fetch_sub(1, std::memory_order_relaxed);
    std::lock_guard lock(mu);
    if (stopped || !codec) return;
    auto t0 = std::chrono::steady_clock::now();
    out.clear();
    uint64_t errors = codec->counters().decode_errors;
    codec->push({reinterpret_cast<const uint8_t*>(packet.data()), packet.size()}, rtp_timestamp, out);
    if (codec->counters().decode_errors > errors) drops_counter("audio_decode").inc();
    for (const AacFrame& f : out) publish(f);
    transcode_us().fetch_add(
        uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count()),
        std::memory_order_relaxed);
  }

  void publish(const AacFrame& f) {
    int64_t ms = offset_ms.load(std::memory_order_relaxed) + f.pts * 1000 / OpusToAac::kSampleRate;
    uint32_t ts = uint32_t(std::max<int64_t>(ms, 0));
    if (header_sent && int32_t(ts - last_ms) < 0) ts = last_ms;  // forward only
    if (!header_sent) {
      header_sent = true;
      stream->set_codecs("", "aac");
      stream->publish_frame(media::make_frame(media::FrameKind::audio, ts, false, true,
                                              flv_aac_sequence_header(codec->audio_specific_config())));
    }
    last_ms = ts;
    stream->publish_frame(media::make_frame(media::FrameKind::audio, ts, false, false,
                                            flv_aac_frame({reinterpret_cast<const uint8_t*>(f.data.data()), f.data.size()})));
    frames_counter("audio").inc();
  }
};

RtpToFrames::RtpToFrames(std::shared_ptr<media::Stream> stream, webrtc::Router& router, RtpToFramesOptions options,
                         asio::any_io_executor workers)
    : stream_(std::move(stream)),
      router_(&router),
      options_(options),
      jitter_(JitterConfig{int(options.jitter_ms)}),
      depacketizer_([this](const AccessUnit& au) { on_access_unit(au); }) {
  webrtc::Producer& producer = router.producer();
  if (const webrtc::NegotiatedMedia* v = producer.media(webrtc::MediaKind::video)) {
    h264_ = v->codec.name == "H264";
    video_layer_ = producer.video_layers() ? producer.video_layers() - 1 : 0;
    refused_ = !h264_;
    if (refused_)
      stream_->set_refusal("the stream's video is " + v->codec.name +
                           " from WebRTC, which onair does not convert for RTMP, HTTP-FLV or HLS; publish H.264 "
                           "(WHIP with video_codecs [H264]) or play it over WHEP");
  }
  if (const webrtc::NegotiatedMedia* a = producer.media(webrtc::MediaKind::audio); a && !refused_) {
    bool stereo = a->codec.fmtp.find("stereo=1") != std::string::npos;
    auto codec = OpusToAac::create(stereo ? 2 : 1, int(options_.aac_kbps));
    if (!codec) {
      spdlog::warn("bridge: no audio for stream={}: {}", stream_->name(), codec.error().message());
    } else {
      audio_ = std::make_shared<Audio>(std::move(workers));
      audio_->stream = stream_;
      audio_->codec.emplace(std::move(*codec));
      audio_->clock_rate = a->codec.clock_rate ? a->codec.clock_rate : 48000;
    }
  }
  router.add_observer(this);
  active_gauge().add(1);
}

RtpToFrames::~RtpToFrames() {
  if (router_) router_->remove_observer(this);
  if (was_active_) stream_->set_bridge("webrtc_to_rtmp", false);
  stop();
  active_gauge().add(-1);
}

void RtpToFrames::stop() {
  router_ = nullptr;
  if (!audio_) return;
  std::lock_guard lock(audio_->mu);
  audio_->stopped = true;
}

void RtpToFrames::on_router_closed() { stop(); }

bool RtpToFrames::active(int64_t now_ms) {
  now_ms_ = now_ms;
  if (refused_) return false;
  bool a = stream_->sinks() > 0;
  if (a != was_active_) stream_->set_bridge("webrtc_to_rtmp", a);
  if (a && !was_active_) {
    // A first sink: it needs a keyframe (a later one gets the GOP cache).
    last_request_ms_ = -1'000'000;
    if (h264_) request_keyframe(now_ms);
  }
  was_active_ = a;
  if (a && start_ms_ < 0) start_ms_ = now_ms;
  return a;
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
      drops_counter("audio_queue_full").inc();
      return;
    }
    audio_->queued.fetch_add(1, std::memory_order_relaxed);
    auto payload = p.payload();
    asio::post(audio_->strand, [a = audio_, packet = std::string(reinterpret_cast<const char*>(payload.data()),
                                                                    payload.size()),
                                ts = p.timestamp()] { a->push(packet, ts); });
    return;
  }
  if (!h264_ || layer.index != video_layer_) return;
  auto pushed = jitter_.push(p.sequence_number(), p.timestamp(), p.marker(), p.payload(), now_ms);
  if (pushed == JitterBuffer::Push::oversize) drops_counter("oversize").inc();
  drain_jitter(now_ms);
}

void RtpToFrames::drain_jitter(int64_t now_ms) {
  jitter_.poll(now_ms, [&](const JitterOutput& out) {
    if (out.kind == JitterOutput::Kind::loss) {
      drops_counter("video_loss").inc();
      depacketizer_.lost();
      return;
    }
    uint64_t before = depacketizer_.counters().malformed;
    depacketizer_.push(out.seq, out.timestamp, out.marker, out.payload);
    if (depacketizer_.counters().malformed > before) drops_counter("video_malformed").inc();
  });
  if (depacketizer_.needs_keyframe()) request_keyframe(now_ms);
}

void RtpToFrames::tick(int64_t now_ms) {
  if (!router_ || !h264_ || !active(now_ms)) return;
  if (auto due = jitter_.next_deadline_ms(); due && *due <= now_ms) drain_jitter(now_ms);
  // HLS cuts segments at keyframes: ask for one when a segment's length has passed.
  if (options_.keyframe_every_s > 0 && video_started_ &&
      now_ms - last_keyframe_ms_ >= int64_t(options_.keyframe_every_s * 1000))
    request_keyframe(now_ms);
}

void RtpToFrames::request_keyframe(int64_t now_ms) {
  if (!router_ || now_ms - last_request_ms_ < kKeyframeRetryMs) return;
  last_request_ms_ = now_ms;
  ++counters_.keyframe_requests;
  keyframe_requests().inc();
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
  if (counters_.video_frames && int32_t(ts - video_last_ms_) < 0) ts = video_last_ms_;
  video_last_ms_ = ts;
  if (au.parameters_changed || config_.empty()) {
    std::string config = build_avc_config(depacketizer_.sps(), depacketizer_.pps());
    if (config.empty()) {
      drops_counter("video_parameter_sets").inc();
      return;
    }
    if (config != config_) {
      config_ = config;
      if (auto sps = parse_sps(depacketizer_.sps())) {
        stream_->set_metadata(media::make_frame(media::FrameKind::script, ts, false, false,
                                                on_metadata(sps->width, sps->height)),
                              sps->width, sps->height, 0);
      }
      stream_->set_codecs("h264", "");
      stream_->publish_frame(media::make_frame(media::FrameKind::video, ts, true, true, flv_avc_sequence_header(config_)));
    }
  }
  // Access unit delimiters mean nothing in FLV; SPS/PPS travel in the sequence header.
  NalView kept[64];
  size_t n = 0;
  bool too_many = false;
  for (const NalView& nal : au.nals) {
    if (nal.empty()) continue;
    uint8_t type = nal[0] & 0x1F;
    if (type == webrtc::h264::nal::kAud || type == webrtc::h264::nal::kSps || type == webrtc::h264::nal::kPps) continue;
    if (n == std::size(kept)) {
      too_many = true;
      break;
    }
    kept[n++] = nal;
  }
  if (too_many || n == 0) {
    drops_counter(too_many ? "video_too_many_nals" : "video_empty").inc();
    return;
  }
  scratch_.clear();
  append_flv_avc_frame(scratch_, au.keyframe, 0, std::span<const NalView>(kept, n));
  if (au.keyframe) last_keyframe_ms_ = now_ms_;
  stream_->publish_frame(media::make_frame(media::FrameKind::video, ts, au.keyframe, false, scratch_));
  ++counters_.video_frames;
  frames_counter("video").inc();
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
  if (std::abs(offset - current) >= 5) audio_->offset_ms.store(offset, std::memory_order_relaxed);
}

}  // namespace onair::bridge
