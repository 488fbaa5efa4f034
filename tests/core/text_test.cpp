#include "core/text.hpp"

#include <gtest/gtest.h>

#include <string>

namespace onair {
namespace {

TEST(Text, FindsC0DelAndC1ControlCharacters) {
  EXPECT_TRUE(has_control_chars(std::string("a\0b", 3)));
  EXPECT_TRUE(has_control_chars("tab\there"));
  EXPECT_TRUE(has_control_chars("line\nbreak"));
  EXPECT_TRUE(has_control_chars("cr\r"));
  EXPECT_TRUE(has_control_chars("\x1b[31mred"));
  EXPECT_TRUE(has_control_chars("\x1f"));
  EXPECT_TRUE(has_control_chars("del\x7f"));
  EXPECT_TRUE(has_control_chars("c1 \xc2\x80"));  // U+0080
  EXPECT_TRUE(has_control_chars("c1 \xc2\x85"));  // U+0085 NEL
  EXPECT_TRUE(has_control_chars("\xc2\x9b" "31m"));  // U+009B CSI
}

TEST(Text, AcceptsPrintableTextInAnyScript) {
  EXPECT_FALSE(has_control_chars(""));
  EXPECT_FALSE(has_control_chars("Alice's live ~ 100%"));
  EXPECT_FALSE(has_control_chars("\xc2\xa0nbsp and \xc2\xa9"));  // U+00A0, U+00A9: C2 A0.. is text
  EXPECT_FALSE(has_control_chars("\xe7\x9b\xb4\xe6\x92\xad"));   // 直播
  EXPECT_FALSE(has_control_chars("\xf0\x9f\x8e\x81 gift"));      // U+1F381
  EXPECT_FALSE(has_control_chars("\xc3\x80"));                    // U+00C0
}

}  // namespace
}  // namespace onair
