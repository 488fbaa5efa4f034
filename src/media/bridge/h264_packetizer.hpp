#pragma once
// H264Packetizer: the NAL units of one access unit (an RTMP frame split with for_each_nal)
// -> RTP payloads for one RTP timestamp, RFC 6184 packetization mode 1, for the
// RTMP -> WebRTC bridge. Owned by the bridge of one stream; single-threaded; pure.
//
// A NAL unit that fits in max_payload goes as a single NAL unit packet (RFC 6184 5.6),
// a larger one as FU-A fragments of near-equal size (5.8). An access unit with an IDR
// and no SPS of its own is preceded by the SPS and PPS set with set_parameter_sets(), as
// one STAP-A (5.7.1) when they fit together, else each on its own. AUD (9) and filler
// data (12) are not sent (RFC 6184 leaves them to the sender; WebRTC receivers have no
// use for them); SEI and everything else go as they are. The marker bit is set on the
// last packet of the unit (5.1).
//
// Payloads are views: a single NAL unit packet points into the caller's NAL bytes, a
// fragment or STAP-A into the packetizer's buffers, reused from packet to packet, so a
// frame allocates nothing once warm. A payload is valid until the next packet is asked for.
#include <cstdint>
#include <span>
#include <vector>

#include "media/bridge/avc.hpp"

namespace onair::bridge {

class H264Packetizer {
 public:
  static constexpr size_t kDefaultMaxPayload = 1200;  // leaves room for headers, SRTP, TURN
  static constexpr size_t kMinMaxPayload = 3;         // an FU-A with one byte of the unit

  // Throws std::invalid_argument when max_payload is below kMinMaxPayload (configuration).
  explicit H264Packetizer(size_t max_payload = kDefaultMaxPayload);

  // The SPS and PPS (each a whole NAL unit, e.g. from the AvcConfig) sent before each IDR
  // access unit; copied. Empty ones clear them: IDR units then go without.
  void set_parameter_sets(std::span<const uint8_t> sps, std::span<const uint8_t> pps);

  // Calls emit(std::span<const uint8_t> payload, bool marker) for each RTP payload of the
  // access unit, in order; returns how many. The NAL views must stay valid during the call.
  template <class F>
  size_t packetize(std::span<const NalView> nals, F&& emit);

  // The same as a pull: begin(), then next() until it returns false.
  void begin(std::span<const NalView> nals);
  bool next(std::span<const uint8_t>& payload, bool& marker);

  size_t max_payload() const { return max_payload_; }

 private:
  size_t max_payload_;
  std::vector<uint8_t> sps_, pps_;
  std::vector<uint8_t> stap_;   // the STAP-A of sps_ and pps_ when it fits, else empty
  std::vector<uint8_t> buf_;    // one FU-A packet
  std::vector<NalView> queue_;  // the NAL units of the current access unit to send
  bool stap_pending_ = false;
  size_t nal_index_ = 0;
  // The FU-A under way for queue_[nal_index_]: fragments sent, of how many, bytes used.
  size_t frag_index_ = 0;
  size_t frag_count_ = 0;
  size_t frag_offset_ = 0;
};

template <class F>
size_t H264Packetizer::packetize(std::span<const NalView> nals, F&& emit) {
  begin(nals);
  std::span<const uint8_t> payload;
  bool marker = false;
  size_t n = 0;
  while (next(payload, marker)) {
    emit(payload, marker);
    ++n;
  }
  return n;
}

}  // namespace onair::bridge
