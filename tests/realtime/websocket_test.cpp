#include "realtime/websocket.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace onair::realtime::ws {
namespace {

// A client frame as a browser sends it: masked with `key`.
std::string client_frame(uint8_t first_byte, std::string_view payload, uint32_t key = 0x37fa213d) {
  std::string out;
  out += char(first_byte);
  size_t n = payload.size();
  if (n < 126) {
    out += char(0x80 | n);
  } else if (n <= 0xffff) {
    out += char(0x80 | 126);
    out += char(n >> 8);
    out += char(n);
  } else {
    out += char(0x80 | 127);
    for (int i = 0; i < 8; ++i) out += char(uint64_t(n) >> (56 - 8 * i));
  }
  char k[4] = {char(key >> 24), char(key >> 16), char(key >> 8), char(key)};
  out.append(k, 4);
  for (size_t i = 0; i < n; ++i) out += char(payload[i] ^ k[i & 3]);
  return out;
}

struct Collected {
  std::vector<std::pair<Opcode, std::string>> messages;
  FrameReader::OnMessage sink() {
    return [this](Opcode op, std::string_view p) { messages.emplace_back(op, std::string(p)); };
  }
};

std::optional<FrameReader::Violation> feed(FrameReader& r, std::string bytes, Collected& c) {
  return r.feed(bytes.data(), bytes.size(), c.sink());
}

TEST(WebSocket, AcceptKeyMatchesTheRfcExample) {
  // RFC 6455 1.3.
  EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(WebSocket, EncodesServerFramesWithEachLengthForm) {
  EXPECT_EQ(encode(Opcode::text, "Hello"), std::string("\x81\x05Hello"));
  std::string mid(300, 'a');
  std::string f = encode(Opcode::text, mid);
  ASSERT_EQ(f.size(), 4 + 300u);
  EXPECT_EQ(uint8_t(f[1]), 126);
  EXPECT_EQ((uint8_t(f[2]) << 8) | uint8_t(f[3]), 300);
  std::string big(70000, 'b');
  f = encode(Opcode::binary, big);
  ASSERT_EQ(f.size(), 10 + 70000u);
  EXPECT_EQ(uint8_t(f[0]), 0x82);
  EXPECT_EQ(uint8_t(f[1]), 127);
  EXPECT_EQ((uint8_t(f[7]) << 16) | (uint8_t(f[8]) << 8) | uint8_t(f[9]), 70000);
}

TEST(WebSocket, CloseFrameCarriesCodeAndCutReason) {
  std::string f = encode_close(4001, "token expired");
  EXPECT_EQ(uint8_t(f[0]), 0x88);
  EXPECT_EQ(uint8_t(f[1]), 2 + 13);
  EXPECT_EQ((uint8_t(f[2]) << 8) | uint8_t(f[3]), 4001);
  // A long reason stays within a control frame, cut on a character boundary.
  std::string reason;
  for (int i = 0; i < 100; ++i) reason += "\xc3\xa9";  // é
  f = encode_close(1000, reason);
  EXPECT_LE(f.size() - 2, 125u);
  EXPECT_TRUE(valid_utf8(std::string_view(f).substr(4)));
}

TEST(WebSocket, ReadsMaskedMessagesOneByteAtATime) {
  FrameReader r(1 << 16);
  Collected c;
  std::string wire = client_frame(0x81, "{\"type\":\"ping\"}") + client_frame(0x89, "p") +
                     client_frame(0x81, std::string(1000, 'x'));
  for (char ch : wire) ASSERT_FALSE(feed(r, std::string(1, ch), c));
  ASSERT_EQ(c.messages.size(), 3u);
  EXPECT_EQ(c.messages[0].first, Opcode::text);
  EXPECT_EQ(c.messages[0].second, "{\"type\":\"ping\"}");
  EXPECT_EQ(c.messages[1].first, Opcode::ping);
  EXPECT_EQ(c.messages[2].second, std::string(1000, 'x'));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(WebSocket, ReassemblesFragmentsWithControlFramesBetween) {
  FrameReader r(1 << 16);
  Collected c;
  std::string wire = client_frame(0x01, "Hel") + client_frame(0x8a, "") + client_frame(0x00, "lo ") +
                     client_frame(0x80, "world");
  ASSERT_FALSE(feed(r, wire, c));
  ASSERT_EQ(c.messages.size(), 2u);
  EXPECT_EQ(c.messages[0].first, Opcode::pong);
  EXPECT_EQ(c.messages[1].first, Opcode::text);
  EXPECT_EQ(c.messages[1].second, "Hello world");
}

TEST(WebSocket, RefusesProtocolViolations) {
  struct Case {
    const char* name;
    std::string wire;
    uint16_t code;
  };
  std::string unmasked = "\x81\x02hi";
  std::vector<Case> cases = {
      {"unmasked", unmasked, close_code::protocol_error},
      {"reserved bits", client_frame(0xc1, "hi"), close_code::protocol_error},
      {"unknown opcode", client_frame(0x83, "hi"), close_code::protocol_error},
      {"fragmented ping", client_frame(0x09, "hi"), close_code::protocol_error},
      {"long ping", client_frame(0x89, std::string(126, 'p')), close_code::protocol_error},
      {"stray continuation", client_frame(0x80, "hi"), close_code::protocol_error},
      {"interleaved message", client_frame(0x01, "a") + client_frame(0x81, "b"), close_code::protocol_error},
      {"bad utf-8", client_frame(0x81, "\xc3\x28"), close_code::invalid_payload},
      {"surrogate", client_frame(0x81, "\xed\xa0\x80"), close_code::invalid_payload},
      {"one byte close", client_frame(0x88, "x"), close_code::protocol_error},
  };
  for (auto& tc : cases) {
    FrameReader r(1 << 16);
    Collected c;
    auto err = feed(r, tc.wire, c);
    ASSERT_TRUE(err) << tc.name;
    EXPECT_EQ(err->code, tc.code) << tc.name;
    EXPECT_FALSE(err->reason.empty());
    // Once failed, it stays failed.
    EXPECT_TRUE(feed(r, client_frame(0x81, "ok"), c)) << tc.name;
  }
}

// A close frame's body: the code in network order, then the reason.
std::string close_body(uint16_t code, std::string_view reason = "") {
  std::string b;
  b += char(code >> 8);
  b += char(code & 0xff);
  b.append(reason);
  return b;
}

TEST(WebSocket, CloseCodesAllowedOnTheWire) {
  // RFC 6455 7.4.1 and 7.4.2, and the IANA registry: 1000-1003, 1007-1014, 3000-4999.
  for (uint16_t code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999})
    EXPECT_TRUE(valid_close_code(code)) << code;
  for (uint16_t code : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535})
    EXPECT_FALSE(valid_close_code(code)) << code;
}

TEST(WebSocket, CloseFramesWithValidCodesAndReasonsArePassedOn) {
  for (auto [code, reason] : std::vector<std::pair<uint16_t, std::string>>{
           {1000, ""}, {1001, "bye"}, {1012, ""}, {3000, "app"}, {4999, "\xe4\xbd\xa0\xe5\xa5\xbd"}}) {
    FrameReader r(1 << 16);
    Collected c;
    ASSERT_FALSE(feed(r, client_frame(0x88, close_body(code, reason)), c)) << code;
    ASSERT_EQ(c.messages.size(), 1u);
    EXPECT_EQ(c.messages[0].first, Opcode::close);
    EXPECT_EQ(c.messages[0].second, close_body(code, reason));
  }
  // An empty close (no code) is allowed too (RFC 6455 5.5.1).
  FrameReader r(1 << 16);
  Collected c;
  ASSERT_FALSE(feed(r, client_frame(0x88, ""), c));
  ASSERT_EQ(c.messages.size(), 1u);
}

TEST(WebSocket, RefusesCloseCodesNotAllowedOnTheWireAndReasonsNotUtf8) {
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
    FrameReader r(1 << 16);
    Collected c;
    auto err = feed(r, client_frame(0x88, close_body(code, "x")), c);
    ASSERT_TRUE(err) << code;
    EXPECT_EQ(err->code, close_code::protocol_error) << code;
    EXPECT_TRUE(c.messages.empty()) << code;
  }
  for (std::string reason : {"\xff", "ok\xc3", "\xed\xa0\x80", "\xc0\xaf"}) {
    FrameReader r(1 << 16);
    Collected c;
    auto err = feed(r, client_frame(0x88, close_body(1000, reason)), c);
    ASSERT_TRUE(err);
    EXPECT_EQ(err->code, close_code::invalid_payload);
    EXPECT_TRUE(c.messages.empty());
  }
}

TEST(WebSocket, RefusesAnOversizeMessageFromItsHeaderAlone) {
  FrameReader r(16 * 1024);
  Collected c;
  std::string wire = client_frame(0x81, std::string(20000, 'a'));
  // Only the header and a few bytes: refused before the payload arrives.
  auto err = feed(r, wire.substr(0, 12), c);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, close_code::too_big);
  // Fragments adding up past the limit too.
  FrameReader r2(16 * 1024);
  ASSERT_FALSE(feed(r2, client_frame(0x01, std::string(10000, 'a')), c));
  err = feed(r2, client_frame(0x80, std::string(10000, 'a')), c);
  ASSERT_TRUE(err);
  EXPECT_EQ(err->code, close_code::too_big);
}

TEST(WebSocket, Utf8Validation) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain"));
  EXPECT_TRUE(valid_utf8("\xe4\xbd\xa0\xe5\xa5\xbd"));  // 你好
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x8e\x81"));          // 🎁
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));                 // overlong
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));         // > U+10FFFF
  EXPECT_FALSE(valid_utf8("\xe4\xbd"));                 // cut
  EXPECT_FALSE(valid_utf8("\xff"));
}

TEST(WebSocket, RandomSplitsGiveTheSameMessages) {
  std::mt19937 rng(7);
  std::string wire;
  std::vector<std::string> sent;
  for (int i = 0; i < 200; ++i) {
    std::string p(rng() % 3000, char('a' + i % 26));
    sent.push_back(p);
    wire += client_frame(0x81, p, uint32_t(rng()));
  }
  FrameReader r(1 << 16);
  Collected c;
  size_t pos = 0;
  while (pos < wire.size()) {
    size_t n = std::min<size_t>(wire.size() - pos, 1 + rng() % 5000);
    ASSERT_FALSE(feed(r, wire.substr(pos, n), c));
    pos += n;
  }
  ASSERT_EQ(c.messages.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(c.messages[i].second, sent[i]);
}

}  // namespace
}  // namespace onair::realtime::ws
