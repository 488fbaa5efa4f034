#pragma once
// The packet framing the depacketizer fuzz targets share: after the target's own config
// byte, packets framed as | flags (8) | length (8, or 16 when flags bit 7 is set) | payload |:
//   bit 0 marker; bit 3 next timestamp (+3000); bit 4 a 200 ms pause (else 1 ms);
//   bits 1-2 sequence step: +1, +2 (a loss), back 0-3 (late/duplicate), a jump;
//   bits 5-6 how far back or the jump size.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

// Calls f(seq, timestamp, marker, payload, now_ms) for each packet from in[at] on.
template <class F>
void for_each_rtp_packet(std::span<const uint8_t> in, size_t at, F&& f) {
  uint16_t seq = 1000;
  uint32_t ts = 0;
  int64_t now = 0;
  while (at < in.size()) {
    const uint8_t flags = in[at++];
    size_t len = 0;
    if (at < in.size()) len = in[at++];
    if ((flags & 0x80) && at < in.size()) len = len << 8 | in[at++];
    len = std::min(len, in.size() - at);
    std::span<const uint8_t> payload = in.subspan(at, len);
    at += len;
    const int arg = (flags >> 5) & 3;
    switch ((flags >> 1) & 3) {
      case 0: seq = uint16_t(seq + 1); break;
      case 1: seq = uint16_t(seq + 2); break;
      case 2: seq = uint16_t(seq - arg); break;
      case 3: seq = uint16_t(seq + 1 + (arg + 1) * 300); break;
    }
    if (flags & 0x08) ts += 3000;
    now += (flags & 0x10) ? 200 : 1;
    f(seq, ts, bool(flags & 1), payload, now);
  }
}
