#pragma once
// Router: one WebRTC stream's fan-out, producer -> consumers. The producer is where the
// stream's RTP comes from: a WHIP Publisher, or the bridge that turns an RTMP-published
// stream's frames into RTP. Consumers are the WHEP Subscribers; observers see the same
// packets without sending them anywhere (the bridge that turns a WHIP stream into frames
// for RTMP, HTTP-FLV and HLS). Consumers and observers know only the Router and the
// Producer interface, never the session on the other side.
//
// Owned by its producer, on the WebRTC loop; forwarding walks two small vectors and
// allocates nothing. When the producer ends, close() tells every consumer and observer.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "media/webrtc/nack_generator.hpp"
#include "media/webrtc/negotiation.hpp"
#include "media/webrtc/packet_cache.hpp"
#include "media/webrtc/receive_stats.hpp"
#include "media/webrtc/rtp_packet.hpp"

namespace onair::webrtc {

class Subscriber;

// One RTP stream a producer sends: the audio, or one video layer (simulcast position).
struct Layer {
  MediaKind kind = MediaKind::audio;
  size_t index = 0;  // simulcast position (0 = first rid, lowest by convention); 0 without
  std::string rid;
  uint32_t ssrc = 0;  // 0 until the first packet
  uint32_t clock_rate = 90000;
  ReceiveStats stats{0};
  NackGenerator nack;
  std::unique_ptr<PacketCache> cache;  // video only
  int64_t last_keyframe_request_ms = -1'000'000;
  int64_t last_packet_ms = 0;
  uint64_t packets = 0, keyframes = 0;
  bool used = false;
};

// What consumers need of a stream's source.
class Producer {
 public:
  virtual ~Producer() = default;
  // The negotiated audio or video of the source (codec, payload type, extension ids).
  virtual const NegotiatedMedia* media(MediaKind kind) const = 0;
  virtual size_t video_layers() const = 0;
  virtual const Layer* video_layer(size_t i) const = 0;
  // A consumer needs a keyframe of `layer` (throttled by the producer).
  virtual void request_keyframe(size_t layer, int64_t now_ms) = 0;
  // The packet of `layer` with sequence number `seq`, for a consumer's NACK; empty if gone.
  virtual std::span<const uint8_t> cached(size_t layer, uint16_t seq) const = 0;
  // A consumer's transport is up and it waits for a keyframe: a producer that cannot be
  // asked for one (an RTMP stream) may hand it the latest keyframe's packets now.
  virtual void consumer_ready(Subscriber*, int64_t /*now_ms*/) {}
};

// Sees every media packet of the stream as the producer received it.
class RtpObserver {
 public:
  virtual ~RtpObserver() = default;
  virtual void on_rtp(const Layer& layer, const rtp::Packet& p, int64_t now_ms) = 0;
  // An RTCP sender report of `layer` (RFC 3550 6.4.1): its RTP time at that NTP time.
  virtual void on_sender_report(const Layer& layer, uint64_t ntp, uint32_t rtp_timestamp) = 0;
  // The producer ended; the observer is removed already.
  virtual void on_router_closed() = 0;
};

class Router {
 public:
  Router(std::string stream, Producer& producer)
      : stream_(std::move(stream)), producer_(&producer) {}
  ~Router() { close(); }
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  const std::string& stream() const { return stream_; }
  Producer& producer() { return *producer_; }
  bool closed() const { return closed_; }

  void add_consumer(Subscriber* s) { consumers_.push_back(s); }
  void remove_consumer(Subscriber* s);
  size_t consumers() const { return consumers_.size(); }
  void add_observer(RtpObserver* o) { observers_.push_back(o); }
  void remove_observer(RtpObserver* o);
  size_t observers() const { return observers_.size(); }

  // From the producer, per packet: to every consumer and observer.
  void forward(const Layer& layer, const rtp::Packet& p, bool keyframe, int64_t now_ms);
  // A packet that carries no media (padding): consumers leave no gap for it.
  void skip(const Layer& layer, uint16_t seq);
  void sender_report(const Layer& layer, uint64_t ntp, uint32_t rtp_timestamp);
  // The producer ended: consumers end ("the stream stopped"), observers are told.
  void close();

 private:
  std::string stream_;
  Producer* producer_;
  std::vector<Subscriber*> consumers_;
  std::vector<RtpObserver*> observers_;
  bool closed_ = false;
};

}  // namespace onair::webrtc
