#pragma once
// RtpToFrames: the bridge from a WHIP publisher to its Stream, so RTMP, HTTP-FLV and HLS
// players (and the HLS segmenter) get a browser's stream. It is an observer on the
// publisher's Router and a source of the Stream the publisher holds in the hub.
//
// Video (H.264): packets of the top simulcast layer -> JitterBuffer (reorders, waits up to
// bridge.jitter_ms for a NACKed packet) -> H264Depacketizer -> one FLV AVC frame per access
// unit; SPS/PPS -> an AVC sequence header (again whenever they change) and onMetaData with
// the picture size. Browsers send keyframes only when asked, so the bridge asks (PLI,
// throttled by the publisher) when a sink first needs one, after a loss, and every
// hls.segment_s so HLS segments have their length. All on the WebRTC loop: this is
// copying, not codec work.
//
// Audio (Opus): each packet goes to a worker thread (bridge.threads) where OpusToAac turns
// it into AAC-LC frames, published from there (Stream::publish_frame is thread-safe). The
// worker's queue is bounded; what does not fit is dropped and counted.
//
// Time: one ms timeline per stream starting near 0. Each track starts where its first packet
// arrived; once both tracks have an RTCP sender report, audio is placed against video by the
// reports' NTP times (RFC 3550 6.4.1), so lip sync follows the sender's clock, not arrival
// jitter. Each track's timestamps only go forward.
//
// VP8 video (bridge.vp8_transcode: on_demand): packets -> the same JitterBuffer ->
// Vp8Depacketizer -> whole frames, each posted to the worker, where Vp8ToH264 decodes and
// encodes it with libx264 and the H.264 is published from there. The encoder makes an IDR
// at each VP8 keyframe and every hls.segment_s, so the browser is asked for keyframes only
// to start and after a loss. With `off`, VP8 is not bridged: the stream is marked so
// RTMP/FLV/HLS players get a clear refusal instead of silence.
//
// Only while needed: while Stream::wanted() is false (no RTMP or HTTP-FLV player, no HLS
// request for kHlsDemandMs; then 5 s more, for a player that follows another) the bridge
// does nothing per packet; the codecs are dropped and the GOP cache cleared when demand
// ends, so a meeting's publishers cost no codec work and the next player starts on a fresh
// keyframe.
//
// Owned by the WebRTC service with its publish session, on the WebRTC loop.
#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "media/bridge/h264_depacketizer.hpp"
#include "media/bridge/jitter_buffer.hpp"
#include "media/bridge/vp8_depacketizer.hpp"
#include "media/stream/stream_hub.hpp"
#include "media/webrtc/router.hpp"

namespace onair::bridge {

struct RtpToFramesOptions {
  uint32_t jitter_ms = 150;
  uint32_t aac_kbps = 128;
  double keyframe_every_s = 0;  // ask for a keyframe this often (hls.segment_s); 0: never
  bool vp8_transcode = true;     // bridge.vp8_transcode: on_demand (true) or off
  int h264_kbps = 2000;          // bridge.h264_kbps: what VP8 becomes
  std::string h264_preset = "veryfast";
};

class AvcOut;  // H.264 access units -> the FLV frames of a Stream

class RtpToFrames final : public webrtc::RtpObserver {
 public:
  // `workers`: where audio and VP8 are transcoded (a pool of bridge.threads threads).
  RtpToFrames(std::shared_ptr<media::Stream> stream, webrtc::Router& router, RtpToFramesOptions options,
              boost::asio::any_io_executor workers);
  ~RtpToFrames() override;
  RtpToFrames(const RtpToFrames&) = delete;
  RtpToFrames& operator=(const RtpToFrames&) = delete;

  void on_rtp(const webrtc::Layer& layer, const webrtc::rtp::Packet& p, int64_t now_ms) override;
  void on_sender_report(const webrtc::Layer& layer, uint64_t ntp, uint32_t rtp_timestamp) override;
  void on_router_closed() override;
  // Every few tens of ms on the WebRTC loop: packets whose wait ended, keyframe requests.
  void tick(int64_t now_ms);

  struct Counters {
    uint64_t video_frames = 0, audio_packets = 0, audio_dropped = 0, video_dropped = 0, keyframe_requests = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Audio;  // the worker's sides, shared with the tasks in flight
  struct Transcode;

  bool active(int64_t now_ms);
  void restart(bool resumed);  // the video path afresh; `resumed`: after a pause
  void drain_jitter(int64_t now_ms);
  void on_access_unit(const AccessUnit& au);
  void on_vp8_frame(const Vp8Frame& f);
  void request_keyframe(int64_t now_ms);
  void align_audio();
  int64_t video_ms(uint32_t rtp_timestamp);
  void stop();

  std::shared_ptr<media::Stream> stream_;
  webrtc::Router* router_;
  RtpToFramesOptions options_;
  bool h264_ = false, vp8_ = false;
  bool refused_ = false;  // video the bridge does not convert: nothing is bridged
  size_t video_layer_ = 0;  // the top simulcast layer
  JitterBuffer jitter_;
  H264Depacketizer depacketizer_;
  Vp8Depacketizer vp8_depacketizer_;
  bool skip_to_keyframe_ = false;  // a VP8 frame was dropped before the worker
  int64_t last_arrival_ms_ = 0;    // of the packet the depacketizers got last
  uint32_t last_idr_ms_ = 0;       // VP8: the last IDR asked of the encoder
  bool idr_asked_ = false;
  bool was_active_ = false;
  int64_t last_wanted_ms_ = -1;  // when Stream::wanted() was last true
  int64_t start_ms_ = -1;  // arrival of the first packet: the timeline's 0
  int64_t now_ms_ = 0;
  int64_t last_keyframe_ms_ = 0, last_request_ms_ = -1'000'000;
  // Video timeline: the RTP time of its origin and where that sits on the stream's ms.
  bool video_started_ = false;
  int64_t video_origin_rtp_ = 0, video_last_rtp_ = 0, video_offset_ms_ = 0;
  struct Report {
    bool known = false;
    uint64_t ntp = 0;
    uint32_t rtp = 0;
  };
  Report video_sr_, audio_sr_;
  std::shared_ptr<struct VideoStart> video_start_;  // where video starts: audio waits for it
  std::unique_ptr<AvcOut> video_out_;  // H.264 as it came: published from the loop
  std::shared_ptr<Audio> audio_;
  std::shared_ptr<Transcode> transcode_;
  Counters counters_;
};

}  // namespace onair::bridge
