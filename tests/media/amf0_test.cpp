#include "media/rtmp/amf0.hpp"

#include <gtest/gtest.h>

#include <random>

namespace onair::amf0 {
namespace {

std::vector<uint8_t> bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int b : v) out.push_back(uint8_t(b));
  return out;
}
std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST(Amf0, DecodesAConnectCommandAsFfmpegSendsIt) {
  // "connect", 1.0, {app: "live", tcUrl: "rtmp://h/live"} as laid out by the spec (2.2-2.5).
  auto d = bytes({0x02, 0x00, 0x07, 'c', 'o', 'n', 'n', 'e', 'c', 't',
                  0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0,
                  0x03, 0x00, 0x03, 'a', 'p', 'p', 0x02, 0x00, 0x04, 'l', 'i', 'v', 'e',
                  0x00, 0x05, 't', 'c', 'U', 'r', 'l', 0x02, 0x00, 0x0D, 'r', 't', 'm', 'p', ':', '/', '/',
                  'h', '/', 'l', 'i', 'v', 'e', 0x00, 0x00, 0x09});
  auto v = decode_all(d);
  ASSERT_TRUE(v) << v.error().message();
  ASSERT_EQ(v->size(), 3u);
  EXPECT_EQ((*v)[0].string, "connect");
  EXPECT_EQ((*v)[1].number, 1.0);
  EXPECT_EQ((*v)[2].type, Type::object);
  EXPECT_EQ((*v)[2].get_string("app"), "live");
  EXPECT_EQ((*v)[2].get_string("tcUrl"), "rtmp://h/live");
  EXPECT_FALSE((*v)[2].get_number("app"));
}

TEST(Amf0, EncodesTheSpecLayout) {
  std::string out;
  encode(out, Value::str("_result"));
  encode(out, Value::num(1));
  encode(out, Value::null_value());
  encode(out, Value::boolean_of(true));
  EXPECT_EQ(bytes(out), bytes({0x02, 0x00, 0x07, '_', 'r', 'e', 's', 'u', 'l', 't', 0x00, 0x3F, 0xF0, 0, 0, 0, 0, 0, 0,
                               0x05, 0x01, 0x01}));
  out.clear();
  encode(out, Value::ecma_array_of({{"duration", Value::num(0)}}));
  EXPECT_EQ(bytes(out), bytes({0x08, 0, 0, 0, 1, 0x00, 0x08, 'd', 'u', 'r', 'a', 't', 'i', 'o', 'n', 0x00, 0, 0, 0, 0, 0,
                               0, 0, 0, 0x00, 0x00, 0x09}));
}

TEST(Amf0, RoundTripsEveryType) {
  Value arr;
  arr.type = Type::strict_array;
  arr.items = {Value::num(1.5), Value::str("x"), Value::null_value()};
  Value date;
  date.type = Type::date;
  date.number = 1700000000000.0;
  Value undef;
  undef.type = Type::undefined;
  Value obj = Value::object_of({{"n", Value::num(-2)},
                                {"b", Value::boolean_of(false)},
                                {"nested", Value::ecma_array_of({{"k", Value::str(std::string(70000, 'z'))}})},
                                {"a", arr},
                                {"d", date},
                                {"u", undef}});
  std::string out;
  encode(out, obj);
  size_t pos = 0;
  auto back = decode(std::span(reinterpret_cast<const uint8_t*>(out.data()), out.size()), pos);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(pos, out.size());
  EXPECT_EQ(back->get_number("n"), -2);
  EXPECT_EQ(back->get("b")->boolean, false);
  EXPECT_EQ(back->get("nested")->get_string("k")->size(), 70000u);  // a long string
  ASSERT_EQ(back->get("a")->items.size(), 3u);
  EXPECT_EQ(back->get("a")->items[1].string, "x");
  EXPECT_EQ(back->get("d")->type, Type::date);
  EXPECT_EQ(back->get("d")->number, 1700000000000.0);
  EXPECT_EQ(back->get("u")->type, Type::undefined);
}

TEST(Amf0, RefusesTruncatedAndHostileInput) {
  for (auto d : {bytes({0x00, 0x3F}), bytes({0x02, 0x00, 0x05, 'a'}), bytes({0x03, 0x00, 0x01, 'a', 0x05}),
                 bytes({0x0A, 0xFF, 0xFF, 0xFF, 0xFF}), bytes({0x07, 0x00, 0x01}), bytes({0x11, 0x02}),
                 bytes({0x42}), bytes({0x0C, 0x7F, 0xFF, 0xFF, 0xFF, 'a'}), bytes({0x08, 0, 0, 0})}) {
    auto r = decode_all(d);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::invalid_argument);
  }
  // Deep nesting is bounded.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += std::string("\x03\x00\x01k", 4);
  EXPECT_FALSE(decode_all(bytes(deep)));
}

TEST(Amf0, RandomBytesNeverCrash) {
  std::mt19937 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> d(rng() % 64);
    for (auto& b : d) b = uint8_t(rng() % 16 == 0 ? rng() : rng() % 0x0D);
    (void)decode_all(d);
  }
}

}  // namespace
}  // namespace onair::amf0
