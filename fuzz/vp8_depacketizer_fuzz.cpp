// VP8 bridge: jitter buffer + RFC 7741 depacketizer never crash on any input; every frame
// handed out is within the bound, starts after a keyframe, and a keyframe carries its
// size. A frame sent again, split at the configured MTU, comes back byte for byte.
//
// Input: one config byte (MTU and jitter wait), then packets framed as rtp_input.hpp says.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "media/bridge/jitter_buffer.hpp"
#include "rtp_input.hpp"
#include "media/bridge/vp8_depacketizer.hpp"
#include "media/webrtc/codec_vp8.hpp"

using namespace onair::bridge;

namespace {

using Bytes = std::vector<uint8_t>;

void check(bool ok) {
  if (!ok) std::abort();
}

// Sends a frame again as RTP payloads of at most `mtu` bytes and checks what comes back.
struct RoundTrip {
  size_t mtu;
  Bytes got;
  bool emitted = false;
  Vp8Depacketizer depacketizer{[this](const Vp8Frame& f) {
    emitted = true;
    got.assign(f.data.begin(), f.data.end());
  }};
  uint16_t seq = 0;
  uint32_t ts = 0;
  Bytes payload;

  void frame(const Vp8Frame& f) {
    emitted = false;
    bool waiting = depacketizer.needs_keyframe();
    size_t chunk = std::max<size_t>(1, mtu - 1);
    for (size_t at = 0; at < f.data.size(); at += chunk) {
      size_t n = std::min(chunk, f.data.size() - at);
      payload.assign(1, uint8_t(at == 0 ? 0x10 : 0x00));
      payload.insert(payload.end(), f.data.begin() + long(at), f.data.begin() + long(at + n));
      depacketizer.push(seq++, ts, at + n == f.data.size(), payload);
    }
    ts += 3000;
    if (emitted)
      check(std::ranges::equal(got, f.data));
    else
      check(waiting && !f.keyframe);
    check(depacketizer.counters().lost == 0);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)onair::webrtc::vp8::parse_descriptor(in);
  (void)onair::webrtc::vp8::keyframe_resolution(in);
  if (in.empty()) return 0;
  static constexpr size_t kMtus[] = {2, 17, 100, 500, 1200};
  RoundTrip round_trip{kMtus[in[0] % 5]};
  const int jitter_ms = (in[0] >> 3) * 10;

  bool keyed = false;
  Vp8Depacketizer depacketizer([&](const Vp8Frame& f) {
    check(!f.data.empty() && f.data.size() <= Vp8Depacketizer::kMaxFrameBytes);
    check(keyed || f.keyframe);  // nothing before the first keyframe
    keyed = true;
    if (f.keyframe) check(f.data.size() >= 10 && f.width == ((f.data[6] | f.data[7] << 8) & 0x3FFF));
    round_trip.frame(f);
  });
  JitterBuffer jitter(JitterConfig{jitter_ms});
  auto release = [&](const JitterOutput& o) {
    if (o.kind == JitterOutput::Kind::loss) {
      depacketizer.lost();
      return;
    }
    depacketizer.push(o.seq, o.timestamp, o.marker, o.payload);
  };

  int64_t now = 0;
  for_each_rtp_packet(in, 1, [&](uint16_t seq, uint32_t ts, bool marker, std::span<const uint8_t> payload, int64_t t) {
    now = t;
    jitter.push(seq, ts, marker, payload, now);
    jitter.poll(now, release);
  });
  jitter.poll(now + jitter_ms + 1, release);
  check(jitter.held() == 0);
  return 0;
}
