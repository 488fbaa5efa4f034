// StreamHub: one publisher per stream, takeover, and when a stream is said to be live.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "media/stream/stream_hub.hpp"

namespace onair::media {
namespace {

struct Events {
  std::vector<std::string> seen;  // "+name" on_publish, "-name" on_unpublish
  explicit Events(StreamHub& hub) {
    hub.on_publish = [this](const std::string& n) { seen.push_back("+" + n); };
    hub.on_unpublish = [this](const std::string& n) { seen.push_back("-" + n); };
  }
};

TEST(StreamHub, ASecondPublisherIsRefusedUnlessTakeoverWhichKicksTheFirst) {
  StreamHub hub;
  Events ev(hub);
  int kicked = 0;
  auto a = hub.start_publish("s", false, [&] { ++kicked; });
  ASSERT_TRUE(a.has_value());
  auto b = hub.start_publish("s", false, [] {});
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code(), ErrorCode::conflict);
  auto c = hub.start_publish("s", true, [] {});
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(kicked, 1);
  hub.stop_publish(*a);  // the old ticket changes nothing
  EXPECT_EQ(hub.list().size(), 1u);
  hub.stop_publish(*c);
  EXPECT_TRUE(hub.list().empty());
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s", "-s"}));
}

TEST(StreamHub, AHeldStreamGoesLiveOnlyWhenAnnounced) {
  StreamHub hub;
  Events ev(hub);
  auto t = hub.start_publish("s", false, [] {}, false);
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(ev.seen.empty());
  EXPECT_FALSE(hub.start_publish("s", false, [] {}).has_value());  // held all the same
  hub.announce(*t);
  hub.announce(*t);  // once only
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s"}));
  hub.stop_publish(*t);
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s", "-s"}));
}

TEST(StreamHub, AHeldStreamThatNeverWentLiveEndsWithoutAnUnpublish) {
  StreamHub hub;
  Events ev(hub);
  auto t = hub.start_publish("s", false, [] {}, false);
  ASSERT_TRUE(t.has_value());
  hub.stop_publish(*t);
  EXPECT_TRUE(ev.seen.empty());
  EXPECT_TRUE(hub.start_publish("s", false, [] {}).has_value());  // free again
}

TEST(StreamHub, ATakeoverKeepsALiveStreamLiveAndAStaleTicketCannotAnnounce) {
  StreamHub hub;
  Events ev(hub);
  auto a = hub.start_publish("s", true, [] {});
  auto b = hub.start_publish("s", true, [] {}, false);  // e.g. WHIP taking over from RTMP
  ASSERT_TRUE(a && b);
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s"}));
  hub.announce(*b);  // already live: nothing new
  hub.announce(*a);  // not the publisher any more
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s"}));
  hub.stop_publish(*b);
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s", "-s"}));
  auto c = hub.start_publish("s", false, [] {}, false);
  ASSERT_TRUE(c.has_value());
  hub.announce(*a);
  EXPECT_EQ(ev.seen.size(), 2u);
  hub.announce(*c);
  EXPECT_EQ(ev.seen.back(), "+s");
}

}  // namespace
}  // namespace onair::media
