#pragma once
// Which protocol a datagram on the shared WebRTC port carries, from its first byte
// (RFC 7983 7, as extended by RFC 9443), and RTP vs RTCP under rtcp-mux (RFC 5761 4).
#include <cstdint>
#include <string_view>

namespace onair::webrtc {

enum class PacketKind { stun, dtls, rtp, rtcp, unknown };

inline PacketKind classify(std::string_view d) {
  if (d.empty()) return PacketKind::unknown;
  uint8_t b = uint8_t(d[0]);
  if (b <= 3) return PacketKind::stun;
  if (b >= 20 && b <= 63) return PacketKind::dtls;
  if (b >= 128 && b <= 191) {
    if (d.size() < 2) return PacketKind::unknown;
    uint8_t pt = uint8_t(d[1]);
    return pt >= 192 && pt <= 223 ? PacketKind::rtcp : PacketKind::rtp;
  }
  return PacketKind::unknown;  // ZRTP 16-19, TURN channels and QUIC 64-127, the rest
}

}  // namespace onair::webrtc
