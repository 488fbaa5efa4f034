#pragma once
// Publisher: a WHIP session, the producer side of the SFU. It receives a browser's audio and
// video (the video possibly as up to three simulcast layers, told apart by the rid header
// extension, RFC 8852), keeps per-layer receive statistics, asks for lost packets (NACK,
// RFC 4585 6.2.1), sends receiver reports and transport-wide congestion feedback so the
// browser's bandwidth estimate can grow, keeps recent video packets to answer its viewers'
// NACKs, and hands every packet to its stream's Router (the viewers and the bridge). Keyframe
// requests from viewers come here and go out as PLI, at most every keyframe_request_ms per layer.
// Owned by the WebRtcService; everything runs on the WebRTC loop, nothing per packet
// allocates.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "media/webrtc/nack_generator.hpp"
#include "media/webrtc/packet_cache.hpp"
#include "media/webrtc/peer_session.hpp"
#include "media/webrtc/receive_stats.hpp"
#include "media/webrtc/router.hpp"
#include "media/webrtc/rtp_packet.hpp"
#include "media/webrtc/twcc.hpp"

namespace onair::webrtc {

struct PublisherOptions {
  int64_t keyframe_request_ms = 500;
  size_t packet_cache = 1024;
  std::function<void(uint64_t producer, uint8_t level, std::optional<bool> voice, int64_t now_ms)>
      on_audio_level;
  std::function<void()> on_connected;  // ICE and DTLS are up: media can flow
};

class Publisher final : public PeerSession, public Producer {
 public:
  static constexpr size_t kMaxLayers = 3;

  using Layer = webrtc::Layer;  // one incoming RTP stream: the audio, or one video layer

  Publisher(std::string id, std::string stream, SessionOwner owner, Negotiated negotiated,
            PublisherOptions options);
  ~Publisher() override;

  const Negotiated& negotiated() const { return negotiated_; }
  const NegotiatedMedia* media(MediaKind kind) const override;
  // The video layers in simulcast order (1 without simulcast).
  size_t video_layers() const override { return video_layer_count_; }
  const Layer* video_layer(size_t i) const override {
    return i < video_layer_count_ ? &video_[i] : nullptr;
  }
  const Layer& audio() const { return audio_; }
  uint64_t producer_id() const { return producer_id_; }

  // The stream's fan-out: viewers and observers attach here.
  Router& router() { return router_; }

  // A viewer needs a keyframe of `layer` (PLI/FIR from it, a join, a layer switch).
  void request_keyframe(size_t layer, int64_t now_ms) override;
  // The cached packet of `layer` with sequence number `seq` (for a viewer's NACK).
  std::span<const uint8_t> cached(size_t layer, uint16_t seq) const override;

  void tick(int64_t now_ms) override;
  void on_transport_connected() override;
  void on_rtp(uint8_t* packet, size_t len, int64_t now_us) override;
  void on_rtcp(uint8_t* packet, size_t len, int64_t now_ms) override;

  struct Counters {
    uint64_t packets = 0, unknown_ssrc = 0, malformed = 0, nacks_sent = 0, plis_sent = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  void on_end() override;
  Layer* layer_for(const rtp::Packet& p);
  void send_pli(Layer& l, int64_t now_ms);
  void send_reports(int64_t now_ms);

  Negotiated negotiated_;
  PublisherOptions options_;
  uint64_t producer_id_;
  uint32_t local_ssrc_;  // sender SSRC of our RTCP
  Layer audio_;
  std::array<Layer, kMaxLayers> video_;
  size_t video_layer_count_ = 0;
  const NegotiatedMedia* audio_media_ = nullptr;
  const NegotiatedMedia* video_media_ = nullptr;
  std::unique_ptr<twcc::TwccRecorder> twcc_;
  Router router_;
  int64_t next_report_ms_ = 0, next_twcc_ms_ = 0;
  uint8_t fir_seq_ = 0;  // RFC 5104 4.3.1.2: one more per new request
  Counters counters_;
};

}  // namespace onair::webrtc
