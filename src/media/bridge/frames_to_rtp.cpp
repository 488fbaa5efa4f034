#include "media/bridge/frames_to_rtp.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <openssl/rand.h>

#include <chrono>
#include <mutex>
#include <optional>

#include "core/log.hpp"
#include "core/metrics.hpp"
#include "media/bridge/aac_to_opus.hpp"
#include "media/bridge/avc.hpp"
#include "media/bridge/bridge_metrics.hpp"
#include "media/flv/flv.hpp"
#include "media/webrtc/subscriber.hpp"

namespace onair::bridge {
namespace asio = boost::asio;

namespace {

constexpr int kMaxQueuedAudio = 100;  // AAC frames waiting for the worker (~2 s)

const BridgeMetrics& m() { return BridgeMetrics::rtmp_to_webrtc(); }

std::atomic<uint64_t>& transcode_us() {
  static std::atomic<uint64_t> us{0};
  static bool registered = [] {
    metrics().counter_fn("onair_bridge_audio_to_opus_seconds_total", "CPU time spent on AAC -> Opus for WHEP viewers",
                         [] { return double(us.load(std::memory_order_relaxed)) / 1e6; });
    return true;
  }();
  (void)registered;
  return us;
}

uint32_t random_u32() {
  uint32_t v = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v);
  return v | 1;
}

}  // namespace

// AAC -> Opus on the worker; the Opus packets go back to the loop. `owner` is touched on
// the loop only, and cleared when the bridge goes, so late results are dropped.
struct FramesToRtp::Audio {
  Audio(asio::any_io_executor workers, asio::io_context& l) : strand(asio::make_strand(std::move(workers))), loop(l) {}
  asio::strand<asio::any_io_executor> strand;
  asio::io_context& loop;
  std::atomic<int> queued{0};
  FramesToRtp* owner = nullptr;  // loop only
  std::mutex mu;                 // the worker's side
  std::optional<AacToOpus> codec;
  std::vector<OpusFrame> out;
};

FramesToRtp::FramesToRtp(std::shared_ptr<media::Stream> stream, asio::io_context& loop, FramesToRtpOptions options,
                         asio::any_io_executor workers)
    : stream_(std::move(stream)),
      loop_(loop),
      options_(options),
      router_(stream_->name(), *this),
      packetizer_(options.mtu) {
  video_media_.kind = webrtc::MediaKind::video;
  video_media_.mid = "video";
  // Chromium decodes any H.264 profile with the decoder it has; the answer names a profile
  // it offered for receiving (docs/webrtc.md: profiles from RTMP).
  video_media_.codec = {0, "H264", 90000, 0, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"};
  audio_media_.kind = webrtc::MediaKind::audio;
  audio_media_.mid = "audio";
  audio_media_.codec = {0, "opus", 48000, 2, "minptime=10;useinbandfec=1"};
  video_.kind = webrtc::MediaKind::video;
  video_.ssrc = random_u32();
  video_.clock_rate = 90000;
  video_.cache = std::make_unique<webrtc::PacketCache>(options.packet_cache);
  video_.used = true;
  audio_.kind = webrtc::MediaKind::audio;
  audio_.ssrc = random_u32();
  audio_.clock_rate = 48000;
  audio_.used = true;
  video_seq_ = uint16_t(random_u32());
  audio_seq_ = uint16_t(random_u32());
  audio_state_ = std::make_shared<Audio>(std::move(workers), loop);
  audio_state_->owner = this;
  m().active.add(1);
  attached_ = true;
  stream_->set_bridge(m().direction, true);
  replaying_ = true;
  stream_->attach(this, loop_);  // replays metadata, sequence headers and the GOP into on_frame
  replaying_ = false;
}

FramesToRtp::~FramesToRtp() {
  audio_state_->owner = nullptr;
  if (attached_) stream_->detach(this, loop_);
  stream_->set_bridge(m().direction, false);
  router_.close();
  m().active.add(-1);
}

void FramesToRtp::refuse(std::string why) {
  if (refusal_.empty()) {
    refusal_ = std::move(why);
    spdlog::info("bridge: stream={} not bridged to WebRTC: {}", stream_->name(), refusal_);
  }
}

const webrtc::NegotiatedMedia* FramesToRtp::media(webrtc::MediaKind kind) const {
  if (kind == webrtc::MediaKind::video) return has_video_ ? &video_media_ : nullptr;
  return has_audio_ ? &audio_media_ : nullptr;
}

std::span<const uint8_t> FramesToRtp::cached(size_t layer, uint16_t seq) const {
  if (layer != 0 || !video_.cache) return {};
  return video_.cache->get(seq);
}

void FramesToRtp::on_unpublish() {
  // Viewers of a stream that stopped end; they may come back with a new WHEP request.
  router_.close();
}

void FramesToRtp::on_frame(const media::FramePtr& frame) {
  if (router_.closed()) return;
  if (frame->kind == media::FrameKind::video)
    on_video(*frame);
  else if (frame->kind == media::FrameKind::audio)
    on_audio(*frame);
}

void FramesToRtp::on_video(const media::Frame& f) {
  std::span<const uint8_t> body(reinterpret_cast<const uint8_t*>(f.payload.data()), f.payload.size());
  auto v = flv::parse_video(body);
  if (!v || v->end_of_sequence) return;
  if (v->codec != flv::VideoCodec::h264 || v->enhanced) {
    refuse("the stream's video is " + std::string(flv::to_string(v->codec)) +
           ", which WebRTC viewers are not offered here (H.264 only); play it over RTMP, HTTP-FLV or HLS");
    return;
  }
  if (body.size() < 5) return;
  std::span<const uint8_t> data = body.subspan(5);
  if (v->sequence_header) {
    auto config = parse_avc_config(data);
    if (!config || config->sps.empty() || config->pps.empty()) {
      m().drops("video_config").inc();
      return;
    }
    nal_length_size_ = config->nal_length_size;
    packetizer_.set_parameter_sets(bytes_of(config->sps[0]), bytes_of(config->pps[0]));
    have_config_ = true;
    has_video_ = true;
    return;
  }
  if (!have_config_) return;
  if (v->composition_time != 0) {
    refuse("the stream has B-frames (composition time offsets), which WebRTC decoders do not reorder; publish "
           "with B-frames off (x264 bframes=0, ffmpeg -bf 0, OBS: B-frames 0)");
    return;
  }
  nals_.clear();
  if (!split_avcc(data, nal_length_size_, nals_)) {
    m().drops("video_malformed").inc();
    return;
  }
  if (nals_.empty()) return;
  if (v->keyframe) {
    have_keyframe_ = true;
    keyframe_seq_ = video_seq_;
  }
  uint32_t ts = f.timestamp * 90;  // ms -> 90 kHz, wrapping as RTP does
  int64_t now = webrtc::steady_ms();
  video_.last_packet_ms = now;
  bool first = true;
  packetizer_.packetize(std::span<const NalView>(nals_), [&](std::span<const uint8_t> payload, bool marker) {
    send(video_, payload, ts, marker, v->keyframe && first, video_seq_);
    first = false;
  });
  ++counters_.video_frames;
  m().video_frames.inc();
  if (!replaying_) m().video_latency_since(f.arrival_us);
}

void FramesToRtp::on_audio(const media::Frame& f) {
  std::span<const uint8_t> body(reinterpret_cast<const uint8_t*>(f.payload.data()), f.payload.size());
  auto a = flv::parse_audio(body);
  if (!a || a->codec != flv::AudioCodec::aac || body.size() < 2) return;
  std::span<const uint8_t> data = body.subspan(2);
  auto st = audio_state_;
  if (a->sequence_header) {
    auto codec = AacToOpus::create(data, int(options_.opus_kbps));
    if (!codec) {
      m().drops("audio_config").inc();
      spdlog::info("bridge: stream={} audio not bridged: {}", stream_->name(), codec.error().message());
      return;
    }
    std::lock_guard lock(st->mu);
    st->codec.emplace(std::move(*codec));
    has_audio_ = true;
    return;
  }
  if (!has_audio_) return;
  if (st->queued.load(std::memory_order_relaxed) >= kMaxQueuedAudio) {
    ++counters_.dropped;
    m().drops("audio_queue_full").inc();
    return;
  }
  st->queued.fetch_add(1, std::memory_order_relaxed);
  asio::post(st->strand, [st, raw = std::string(reinterpret_cast<const char*>(data.data()), data.size()),
                          ts = int64_t(f.timestamp), arrival_us = replaying_ ? 0 : f.arrival_us] {
    st->queued.fetch_sub(1, std::memory_order_relaxed);
    auto t0 = std::chrono::steady_clock::now();
    std::vector<OpusFrame> out;
    {
      std::lock_guard lock(st->mu);
      if (!st->codec) return;
      uint64_t errors = st->codec->counters().decode_errors;
      st->codec->push({reinterpret_cast<const uint8_t*>(raw.data()), raw.size()}, ts, out);
      if (st->codec->counters().decode_errors > errors) m().drops("audio_decode").inc();
    }
    transcode_us().fetch_add(
        uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count()),
        std::memory_order_relaxed);
    if (out.empty()) return;
    asio::post(st->loop, [st, out = std::move(out), arrival_us] {
      FramesToRtp* self = st->owner;
      if (!self || self->router_.closed()) return;
      for (const OpusFrame& o : out) {
        self->send(self->audio_, bytes_of(o.data), o.rtp_timestamp, true, false, self->audio_seq_);
        ++self->counters_.audio_packets;
        m().audio_latency_since(arrival_us);
      }
      self->audio_.last_packet_ms = webrtc::steady_ms();
      m().audio_frames.inc(out.size());
    });
  });
}

void FramesToRtp::send(webrtc::Layer& layer, std::span<const uint8_t> payload, uint32_t rtp_timestamp, bool marker,
                       bool keyframe, uint16_t& seq) {
  uint8_t buf[1500];
  webrtc::rtp::Header h;
  h.marker = marker;
  h.payload_type = layer.kind == webrtc::MediaKind::video ? 102 : 111;  // each viewer puts its own
  h.sequence_number = seq++;
  h.timestamp = rtp_timestamp;
  h.ssrc = layer.ssrc;
  size_t n = webrtc::rtp::write_rtp(buf, sizeof buf, h, {}, payload);
  if (!n) {
    m().drops("oversize").inc();
    return;
  }
  auto p = webrtc::rtp::Packet::parse(buf, n);
  if (!p) return;
  if (layer.cache) layer.cache->put(h.sequence_number, {buf, n});
  ++layer.packets;
  if (layer.kind == webrtc::MediaKind::video) ++counters_.video_packets;
  router_.forward(layer, *p, keyframe, webrtc::steady_ms());
}

// A viewer that just connected: the video since the latest keyframe, to it alone, so its
// picture starts at once (its next packets come through the router as for everyone).
void FramesToRtp::consumer_ready(webrtc::Subscriber* s, int64_t now_ms) {
  if (!has_video_ || !have_keyframe_) return;
  for (uint16_t seq = keyframe_seq_; seq != video_seq_; ++seq) {
    auto bytes = video_.cache->get(seq);
    auto p = webrtc::rtp::Packet::parse(bytes);
    if (bytes.empty() || !p) return;  // older than the cache holds: wait for the next keyframe
    s->forward(video_, *p, seq == keyframe_seq_, now_ms);
  }
}

}  // namespace onair::bridge
