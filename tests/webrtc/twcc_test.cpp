#include "media/webrtc/twcc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <vector>

namespace onair::webrtc::twcc {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes unhex(std::string_view h) {
  Bytes out;
  int hi = -1;
  for (char c : h) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(uint8_t(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

struct Report {
  FeedbackHeader header;
  std::vector<PacketStatus> statuses;
  Bytes bytes;
};

std::optional<Report> read(const Bytes& b) {
  rtcp::CompoundReader r(b.data(), b.size());
  rtcp::Packet p;
  if (!r.next(p)) return std::nullopt;
  auto fb = FeedbackReader::parse(p);
  if (!fb) return std::nullopt;
  Report rep{fb->header(), {}, b};
  PacketStatus s;
  while (fb->next(s)) rep.statuses.push_back(s);
  EXPECT_EQ(rep.statuses.size(), rep.header.status_count);
  return rep;
}

// Builds feedback until there is none left, checking each packet's size and framing.
std::vector<Report> drain(TwccRecorder& rec, size_t capacity = 1200) {
  std::vector<Report> out;
  Bytes buf(capacity);
  while (size_t n = rec.build_feedback(0x11111111, 0x22222222, buf.data(), capacity)) {
    EXPECT_LE(n, capacity);
    EXPECT_EQ(n % 4, 0u);
    auto rep = read(Bytes(buf.begin(), buf.begin() + n));
    EXPECT_TRUE(rep);
    if (!rep) break;
    out.push_back(*rep);
    if (out.size() > 100000) break;  // a bug; do not loop forever
  }
  return out;
}

int64_t quantized(int64_t arrival_us) {
  int64_t t = arrival_us / kDeltaTickUs;
  if (arrival_us % kDeltaTickUs < 0) --t;
  return t * kDeltaTickUs;
}

// Checks that reports say exactly: each packet in `fed` received once, at its arrival
// quantized to 250 us; nothing else received.
void expect_reported_once(const std::vector<Report>& reports,
                          const std::map<uint16_t, int64_t>& fed) {
  std::map<uint16_t, int> seen;
  for (const Report& r : reports)
    for (const PacketStatus& s : r.statuses) {
      if (!s.received) continue;
      ++seen[s.seq];
      auto it = fed.find(s.seq);
      ASSERT_NE(it, fed.end()) << "reported a packet never received: " << s.seq;
      EXPECT_EQ(s.arrival_us, quantized(it->second)) << s.seq;
    }
  for (const auto& [seq, arrival] : fed) EXPECT_EQ(seen[seq], 1) << seq;
}

// --- The draft's chunk examples (3.1.3, 3.1.4) ---

TEST(Twcc, ParsesAFeedbackBuiltFromTheDraftExamples) {
  // Run-length example 1 (221 × "not received") then status vector example 1 (1-bit:
  // 1 not received, 5 received, 3 not received, 3 received, 2 not received), 8 deltas of 1 ms.
  const Bytes b = unhex(
      "8fcd 0007 11111111 22222222"
      "03e8 00eb 000010 07"
      "00dd 9f1c"
      "04040404 04040404");
  auto rep = read(b);
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->header.sender_ssrc, 0x11111111u);
  EXPECT_EQ(rep->header.media_ssrc, 0x22222222u);
  EXPECT_EQ(rep->header.base_seq, 1000);
  EXPECT_EQ(rep->header.status_count, 235);
  EXPECT_EQ(rep->header.reference_time, 16);
  EXPECT_EQ(rep->header.reference_time_us(), 1'024'000);
  EXPECT_EQ(rep->header.feedback_count, 7);
  ASSERT_EQ(rep->statuses.size(), 235u);
  const std::vector<bool> vector_part = {false, true,  true, true, true, true,  false,
                                         false, false, true, true, true, false, false};
  int64_t expected_arrival = 1'024'000;
  for (size_t i = 0; i < 235; ++i) {
    const PacketStatus& s = rep->statuses[i];
    EXPECT_EQ(s.seq, 1000 + i);
    const bool received = i >= 221 && vector_part[i - 221];
    ASSERT_EQ(s.received, received) << i;
    if (received) {
      expected_arrival += 1000;
      EXPECT_EQ(s.delta_ticks, 4);
      EXPECT_EQ(s.arrival_us, expected_arrival);
    }
  }
}

TEST(Twcc, ParsesTheDraftRunLengthExampleAlone) {
  const Bytes b = unhex("8fcd 0005 00000001 00000002 0000 00dd 000000 00 00dd 0000");
  auto rep = read(b);
  ASSERT_TRUE(rep);
  ASSERT_EQ(rep->statuses.size(), 221u);
  EXPECT_TRUE(
      std::none_of(rep->statuses.begin(), rep->statuses.end(), [](auto& s) { return s.received; }));
  EXPECT_EQ(rep->statuses.back().seq, 220);
}

TEST(Twcc, RefusesTheReservedSymbol) {
  // Run-length example 2 and the 2-bit status vector example use symbol 11, which -01
  // reserves (3.1.1).
  EXPECT_FALSE(read(unhex("8fcd 0005 00000001 00000002 0000 0018 000000 00 6018 0000")));
  EXPECT_FALSE(read(unhex("8fcd 0006 00000001 00000002 0000 0007 000000 00 cd50 0101 01000000")));
  // The same 2-bit vector with the reserved symbol replaced by "small delta" is fine.
  auto ok = read(unhex("8fcd 0006 00000001 00000002 0000 0007 000000 00 c550 01010101 0000"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->statuses[1].received, true);
  EXPECT_EQ(ok->statuses[4].arrival_us, 4 * 250);
}

TEST(Twcc, RefusesMalformedFeedback) {
  // Status count 0; chunks that run out before the count; missing deltas; wrong FMT.
  EXPECT_FALSE(read(unhex("8fcd 0004 00000001 00000002 0000 0000 000000 00")));
  EXPECT_FALSE(read(unhex("8fcd 0005 00000001 00000002 0000 0010 000000 00 200f 0000")));
  EXPECT_FALSE(read(unhex("8fcd 0005 00000001 00000002 0000 0003 000000 00 2003 0101")));
  EXPECT_FALSE(read(unhex("81cd 0005 00000001 00000002 0000 0003 000000 00 2003 0101")));
  EXPECT_FALSE(read(unhex("8fcd 0003 00000001 00000002 0000 0003")));
  // Zero-length runs are skipped; a run longer than the count is cut to it.
  auto ok = read(unhex("8fcd 0006 00000001 00000002 0000 0003 000000 00 0000 2005 01020300"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->statuses.size(), 3u);
  EXPECT_EQ(ok->statuses[2].arrival_us, (1 + 2 + 3) * 250);
}

// --- Recorder: known answers derived by hand ---

TEST(Twcc, RecorderWritesARunAndAOneBitVector) {
  TwccRecorder rec;
  rec.on_packet(999, 1'000'000);
  ASSERT_EQ(drain(rec).size(), 1u);  // feedback count 0 covers 999
  // 1000..1221 missing, then the draft's vector example pattern (without its trailing 0s).
  const std::pair<uint16_t, int64_t> arrivals[] = {
      {1222, 2'048'500}, {1223, 2'049'500}, {1224, 2'049'500}, {1225, 2'113'250},
      {1226, 2'113'500}, {1230, 2'116'000}, {1231, 2'116'249}, {1232, 2'116'500}};
  for (auto [seq, t] : arrivals) ASSERT_TRUE(rec.on_packet(seq, t));
  uint8_t out[256];
  const size_t n = rec.build_feedback(0x11111111, 0x22222222, out, sizeof out);
  // Base 1000, 233 statuses, reference 32 × 64 ms (2.048 s), feedback #1. A run of 222
  // "not received", then 11 symbols in a 1-bit vector: 11111 000 111 (+3 unused). Deltas
  // in 250 us from 2.048 s: 2, 4, 0, 255, 1, 10, 0 (2'116'249 rounds down), 2.
  EXPECT_EQ(Bytes(out, out + n), unhex("8fcd 0007 11111111 22222222 03e8 00e9 000020 01 00de be38"
                                       "0204 00ff 010a 0002"));
  EXPECT_EQ(rec.build_feedback(1, 2, out, sizeof out), 0u);
}

TEST(Twcc, RecorderWritesLargeAndNegativeDeltasInATwoBitVector) {
  TwccRecorder rec;
  // 1 arrives 100 ms after 0 (large delta); 2 arrived 250 us before 1 (negative);
  // 3 is lost; 4 is 500 us after 2.
  rec.on_packet(0, 640'000);
  rec.on_packet(2, 739'750);
  rec.on_packet(1, 740'000);
  rec.on_packet(4, 740'250);
  uint8_t out[64];
  const size_t n = rec.build_feedback(1, 2, out, sizeof out);
  // Symbols 01 10 10 00 01 -> 1|1|01101000010000 = 0xda10; deltas 0, +400, -1 (large), +2.
  EXPECT_EQ(Bytes(out, out + n),
            unhex("8fcd 0006 00000001 00000002 0000 0005 00000a 00 da10 00 0190 ffff 02"));
  auto rep = read(Bytes(out, out + n));
  ASSERT_TRUE(rep);
  EXPECT_EQ(rep->statuses[1].arrival_us, 740'000);
  EXPECT_EQ(rep->statuses[2].arrival_us, 739'750);
  EXPECT_EQ(rep->statuses[2].delta_ticks, -1);
  EXPECT_FALSE(rep->statuses[3].received);
  EXPECT_EQ(rep->statuses[4].arrival_us, 740'250);
}

TEST(Twcc, LongRunsSplitAt8191) {
  TwccRecorder rec(32768);
  std::map<uint16_t, int64_t> fed;
  for (int i = 0; i < 20000; ++i) {
    rec.on_packet(uint16_t(i), 1'000'000 + i * 500);
    fed[uint16_t(i)] = 1'000'000 + i * 500;
  }
  Bytes buf(30000);
  const size_t n = rec.build_feedback(1, 2, buf.data(), buf.size());
  ASSERT_EQ(n, 20u + 6 + 20000 + 2);
  // Three run chunks of "small delta": 8191, 8191, 3618.
  EXPECT_EQ(Bytes(buf.begin() + 20, buf.begin() + 26), unhex("3fff 3fff 2e22"));
  auto rep = read(Bytes(buf.begin(), buf.begin() + n));
  ASSERT_TRUE(rep);
  expect_reported_once({*rep}, fed);
}

// --- Recorder: round trips ---

TEST(Twcc, RoundTripsWithMissingPackets) {
  std::mt19937 rng(1);
  TwccRecorder rec;
  std::map<uint16_t, int64_t> fed;
  int64_t t = 5'000'000;
  for (int i = 0; i < 500; ++i) {
    t += 200 + rng() % 3000;
    if (rng() % 5 == 0) continue;  // lost
    ASSERT_TRUE(rec.on_packet(uint16_t(i), t));
    fed[uint16_t(i)] = t;
  }
  auto reports = drain(rec);
  ASSERT_FALSE(reports.empty());
  expect_reported_once(reports, fed);
  // Together they cover every number from the first to the last received, once.
  uint16_t next = reports.front().header.base_seq;
  for (const Report& r : reports) {
    EXPECT_EQ(r.header.base_seq, next);
    next = uint16_t(next + r.header.status_count);
  }
  EXPECT_EQ(next, uint16_t(fed.rbegin()->first + 1));
}

TEST(Twcc, WrapsAround65535) {
  TwccRecorder rec;
  std::map<uint16_t, int64_t> fed;
  int64_t t = 0;
  for (int i = 65500; i < 65536 + 100; ++i) {
    t += 1000;
    if (i % 17 == 0) continue;
    ASSERT_TRUE(rec.on_packet(uint16_t(i), t));
    fed[uint16_t(i)] = t;
  }
  auto reports = drain(rec);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].header.base_seq, 65500);
  EXPECT_EQ(reports[0].header.status_count, 136);
  EXPECT_EQ(reports[0].statuses.back().seq, 99);
  expect_reported_once(reports, fed);
  // And a feedback that starts right at the wrap.
  rec.on_packet(100, t + 1000);
  auto more = drain(rec);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0].header.base_seq, 100);
}

TEST(Twcc, DeltasBeyondEightBitsUseTheLargeForm) {
  TwccRecorder rec;
  std::map<uint16_t, int64_t> fed;
  int64_t t = 1'000'000;
  for (int i = 0; i < 50; ++i) {
    t += (i % 3 == 0) ? 100'000 : 63'750;  // 400 ticks (large) or 255 (the largest small)
    rec.on_packet(uint16_t(i), t);
    fed[uint16_t(i)] = t;
  }
  auto reports = drain(rec);
  ASSERT_EQ(reports.size(), 1u);
  expect_reported_once(reports, fed);
  for (size_t i = 1; i < reports[0].statuses.size(); ++i)
    EXPECT_EQ(reports[0].statuses[i].delta_ticks, i % 3 == 0 ? 400 : 255);
}

TEST(Twcc, ReorderingGivesNegativeDeltas) {
  TwccRecorder rec;
  std::map<uint16_t, int64_t> fed;
  // Pairs swapped on the wire: 1 before 0, 3 before 2, ...
  int64_t t = 2'000'000;
  for (int i = 0; i < 40; i += 2) {
    t += 1000;
    rec.on_packet(uint16_t(i + 1), t);
    fed[uint16_t(i + 1)] = t;
    t += 1000;
    rec.on_packet(uint16_t(i), t);
    fed[uint16_t(i)] = t;
  }
  auto reports = drain(rec);
  ASSERT_EQ(reports.size(), 1u);
  expect_reported_once(reports, fed);
  int negatives = 0;
  for (const PacketStatus& s : reports[0].statuses) negatives += s.delta_ticks < 0;
  EXPECT_EQ(negatives, 20);  // every odd packet arrived 1 ms before its predecessor
}

TEST(Twcc, ALatePacketAlreadyReportedIsReportedInTheNextFeedback) {
  TwccRecorder rec;
  for (int i = 0; i < 10; ++i)
    if (i != 5) rec.on_packet(uint16_t(i), 1'000'000 + i * 1000);
  auto first = drain(rec);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].statuses[5].received);
  EXPECT_FALSE(rec.has_unreported());
  // 5 arrives after its feedback went out: the next one starts at 5; 6..9, already
  // reported as received, are now "not received" without deltas (3.1.1).
  EXPECT_TRUE(rec.on_packet(5, 1'020'000));
  EXPECT_TRUE(rec.has_unreported());
  EXPECT_TRUE(rec.on_packet(10, 1'021'000));
  auto second = drain(rec);
  ASSERT_EQ(second.size(), 1u);
  const Report& r = second[0];
  EXPECT_EQ(r.header.base_seq, 5);
  EXPECT_EQ(r.header.status_count, 6);
  EXPECT_EQ(r.header.feedback_count, 1);
  ASSERT_TRUE(r.statuses[0].received);
  EXPECT_EQ(r.statuses[0].arrival_us, 1'020'000);
  for (int i = 1; i <= 4; ++i) EXPECT_FALSE(r.statuses[i].received) << i;
  ASSERT_TRUE(r.statuses[5].received);
  EXPECT_EQ(r.statuses[5].arrival_us, 1'021'000);
  EXPECT_EQ(r.statuses[5].delta_ticks, 4);
}

TEST(Twcc, ARunOf10000PacketsSplitsIntoBoundedFeedbacks) {
  TwccRecorder rec(16384);
  std::map<uint16_t, int64_t> fed;
  for (int i = 0; i < 10000; ++i) {
    const int64_t t = 10'000'000 + i * 1000;
    rec.on_packet(uint16_t(40000 + i), t);  // crosses the wrap too
    fed[uint16_t(40000 + i)] = t;
  }
  auto reports = drain(rec, 1200);
  EXPECT_GT(reports.size(), 8u);
  EXPECT_LT(reports.size(), 12u);
  expect_reported_once(reports, fed);
  uint8_t count = 0;
  uint16_t next = 40000;
  for (const Report& r : reports) {
    EXPECT_LE(r.bytes.size(), 1200u);
    EXPECT_EQ(r.header.feedback_count, count++);
    EXPECT_EQ(r.header.base_seq, next);
    next = uint16_t(next + r.header.status_count);
  }
  EXPECT_EQ(next, uint16_t(50000));
}

TEST(Twcc, AGapLongerThanALargeDeltaStartsANewFeedback) {
  TwccRecorder rec;
  rec.on_packet(0, 1'000'000);
  rec.on_packet(1, 1'000'000 + 8'191'750);              // +32767 ticks: still one feedback
  rec.on_packet(2, 1'000'000 + 8'191'750 + 8'192'000);  // +32768 ticks: does not fit
  auto reports = drain(rec);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[0].header.status_count, 2);
  EXPECT_EQ(reports[0].statuses[1].delta_ticks, 32767);
  EXPECT_EQ(reports[1].header.base_seq, 2);
  EXPECT_EQ(reports[1].header.feedback_count, 1);
  EXPECT_EQ(reports[1].statuses[0].arrival_us, 1'000'000 + 8'191'750 + 8'192'000);
  // Backwards by more than 8192 ms.
  TwccRecorder back;
  back.on_packet(0, 20'000'000);
  back.on_packet(1, 10'000'000);
  EXPECT_EQ(drain(back).size(), 2u);
}

TEST(Twcc, ManyMissingPacketsCostOneRunChunk) {
  TwccRecorder rec;
  rec.on_packet(0, 1'000'000);
  rec.on_packet(3000, 1'100'000);
  auto reports = drain(rec);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].header.status_count, 3001);
  // A 1-bit vector (the small delta and 13 missing), a run of 2986 missing, a run of one
  // large delta: 3 chunks and 3 delta bytes, padded.
  EXPECT_EQ(reports[0].bytes.size(), 32u);
  EXPECT_EQ(Bytes(reports[0].bytes.begin() + 20, reports[0].bytes.begin() + 26),
            unhex("a000 0baa 4001"));
}

TEST(Twcc, DropsDuplicatesAndPacketsOlderThanTheWindow) {
  TwccRecorder rec(16);
  for (int i = 0; i <= 40; ++i) EXPECT_TRUE(rec.on_packet(uint16_t(i), i * 1000));
  EXPECT_FALSE(rec.on_packet(40, 99'000));  // duplicate
  EXPECT_FALSE(
      rec.on_packet(25, 99'000));  // 40 - 25 = 15 slots back: still in the ring, a duplicate
  EXPECT_FALSE(rec.on_packet(24, 99'000));  // 16 back: out of the ring
  // Unreported packets that fell out of the ring are not reported: only 25..40 are.
  auto reports = drain(rec);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].header.base_seq, 25);
  EXPECT_EQ(reports[0].header.status_count, 16);
}

TEST(Twcc, AJumpBeyondTheRingRestartsTheWindow) {
  TwccRecorder rec(16);
  rec.on_packet(0, 0);
  drain(rec);
  rec.on_packet(10, 10'000);  // within the ring: 1..9 reported missing
  auto a = drain(rec);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].header.base_seq, 1);
  EXPECT_EQ(a[0].header.status_count, 10);
  rec.on_packet(100, 20'000);  // 90 ahead of a 16-slot ring
  auto b = drain(rec);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].header.base_seq, 100);
  EXPECT_EQ(b[0].header.status_count, 1);
}

TEST(Twcc, ReferenceTimeWrapsAt24BitsAndIsSigned) {
  TwccRecorder rec;
  rec.on_packet(0, ((int64_t(1) << 24) + 5) * kReferenceTickUs + 250);
  auto a = drain(rec);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].header.reference_time, 5);
  EXPECT_EQ(a[0].statuses[0].delta_ticks, 1);
  rec.on_packet(1, ((int64_t(1) << 24) + 0x800001) * kReferenceTickUs);
  auto b = drain(rec);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].header.reference_time, 0x800001 - 0x1000000);  // sign-extended
  EXPECT_EQ(b[0].statuses[0].arrival_us, int64_t(0x800001 - 0x1000000) * kReferenceTickUs);
}

TEST(Twcc, NothingToReportAndTooSmallBuffers) {
  TwccRecorder rec;
  uint8_t out[64];
  EXPECT_EQ(rec.build_feedback(1, 2, out, sizeof out), 0u);
  EXPECT_FALSE(rec.has_unreported());
  rec.on_packet(7, 1000);
  EXPECT_EQ(rec.build_feedback(1, 2, out, kMinFeedbackSize - 1), 0u);
  EXPECT_EQ(rec.build_feedback(1, 2, out, kMinFeedbackSize), kMinFeedbackSize);
  EXPECT_EQ(rec.build_feedback(1, 2, out, sizeof out), 0u);
  EXPECT_EQ(rec.feedback_count(), 1);
  EXPECT_THROW(TwccRecorder(100), std::invalid_argument);
  EXPECT_THROW(TwccRecorder(8), std::invalid_argument);
}

TEST(Twcc, TinyBuffersStillMakeProgress) {
  TwccRecorder rec;
  std::map<uint16_t, int64_t> fed;
  std::mt19937 rng(24);
  int64_t t = 0;
  for (int i = 0; i < 300; ++i) {
    t += rng() % 120'000;
    if (rng() % 3 == 0) continue;
    rec.on_packet(uint16_t(i), t);
    fed[uint16_t(i)] = t;
  }
  auto reports = drain(rec, kMinFeedbackSize);
  expect_reported_once(reports, fed);
}

// Random loss, reordering, duplicates and feedback at random times and sizes, against the
// one promise that matters: every packet accepted is reported received exactly once, at
// its arrival time, and nothing else is.
TEST(Twcc, RandomTrafficIsReportedExactlyOnce) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    std::mt19937 rng(seed);
    TwccRecorder rec(1024);
    std::map<uint16_t, int64_t> fed;
    std::vector<Report> reports;
    std::vector<std::pair<uint16_t, int64_t>> in_flight;
    const uint16_t start = uint16_t(rng());
    int64_t t = int64_t(rng() % 1'000'000'000);
    for (int i = 0; i < 6000; ++i) {
      t += rng() % 4000;
      if (rng() % 10 != 0) in_flight.push_back({uint16_t(start + i), t});
      // Deliver some of what is in flight, in random order (reordering up to ~30 packets).
      while (!in_flight.empty() && (in_flight.size() > 30 || rng() % 3 != 0)) {
        const size_t k = rng() % in_flight.size();
        auto [seq, sent] = in_flight[k];
        in_flight.erase(in_flight.begin() + k);
        const int64_t arrival = sent + rng() % 20'000;
        if (rec.on_packet(seq, arrival)) {
          ASSERT_FALSE(fed.count(seq));
          fed[seq] = arrival;
        }
        if (rng() % 50 == 0) {
          EXPECT_FALSE(rec.on_packet(seq, arrival + 1));  // duplicate
        }
      }
      if (rng() % 40 == 0) {
        auto more = drain(rec, kMinFeedbackSize + rng() % 1400);
        reports.insert(reports.end(), more.begin(), more.end());
      }
    }
    for (auto [seq, sent] : in_flight) {
      if (rec.on_packet(seq, sent + 1000)) fed[seq] = sent + 1000;
    }
    auto more = drain(rec);
    reports.insert(reports.end(), more.begin(), more.end());
    expect_reported_once(reports, fed);
    for (size_t i = 0; i < reports.size(); ++i)
      EXPECT_EQ(reports[i].header.feedback_count, uint8_t(i));
    if (HasFailure()) {
      ADD_FAILURE() << "seed " << seed;
      return;
    }
  }
}

}  // namespace
}  // namespace onair::webrtc::twcc
