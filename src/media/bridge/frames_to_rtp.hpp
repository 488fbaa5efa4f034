#pragma once
// FramesToRtp: the bridge from a Stream published over RTMP to WHEP viewers. It is a Sink of
// the Stream (a tap opened on demand, on the WebRTC loop) and the Producer of a WebRTC
// Router whose consumers are the viewers' Subscribers, so they see it as they see a WHIP
// publisher.
//
// Video: H.264 frames (AVCC) -> H264Packetizer (FU-A at the MTU, SPS/PPS before each IDR)
// -> RTP packets, kept in a packet cache for the viewers' NACKs. A new viewer cannot ask an
// RTMP publisher for a keyframe, so it gets the packets since the latest keyframe at once
// (consumer_ready). Other video codecs (HEVC, AV1 over enhanced RTMP) are not bridged:
// refusal() says why, and WHEP answers 415. Frames with composition time offsets (B-frames)
// would play out of order in a WebRTC decoder, which does not reorder: such a stream is
// refused the same way (publish with B-frames off).
//
// Audio: AAC -> Opus (48 kHz, 20 ms, bridge.opus_kbps) on a worker thread; the packets come
// back to the WebRTC loop to be sent.
//
// Runs while it has viewers: the service drops it when the last one has gone. Owned by the
// WebRTC service, on the WebRTC loop; per frame it allocates only the packetizer's output.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "media/bridge/h264_packetizer.hpp"
#include "media/stream/stream_hub.hpp"
#include "media/webrtc/router.hpp"

namespace onair::bridge {

struct FramesToRtpOptions {
  uint32_t opus_kbps = 64;
  size_t packet_cache = 1024;
  size_t mtu = 1200;  // RTP payload bytes at most
};

class FramesToRtp final : public media::Sink, public webrtc::Producer {
 public:
  // Attaches to `stream` on `loop` at once (the GOP cache is replayed into it).
  FramesToRtp(std::shared_ptr<media::Stream> stream, boost::asio::io_context& loop, FramesToRtpOptions options,
              boost::asio::any_io_executor workers);
  ~FramesToRtp() override;
  FramesToRtp(const FramesToRtp&) = delete;
  FramesToRtp& operator=(const FramesToRtp&) = delete;

  webrtc::Router& router() { return router_; }
  // Why the stream cannot be played over WHEP; empty when it can.
  const std::string& refusal() const { return refusal_; }
  // The publisher left (or the bridge was dropped): viewers have been ended.
  bool closed() const { return router_.closed(); }

  // Sink, on the loop.
  void on_frame(const media::FramePtr& frame) override;
  void on_unpublish() override;
  bool is_player() const override { return false; }

  // Producer.
  const webrtc::NegotiatedMedia* media(webrtc::MediaKind kind) const override;
  size_t video_layers() const override { return has_video_ ? 1 : 0; }
  const webrtc::Layer* video_layer(size_t i) const override { return i == 0 && has_video_ ? &video_ : nullptr; }
  void request_keyframe(size_t, int64_t) override {}  // an RTMP publisher cannot be asked
  std::span<const uint8_t> cached(size_t layer, uint16_t seq) const override;
  void consumer_ready(webrtc::Subscriber* s, int64_t now_ms) override;

  struct Counters {
    uint64_t video_frames = 0, video_packets = 0, audio_packets = 0, dropped = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Audio;

  void on_video(const media::Frame& f);
  void on_audio(const media::Frame& f);
  void send(webrtc::Layer& layer, std::span<const uint8_t> payload, uint32_t rtp_timestamp, bool marker,
            bool keyframe, uint16_t& seq);
  void refuse(std::string why);

  std::shared_ptr<media::Stream> stream_;
  boost::asio::io_context& loop_;
  FramesToRtpOptions options_;
  webrtc::Router router_;
  webrtc::NegotiatedMedia video_media_, audio_media_;
  webrtc::Layer video_, audio_;
  bool has_video_ = false, has_audio_ = false, attached_ = false;
  bool replaying_ = false;  // attach() is handing over the GOP: not live, no latency to count
  H264Packetizer packetizer_;
  int nal_length_size_ = 4;
  bool have_config_ = false;
  uint16_t video_seq_ = 0, audio_seq_ = 0;
  // Sequence numbers since the latest keyframe, for a new viewer (video_seq_ once none).
  bool have_keyframe_ = false;
  uint16_t keyframe_seq_ = 0;
  std::string refusal_;
  std::vector<NalView> nals_;
  std::shared_ptr<Audio> audio_state_;
  Counters counters_;
};

}  // namespace onair::bridge
