#include "media/rtmp/chunk.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace onair::rtmp {
namespace {

std::span<const uint8_t> span_of(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Feeds `wire` to the reader in pieces of `step` bytes (as a socket would) and collects messages.
std::vector<Message> read_all(ChunkReader& r, const std::string& wire, size_t step) {
  std::vector<Message> out;
  std::string buffer;
  for (size_t off = 0; off < wire.size(); off += step) {
    buffer += wire.substr(off, step);
    while (true) {
      std::optional<Message> m;
      auto used = r.parse(span_of(buffer), m);
      EXPECT_TRUE(used) << used.error().message();
      if (!used || *used == 0) break;
      buffer.erase(0, *used);
      if (m) out.push_back(std::move(*m));
    }
  }
  EXPECT_TRUE(buffer.empty());
  return out;
}

TEST(Chunk, SpecExampleOneAudioWithCompressedHeaders) {
  // RTMP 5.3.2.1: four 32-byte audio messages on csid 3, stream 12345, timestamps 1000 +20 each:
  // a type 0 header, a type 2 header (delta 20), then type 3 headers.
  std::string wire;
  std::string body(32, 'a');
  wire += char(0x03);
  wire += std::string("\x00\x03\xe8\x00\x00\x20\x08\x39\x30\x00\x00", 11) + body;
  wire += char(0x83);
  wire += std::string("\x00\x00\x14", 3) + body;
  wire += char(0xC3) + body;
  wire += char(0xC3) + body;
  ChunkReader r;
  auto msgs = read_all(r, wire, 7);
  ASSERT_EQ(msgs.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(msgs[i].timestamp, 1000 + 20 * i);
    EXPECT_EQ(msgs[i].type, kAudio);
    EXPECT_EQ(msgs[i].stream_id, 12345u);
    EXPECT_EQ(msgs[i].payload, body);
  }
}

TEST(Chunk, SpecExampleTwoMessageSplitAcrossChunks) {
  // RTMP 5.3.2.2: a 307-byte video message in chunks of 128: type 0, then two type 3.
  std::string payload(307, 'v');
  std::string wire;
  write_message(wire, 4, kVideo, 12346, 1000, payload, 128);
  EXPECT_EQ(wire.size(), 12 + 128 + 1 + 128 + 1 + 51u);
  ChunkReader r;
  auto msgs = read_all(r, wire, 1);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].payload, payload);
  EXPECT_EQ(msgs[0].timestamp, 1000u);
  EXPECT_EQ(msgs[0].csid, 4u);
}

TEST(Chunk, RoundTripsChunkStreamIdsSizesAndExtendedTimestamps) {
  std::mt19937 rng(7);
  for (uint32_t csid : {2u, 63u, 64u, 319u, 320u, 65599u}) {
    for (uint32_t chunk : {1u, 128u, 4096u, 60000u}) {
      for (uint32_t ts : {0u, 40u, 0xFFFFFEu, 0xFFFFFFu, 0x12345678u}) {
        std::string payload(rng() % 9000, 'x');
        for (auto& c : payload) c = char(rng());
        std::string wire;
        write_message(wire, csid, kVideo, 1, ts, payload, chunk);
        ChunkReader r;
        ASSERT_TRUE(r.set_chunk_size(chunk));
        auto msgs = read_all(r, wire, 1 + rng() % 700);
        ASSERT_EQ(msgs.size(), 1u) << csid << " " << chunk << " " << ts;
        EXPECT_EQ(msgs[0].csid, csid);
        EXPECT_EQ(msgs[0].timestamp, ts);
        EXPECT_EQ(msgs[0].payload, payload);
      }
    }
  }
}

TEST(Chunk, InterleavedChunkStreamsReassembleSeparately) {
  std::string a, b;
  write_message(a, 4, kVideo, 1, 10, std::string(300, 'v'), 128);
  write_message(b, 6, kAudio, 1, 11, std::string(200, 'a'), 128);
  // v0 a0 v1 a1 v2: chunks of the two streams interleaved.
  std::string wire = a.substr(0, 140) + b.substr(0, 140) + a.substr(140, 129) + b.substr(140) + a.substr(269);
  ChunkReader r;
  auto msgs = read_all(r, wire, 3);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].type, kAudio);
  EXPECT_EQ(msgs[0].payload, std::string(200, 'a'));
  EXPECT_EQ(msgs[1].type, kVideo);
  EXPECT_EQ(msgs[1].payload, std::string(300, 'v'));
}

TEST(Chunk, AbortDropsThePartialMessage) {
  std::string wire;
  write_message(wire, 4, kVideo, 1, 10, std::string(300, 'v'), 128);
  ChunkReader r;
  std::optional<Message> m;
  auto used = r.parse(span_of(wire), m);
  ASSERT_TRUE(used && *used == 140);
  r.abort(4);
  std::string next;
  write_message(next, 4, kVideo, 1, 20, "hello", 128);
  auto msgs = read_all(r, next, 100);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].payload, "hello");
}

// A header that announces 16 MiB on each of 63 chunk streams costs what arrived, not what
// was announced; past the budget on partial messages the reader refuses.
TEST(Chunk, PartialMessagesHoldWhatArrivedAndStayWithinTheBudget) {
  ChunkReader r(ChunkLimits{16 * 1024 * 1024, 64, 64 * 1024});
  std::string wire;
  for (uint32_t csid = 3; csid < 66; ++csid) {
    std::string one;
    write_message(one, csid, kVideo, 1, 0, std::string(16 * 1024 * 1024 - 1, 'v'), 128);
    wire += one.substr(0, 12 + (csid >= 64 ? 1 : 0) + 128);  // the first chunk of each
  }
  std::string buffer = wire;
  size_t messages = 0;
  Result<size_t> used = size_t(0);
  while (!buffer.empty()) {
    std::optional<Message> m;
    used = r.parse(span_of(buffer), m);
    if (!used || *used == 0) break;
    buffer.erase(0, *used);
    if (m) ++messages;
  }
  EXPECT_EQ(messages, 0u);
  // 512 first chunks of 128 bytes fit in 64 KiB; 63 of them are 8 KiB.
  ASSERT_TRUE(used) << used.error().message();
  EXPECT_EQ(r.buffered(), 63u * 128);
  EXPECT_TRUE(buffer.empty());

  // Keep feeding one chunk stream: refused once 64 KiB are held.
  ChunkReader small(ChunkLimits{16 * 1024 * 1024, 64, 64 * 1024});
  std::string big;
  write_message(big, 4, kVideo, 1, 0, std::string(1024 * 1024, 'v'), 128);
  buffer = big;
  bool refused = false;
  while (!buffer.empty()) {
    std::optional<Message> m;
    auto u = small.parse(span_of(buffer), m);
    if (!u) {
      refused = true;
      EXPECT_NE(u.error().message().find("partial messages"), std::string::npos) << u.error().message();
      break;
    }
    ASSERT_GT(*u, 0u);
    buffer.erase(0, *u);
    EXPECT_LE(small.buffered(), 64u * 1024);
  }
  EXPECT_TRUE(refused);

  // With the budget raised (publish accepted) the same message goes through, and the
  // finished message leaves nothing held.
  ChunkReader raised(ChunkLimits{16 * 1024 * 1024, 64, 64 * 1024});
  raised.set_max_buffered(2 * 1024 * 1024);
  auto msgs = read_all(raised, big, 4096);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].payload.size(), 1024u * 1024);
  EXPECT_EQ(raised.buffered(), 0u);
}

TEST(Chunk, RefusesBrokenHeaders) {
  ChunkReader r(ChunkLimits{1024, 4});
  std::optional<Message> m;
  // A type 1 header on a chunk stream never seen.
  std::string t1 = std::string("\x43\x00\x00\x01\x00\x00\x05\x09", 8) + "hello";
  EXPECT_FALSE(r.parse(span_of(t1), m));
  // A message longer than the limit.
  std::string big = std::string("\x04\x00\x00\x00\x10\x00\x00\x09\x01\x00\x00\x00", 12);
  EXPECT_FALSE(r.parse(span_of(big), m));
  // Too many chunk streams at once.
  ChunkReader r2(ChunkLimits{1024, 2});
  for (uint32_t csid : {3u, 4u}) {
    std::string w;
    write_message(w, csid, kVideo, 1, 0, std::string(200, 'x'), 128);
    ASSERT_TRUE(r2.parse(span_of(w), m));
  }
  std::string w;
  write_message(w, 5, kVideo, 1, 0, "x", 128);
  EXPECT_FALSE(r2.parse(span_of(w), m));
  EXPECT_FALSE(r.set_chunk_size(0));
  EXPECT_FALSE(r.set_chunk_size(0x80000000u));
}

TEST(Chunk, ControlMessagesHaveTheSpecLayout) {
  EXPECT_EQ(set_chunk_size_message(4096),
            std::string("\x02\x00\x00\x00\x00\x00\x04\x01\x00\x00\x00\x00\x00\x00\x10\x00", 16));
  EXPECT_EQ(user_control_message(0, 1),
            std::string("\x02\x00\x00\x00\x00\x00\x06\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01", 18));
}

TEST(Chunk, RandomBytesNeverCrash) {
  std::mt19937 rng(1);
  for (int i = 0; i < 3000; ++i) {
    ChunkReader r(ChunkLimits{65536, 8});
    std::string junk(rng() % 512, '\0');
    for (auto& c : junk) c = char(rng());
    std::string buffer = junk;
    for (int k = 0; k < 64; ++k) {
      std::optional<Message> m;
      auto used = r.parse(span_of(buffer), m);
      if (!used || *used == 0) break;
      buffer.erase(0, *used);
    }
  }
}

}  // namespace
}  // namespace onair::rtmp
