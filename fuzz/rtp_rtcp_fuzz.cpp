// RTP, RTCP and TWCC: parsing arbitrary datagrams never crashes and views stay inside the
// input; what parses is rebuilt and parses back the same; and the TWCC recorder, driven by
// the input read as (sequence step, time step, feedback?) events, only ever reports packets
// it accepted, each at most once and at its arrival time, in feedback that parses back.
#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "media/webrtc/rtcp.hpp"
#include "media/webrtc/rtp_packet.hpp"
#include "media/webrtc/twcc.hpp"

using namespace onair::webrtc;

namespace {

const uint8_t* g_lo;
const uint8_t* g_hi;

void check_inside(const void* p, size_t n) {
  auto b = static_cast<const uint8_t*>(p);
  if (n && (b < g_lo || b + n > g_hi)) std::abort();
}
void check(bool ok) {
  if (!ok) std::abort();
}

void fuzz_rtp(const uint8_t* data, size_t size) {
  auto p = rtp::Packet::parse(data, size);
  if (!p) return;
  check(p->payload_offset() + p->payload_size() + p->padding_size() == size);
  check_inside(p->payload().data(), p->payload().size());
  check_inside(p->extension_block().data(), p->extension_block().size());
  std::array<rtp::Extension, 64> exts;
  size_t n = 0;
  bool all = true;
  p->for_each_extension([&](const rtp::Extension& e) {
    check_inside(e.value.data(), e.value.size());
    check(p->find_extension(e.id).has_value());
    if (n < exts.size()) {
      exts[n++] = e;
    } else {
      all = false;
    }
  });
  for (size_t i = 0; i < n; ++i) {
    (void)rtp::ext::read_transport_cc(exts[i].value);
    (void)rtp::ext::read_audio_level(exts[i].value);
    (void)rtp::ext::read_abs_send_time(exts[i].value);
    (void)rtp::ext::read_string(exts[i].value);
  }
  if (!all) return;

  // Rebuild with the same fields and elements; it must parse back to the same packet.
  std::array<uint32_t, rtp::kMaxCsrcs> csrcs;
  for (size_t i = 0; i < p->csrc_count(); ++i) csrcs[i] = p->csrc(i);
  const rtp::Header h{.marker = p->marker(),
                      .payload_type = p->payload_type(),
                      .sequence_number = p->sequence_number(),
                      .timestamp = p->timestamp(),
                      .ssrc = p->ssrc(),
                      .csrcs = std::span(csrcs.data(), p->csrc_count()),
                      .padding_size = uint8_t(p->padding_size())};
  static std::vector<uint8_t> out(70000);
  const std::span<const rtp::Extension> list(exts.data(), n);
  const size_t w = rtp::write_rtp(out.data(), out.size(), h, list, p->payload());
  // Whatever parses is encodable: one-byte ids 1..14 with 1..16 bytes, two-byte ids 1..255.
  check(w > 0 && w == rtp::rtp_size(h, list, p->payload_size()));
  auto q = rtp::Packet::parse(out.data(), w);
  check(q.has_value());
  check(q->marker() == p->marker() && q->payload_type() == p->payload_type() &&
        q->sequence_number() == p->sequence_number() && q->timestamp() == p->timestamp() &&
        q->ssrc() == p->ssrc() && q->csrc_count() == p->csrc_count() &&
        q->padding_size() == p->padding_size());
  check(q->payload_size() == p->payload_size() &&
        std::memcmp(q->payload().data(), p->payload().data(), p->payload_size()) == 0);
  size_t i = 0;
  q->for_each_extension([&](const rtp::Extension& e) {
    check(i < n && e.id == exts[i].id && e.value.size() == exts[i].value.size() &&
          std::memcmp(e.value.data(), exts[i].value.data(), e.value.size()) == 0);
    ++i;
  });
  check(i == n);
}

void fuzz_rtcp(const uint8_t* data, size_t size) {
  (void)rtcp::validate_compound(data, size);
  rtcp::CompoundReader r(data, size);
  rtcp::Packet p;
  static std::vector<uint8_t> out(300000);
  static std::bitset<65536> want, got;
  while (r.next(p)) {
    check_inside(p.bytes.data(), p.bytes.size());
    check_inside(p.body.data(), p.body.size());
    if (auto sr = rtcp::parse_sender_report(p)) {
      std::vector<rtcp::ReportBlock> blocks(sr->blocks.begin(), sr->blocks.end());
      const size_t w =
          rtcp::write_sender_report(out.data(), out.size(), sr->sender_ssrc, sr->info, blocks);
      check(w > 0);
      rtcp::CompoundReader rr(out.data(), w);
      rtcp::Packet back;
      check(rr.next(back));
      auto sr2 = rtcp::parse_sender_report(back);
      check(sr2 && sr2->info == sr->info && sr2->blocks.size() == blocks.size());
      for (size_t i = 0; i < blocks.size(); ++i) check(sr2->blocks[i] == blocks[i]);
    }
    if (auto rr = rtcp::parse_receiver_report(p))
      for (rtcp::ReportBlock b : rr->blocks) (void)b;
    rtcp::SdesReader sdes(p);
    rtcp::SdesItem item;
    while (sdes.next(item)) check_inside(item.value.data(), item.value.size());
    if (auto bye = rtcp::parse_bye(p)) check_inside(bye->reason.data(), bye->reason.size());
    if (auto nack = rtcp::parse_nack(p)) {
      // Rebuilt from its expansion, a NACK says the same set of sequence numbers.
      std::vector<uint16_t> lost;
      want.reset();
      nack->for_each_lost([&](uint16_t s) {
        lost.push_back(s);
        want.set(s);
      });
      const size_t w =
          rtcp::write_nack(out.data(), out.size(), nack->sender_ssrc, nack->media_ssrc, lost);
      check(w > 0);
      rtcp::CompoundReader rr(out.data(), w);
      rtcp::Packet back;
      check(rr.next(back));
      auto again = rtcp::parse_nack(back);
      check(again.has_value() && again->items.size() <= nack->items.size());
      got.reset();
      again->for_each_lost([&](uint16_t s) { got.set(s); });
      check(got == want);
    }
    (void)rtcp::parse_pli(p);
    if (auto fir = rtcp::parse_fir(p))
      for (rtcp::FirEntry e : fir->entries) (void)e;
    if (auto remb = rtcp::parse_remb(p)) {
      std::vector<uint32_t> ssrcs(remb->ssrcs.begin(), remb->ssrcs.end());
      const size_t w =
          rtcp::write_remb(out.data(), out.size(), remb->sender_ssrc, remb->bitrate_bps, ssrcs);
      check(w > 0);
      rtcp::CompoundReader rr(out.data(), w);
      rtcp::Packet back;
      check(rr.next(back));
      auto again = rtcp::parse_remb(back);
      check(again && again->bitrate_bps <= remb->bitrate_bps &&
            again->ssrcs.size() == ssrcs.size());
    }
    if (auto fb = twcc::FeedbackReader::parse(p)) {
      twcc::PacketStatus s;
      size_t n = 0;
      while (fb->next(s)) ++n;
      check(n == fb->header().status_count);
    }
  }
}

void fuzz_recorder(const uint8_t* data, size_t size) {
  twcc::TwccRecorder rec(64);
  std::unordered_map<uint16_t, int64_t> accepted;
  std::unordered_map<uint16_t, int> reported;
  std::vector<uint8_t> buf(2048);
  uint16_t seq = 0;
  int64_t t = 0;
  auto drain = [&](size_t cap) {
    for (int guard = 0; guard < 100000; ++guard) {
      const size_t n = rec.build_feedback(1, 2, buf.data(), cap);
      if (n == 0) return;
      check(n <= cap && n % 4 == 0);
      rtcp::CompoundReader r(buf.data(), n);
      rtcp::Packet p;
      check(r.next(p));
      auto fb = twcc::FeedbackReader::parse(p);
      check(fb.has_value());
      twcc::PacketStatus s;
      while (fb->next(s)) {
        if (!s.received) continue;
        auto it = accepted.find(s.seq);
        check(it != accepted.end());
        // Times here stay far below 2^23 × 64 ms, so the reference time never wraps.
        int64_t q = it->second / twcc::kDeltaTickUs;
        if (it->second % twcc::kDeltaTickUs < 0) --q;
        check(s.arrival_us == q * twcc::kDeltaTickUs);
        check(++reported[s.seq] == 1);
      }
    }
    std::abort();  // never drains
  };
  for (size_t i = 0; i + 4 <= size; i += 4) {
    seq = uint16_t(seq + int8_t(data[i]));
    t += int64_t(int16_t((data[i + 1] << 8) | data[i + 2])) * 37;
    if (data[i + 3] & 1) {
      if (rec.on_packet(seq, t)) {
        // A number accepted again after it left the window is a new packet.
        accepted[seq] = t;
        reported.erase(seq);
      }
    }
    if (data[i + 3] & 2) drain(twcc::kMinFeedbackSize + (data[i + 3] >> 2) * 8);
  }
  drain(1200);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_lo = data;
  g_hi = data + size;
  fuzz_rtp(data, size);
  fuzz_rtcp(data, size);
  fuzz_recorder(data, size);
  return 0;
}
