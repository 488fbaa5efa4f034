// H.264 bridge: jitter buffer + RFC 6184 depacketizer + SPS/avcC/AVCC parsers never crash
// on any input, and what the depacketizer hands out survives packetizer -> depacketizer
// and the FLV/AVCC round trip byte for byte.
//
// Input: one config byte (MTU and jitter wait), then packets framed as rtp_input.hpp says.
// The whole input is also given to parse_sps, parse_avc_config and split_avcc.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "media/bridge/avc.hpp"
#include "media/bridge/h264_depacketizer.hpp"
#include "media/bridge/h264_packetizer.hpp"
#include "media/bridge/jitter_buffer.hpp"
#include "rtp_input.hpp"

using namespace onair::bridge;

namespace {

using Bytes = std::vector<uint8_t>;

void check(bool ok) {
  if (!ok) std::abort();
}

uint8_t type_of(NalView n) {
  return n[0] & 0x1F;
}

// Re-sends each unit the first depacketizer hands out and checks the second one's copy.
struct RoundTrip {
  H264Packetizer packetizer;
  std::vector<Bytes> got;
  bool emitted = false;
  H264Depacketizer depacketizer{[this](const AccessUnit& au) {
    emitted = true;
    got.clear();
    for (NalView n : au.nals) got.emplace_back(n.begin(), n.end());
  }};
  uint16_t seq = 0;
  uint32_t ts = 0;
  std::vector<NalView> views;
  std::vector<Bytes> expect;
  std::string flv;

  explicit RoundTrip(size_t mtu) : packetizer(mtu) {}

  void unit(const AccessUnit& au, std::span<const uint8_t> sps, std::span<const uint8_t> pps) {
    check(!au.nals.empty());
    // FLV body and back.
    append_flv_avc_frame(flv, au.keyframe, 0, au.nals);
    auto split = split_avcc(bytes_of(flv).subspan(kFlvAvcHeaderSize), 4, views);
    check(split && views.size() == au.nals.size());
    for (size_t i = 0; i < views.size(); ++i) check(std::ranges::equal(views[i], au.nals[i]));

    // Parameter sets: whatever parses as an SPS builds a record that parses back.
    for (NalView n : au.nals)
      if (type_of(n) == 7) (void)parse_sps(n);
    if (!sps.empty() && !pps.empty()) {
      std::string rec = build_avc_config(sps, pps);
      if (!rec.empty()) {
        auto cfg = parse_avc_config(bytes_of(rec));
        check(cfg && cfg->sps.size() == 1 && cfg->pps.size() == 1);
        check(std::ranges::equal(bytes_of(cfg->sps[0]), sps));
        check(std::ranges::equal(bytes_of(cfg->pps[0]), pps));
      }
    }

    // Packetizer -> depacketizer.
    packetizer.set_parameter_sets(sps, pps);
    expect.clear();
    bool idr = false, has_sps = false;
    for (NalView n : au.nals) {
      uint8_t t = type_of(n);
      if (t == 9 || t == 12) continue;
      idr |= t == 5;
      has_sps |= t == 7;
      expect.emplace_back(n.begin(), n.end());
    }
    if (idr && !has_sps && !sps.empty() && !pps.empty()) {
      expect.insert(expect.begin(), Bytes(pps.begin(), pps.end()));
      expect.insert(expect.begin(), Bytes(sps.begin(), sps.end()));
    }
    emitted = false;
    bool waiting = depacketizer.needs_keyframe();
    packetizer.packetize(au.nals, [&](std::span<const uint8_t> payload, bool marker) {
      check(!payload.empty() && payload.size() <= packetizer.max_payload());
      depacketizer.push(seq++, ts, marker, payload);
    });
    ts += 3000;
    if (emitted)
      check(got == expect);
    else
      check(expect.empty() || waiting);  // only the start-up wait for a keyframe drops
    check(depacketizer.counters().malformed == 0);
    check(depacketizer.counters().lost == 0);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  (void)parse_sps(in);
  (void)parse_avc_config(in);
  if (in.empty()) return 0;

  static constexpr size_t kMtus[] = {3, 17, 100, 500, 1200};
  const size_t mtu = kMtus[in[0] % 5];
  const int jitter_ms = (in[0] >> 3) * 10;

  // RTMP side: the input as AVCC frames, packetized.
  {
    H264Packetizer p(mtu);
    std::vector<NalView> nals;
    for (int len = 1; len <= 4; ++len) {
      if (!split_avcc(in.subspan(1), len, nals)) continue;
      p.packetize(nals, [&](std::span<const uint8_t> payload, bool) {
        check(!payload.empty() && payload.size() <= mtu);
      });
    }
  }

  // WebRTC side: packets -> jitter buffer -> depacketizer -> round trip.
  RoundTrip round_trip(mtu);
  H264Depacketizer* first = nullptr;
  H264Depacketizer depacketizer(
      [&](const AccessUnit& au) { round_trip.unit(au, first->sps(), first->pps()); });
  first = &depacketizer;
  JitterBuffer jitter(JitterConfig{jitter_ms});

  bool expect_any = true;  // after a loss signal (or at the start) any sequence number may come
  uint16_t expect_seq = 0;
  auto release = [&](const JitterOutput& o) {
    if (o.kind == JitterOutput::Kind::loss) {
      expect_any = o.missing == 0;
      expect_seq = uint16_t(o.seq + o.missing);
      depacketizer.lost();
      return;
    }
    check(expect_any || o.seq == expect_seq);
    check(o.payload.size() <= JitterBuffer::kMaxPayload);
    expect_any = false;
    expect_seq = uint16_t(o.seq + 1);
    depacketizer.push(o.seq, o.timestamp, o.marker, o.payload);
  };

  int64_t now = 0;
  for_each_rtp_packet(in, 1, [&](uint16_t seq, uint32_t ts, bool marker, std::span<const uint8_t> payload, int64_t t) {
    now = t;
    jitter.push(seq, ts, marker, payload, now);
    jitter.poll(now, release);
    if (auto deadline = jitter.next_deadline_ms()) check(*deadline <= now + jitter_ms);
  });
  jitter.poll(now + jitter_ms + 1, release);
  check(jitter.held() == 0);
  return 0;
}
