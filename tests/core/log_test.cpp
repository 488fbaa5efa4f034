#include "core/log.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

namespace onair {
namespace {

TEST(Log, EscapesControlCharactersSoAValueCannotForgeALine) {
  EXPECT_EQ(escape_controls("plain /v1/rooms?x=1 \xe4\xbd\xa0\xe5\xa5\xbd"), "plain /v1/rooms?x=1 \xe4\xbd\xa0\xe5\xa5\xbd");
  EXPECT_EQ(escape_controls("a\nb\rc\td"), "a\\x0ab\\x0dc\\x09d");
  EXPECT_EQ(escape_controls("\x1b[31mred\x7f"), "\\x1b[31mred\\x7f");
  EXPECT_EQ(escape_controls(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(escape_controls("csi\xc2\x9b" "2J"), "csi\\u009b2J");
  EXPECT_EQ(escape_controls("\xc2\xa0nbsp"), "\xc2\xa0nbsp");  // not a control
  EXPECT_EQ(escape_controls("lone\x9b" "2J"), "lone\\x9b2J");    // not UTF-8
  EXPECT_EQ(escape_controls("cut\xe4\xbd"), "cut\\xe4\\xbd");
  EXPECT_EQ(escape_controls("rtl\xe2\x80\xae" "evil"), "rtl\\u202eevil");
  EXPECT_EQ(escape_controls("emoji \xf0\x9f\x8e\x81"), "emoji \xf0\x9f\x8e\x81");
}

TEST(Log, TheServersFormatterWritesOneLinePerMessage) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger logger("test", sink);
  logger.set_formatter(make_log_formatter());
  logger.info("http path={} status=404", "/x\n2026-01-01T00:00:00.000 I [1] http method=GET path=/admin status=200");
  logger.flush();
  std::string text = out.str();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.find('\n'), text.size() - 1) << text;
  EXPECT_NE(text.find("path=/x\\x0a2026-01-01T00:00:00.000 I [1]"), std::string::npos) << text;
}

}  // namespace
}  // namespace onair
