// Browser-facing features driven by a real browser: Debian's Chromium, headless, through
// playwright-core (tests/browser/, installed by scripts/setup.sh).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "harness.hpp"

namespace onair::testing {
namespace {

// Runs a command; its exit status and everything it printed.
std::pair<int, std::string> run_command(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  std::array<char, 4096> buf;
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(Browser, ChromiumChatsOverTheRealtimeWebSocket) {
  Server s;
  s.start();
  std::string room = s.post("/v1/rooms", R"({"kind":"live"})", s.token("host", "Host")).str("id");
  ASSERT_FALSE(room.empty());
  auto [status, out] = run_command("cd " ONAIR_SOURCE_DIR "/tests/browser && timeout 60 node realtime_chat.mjs " +
                                   std::to_string(s.port()) + " " + s.token("viewer", "Viewer") + " " + room +
                                   " " + s.token("late", "", "*", false, true, -3600));
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("hello from chromium"), std::string::npos) << out;
  EXPECT_NE(out.find("\"code\":4001"), std::string::npos) << out;
}

}  // namespace
}  // namespace onair::testing
