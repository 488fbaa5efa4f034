#pragma once
// Subscriber: a WHEP session, the consumer side of the SFU. For each kind it sends one RTP
// stream with its own SSRC, payload type, sequence numbers and timestamps (SeqTsRewriter),
// so a viewer sees one continuous stream even when the source's simulcast layer changes.
// Video starts, and changes layer, only at a keyframe; until then the publisher is asked for
// one. The viewer's NACKs are answered from the producer's packet cache, its PLI/FIR go to
// the producer (throttled there), and it gets sender reports every second. It knows its
// stream's Router and Producer only (a WHIP publisher or the bridge from RTMP frames).
// Owned by the WebRtcService; runs on the WebRTC loop; nothing per packet allocates.
#include <cstdint>
#include <optional>

#include "media/webrtc/codec_vp8.hpp"
#include "media/webrtc/peer_session.hpp"
#include "media/webrtc/receive_stats.hpp"
#include "media/webrtc/router.hpp"
#include "media/webrtc/rtp_rewriter.hpp"

namespace onair::webrtc {

class Subscriber final : public PeerSession {
 public:
  static constexpr size_t kNoLayer = SIZE_MAX;

  // `layer`: the simulcast layer wanted (0 lowest); clamped to what the publisher sends.
  // `drop_every` (tests): lose every Nth video packet on its first sending, so the viewer
  // must NACK it.
  Subscriber(std::string id, std::string stream, SessionOwner owner, Negotiated negotiated,
             Router& router, size_t layer, uint32_t drop_every = 0);
  ~Subscriber() override;

  // From the Router, for every packet of `layer` its producer sent (decrypted, not changed).
  void forward(const Layer& layer, const rtp::Packet& p, bool keyframe, int64_t now_ms);
  // A packet of `layer` that will not be forwarded (padding): no gap for the viewer.
  void skip(const Layer& layer, uint16_t seq);
  void on_router_closed(Router* r);

  // Asks for another simulcast layer; the switch happens at its next keyframe.
  void set_layer(size_t layer, int64_t now_ms);
  size_t target_layer() const { return video_.target; }
  size_t current_layer() const { return video_.current; }

  void tick(int64_t now_ms) override;
  void on_transport_connected() override;
  void on_rtp(uint8_t*, size_t, int64_t) override {}  // a recvonly peer sends no media
  void on_rtcp(uint8_t* packet, size_t len, int64_t now_ms) override;

  struct Counters {
    uint64_t packets = 0, nacks = 0, retransmitted = 0, nack_misses = 0, plis = 0,
             dropped_for_test = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  struct Consumer {
    const NegotiatedMedia* media = nullptr;
    uint32_t ssrc = 0;
    std::optional<SeqTsRewriter> rewriter;
    std::optional<SendStats> stats;
    vp8::PictureIdRewriter picture_ids;
    bool vp8 = false;           // video in VP8: picture ids to carry over layer switches
    size_t current = kNoLayer;  // the layer being sent
    size_t target = 0;          // the layer wanted
  };
  void on_end() override;
  bool send(Consumer& c, const Layer& layer, const rtp::Packet& p, bool switched, int64_t now_ms,
            bool retransmission = false);
  void answer_nack(Consumer& c, uint16_t out_seq, int64_t now_ms);
  size_t usable_layer(size_t wanted, int64_t now_ms) const;

  Negotiated negotiated_;
  Router* router_;
  Producer* source_;  // the router's producer; null once it closed
  Consumer audio_, video_;
  size_t wanted_layer_;
  uint32_t drop_every_;
  uint64_t video_sent_ = 0;
  uint16_t transport_seq_ = 0;
  int64_t next_report_ms_ = 0;
  Counters counters_;
};

}  // namespace onair::webrtc
