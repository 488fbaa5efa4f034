// StreamHub: one publisher per stream, takeover, when a stream is said to be live, GOP
// replay for a new sink, and the taps the hub attaches to every publish.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

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

Result<StreamHub::Ticket> publish(StreamHub& hub, bool takeover, std::function<void()> kick, bool announce = true,
                                  boost::asio::io_context* loop = nullptr) {
  PublishRequest r;
  r.loop = loop;
  r.takeover = takeover;
  r.kick = std::move(kick);
  r.announce = announce;
  return hub.start_publish("s", std::move(r));
}

TEST(StreamHub, ASecondPublisherIsRefusedUnlessTakeoverWhichKicksTheFirst) {
  StreamHub hub;
  Events ev(hub);
  int kicked = 0;
  auto a = publish(hub, false, [&] { ++kicked; });
  ASSERT_TRUE(a.has_value());
  auto b = publish(hub, false, [] {});
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code(), ErrorCode::conflict);
  auto c = publish(hub, true, [] {});
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
  auto t = publish(hub, false, [] {}, false);
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(ev.seen.empty());
  EXPECT_FALSE(publish(hub, false, [] {}).has_value());  // held all the same
  hub.announce(*t);
  hub.announce(*t);  // once only
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s"}));
  hub.stop_publish(*t);
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s", "-s"}));
}

TEST(StreamHub, AHeldStreamThatNeverWentLiveEndsWithoutAnUnpublish) {
  StreamHub hub;
  Events ev(hub);
  auto t = publish(hub, false, [] {}, false);
  ASSERT_TRUE(t.has_value());
  hub.stop_publish(*t);
  EXPECT_TRUE(ev.seen.empty());
  EXPECT_TRUE(publish(hub, false, [] {}).has_value());  // free again
}

TEST(StreamHub, ATakeoverKeepsALiveStreamLiveAndAStaleTicketCannotAnnounce) {
  StreamHub hub;
  Events ev(hub);
  auto a = publish(hub, true, [] {});
  auto b = publish(hub, true, [] {}, false);  // e.g. WHIP taking over from RTMP
  ASSERT_TRUE(a && b);
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s"}));
  hub.announce(*b);  // already live: nothing new
  hub.announce(*a);  // not the publisher any more
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s"}));
  hub.stop_publish(*b);
  EXPECT_EQ(ev.seen, (std::vector<std::string>{"+s", "-s"}));
  auto c = publish(hub, false, [] {}, false);
  ASSERT_TRUE(c.has_value());
  hub.announce(*a);
  EXPECT_EQ(ev.seen.size(), 2u);
  hub.announce(*c);
  EXPECT_EQ(ev.seen.back(), "+s");
}

// A sink that records what it got: "f<seq>" frames, "end" for on_unpublish.
struct Recorder : Sink {
  std::vector<std::string> got;
  bool player = true;
  void on_frame(const FramePtr& f) override { got.push_back("f" + std::to_string(f->seq)); }
  void on_unpublish() override { got.push_back("end"); }
  bool is_player() const override { return player; }
};

std::shared_ptr<Frame> video(bool key) { return make_frame(FrameKind::video, 0, key, false, std::string(10, 'v')); }

TEST(StreamHub, ANewSinkGetsTheGopOnceThenEachLaterFrameOnce) {
  boost::asio::io_context loop;
  StreamHub hub;
  auto t = publish(hub, false, [] {}, true, &loop);
  ASSERT_TRUE(t.has_value());
  t->stream->publish_frame(make_frame(FrameKind::video, 0, true, true, "seq"));  // seq 1: sequence header
  t->stream->publish_frame(video(false));  // 2: before any keyframe, not kept
  t->stream->publish_frame(video(true));   // 3
  t->stream->publish_frame(video(false));  // 4
  Recorder r;
  EXPECT_EQ(t->stream->attach(&r, loop), 3u);
  EXPECT_EQ(r.got, (std::vector<std::string>{"f1", "f3", "f4"}));  // at once, before attach returns
  t->stream->publish_frame(video(false));  // 5: through the relay
  loop.run();
  EXPECT_EQ(r.got, (std::vector<std::string>{"f1", "f3", "f4", "f5"}));
  EXPECT_EQ(t->stream->info().players, 1u);
  t->stream->detach(&r, loop);
}

TEST(StreamHub, AStreamIsWantedWhileItHasAPlayerOrHlsWasAskedForNotForATap) {
  boost::asio::io_context loop;
  StreamHub hub;
  auto t = publish(hub, false, [] {}, true, &loop);
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(t->stream->wanted());
  Recorder tap;
  tap.player = false;  // the HLS segmenter, always attached, wants nothing by itself
  t->stream->attach(&tap, loop);
  EXPECT_FALSE(t->stream->wanted());
  Recorder player;
  t->stream->attach(&player, loop);
  EXPECT_TRUE(t->stream->wanted());
  t->stream->detach(&player, loop);
  EXPECT_FALSE(t->stream->wanted());
  t->stream->want_hls();  // for Stream::kHlsDemandMs from now
  EXPECT_TRUE(t->stream->wanted());
  t->stream->detach(&tap, loop);
}

TEST(StreamHub, AStreamSaysItsCodecsFromItsFramesTags) {
  StreamHub hub;
  auto t = publish(hub, false, [] {}, true, nullptr);
  ASSERT_TRUE(t.has_value());
  t->stream->publish_frame(make_frame(FrameKind::script, 0, false, false, "meta"));
  EXPECT_EQ(t->stream->info().video_codec, "");
  t->stream->publish_frame(make_frame(FrameKind::video, 0, true, true, "avcC", Codec::h264));
  t->stream->publish_frame(make_frame(FrameKind::audio, 0, false, false, "aac", Codec::aac));
  EXPECT_EQ(t->stream->info().video_codec, "h264");
  EXPECT_EQ(t->stream->info().audio_codec, "aac");
  // A new sequence header in another codec (the publisher switched): the stream says so.
  t->stream->publish_frame(make_frame(FrameKind::video, 40, true, true, "hvcC", Codec::hevc));
  t->stream->publish_frame(make_frame(FrameKind::video, 80, false, false, "untagged"));
  EXPECT_EQ(t->stream->info().video_codec, "hevc");
}

TEST(StreamHub, DeclaredTracksStandWhenAudioComesFirst) {
  StreamHub hub;
  auto t = publish(hub, false, [] {}, true, nullptr);
  ASSERT_TRUE(t.has_value());
  t->stream->declare_tracks(true, true);  // a WebRTC publisher's negotiated audio and video
  t->stream->publish_frame(make_frame(FrameKind::audio, 0, false, true, "asc", Codec::aac));
  t->stream->publish_frame(make_frame(FrameKind::audio, 0, false, false, "aac", Codec::aac));
  Tracks tr = t->stream->tracks();
  EXPECT_TRUE(tr.known && tr.audio && tr.video);
}

TEST(StreamHub, AClearedGopLeavesANewSinkTheSequenceHeadersOnly) {
  boost::asio::io_context loop;
  StreamHub hub;
  auto t = publish(hub, false, [] {}, true, &loop);
  ASSERT_TRUE(t.has_value());
  t->stream->publish_frame(make_frame(FrameKind::video, 0, true, true, "seq"));  // 1
  t->stream->publish_frame(video(true));                                        // 2
  t->stream->publish_frame(video(false));                                       // 3
  t->stream->clear_gop();
  Recorder r;
  EXPECT_EQ(t->stream->attach(&r, loop), 1u);
  EXPECT_EQ(r.got, (std::vector<std::string>{"f1"}));
  t->stream->publish_frame(video(false));  // 4: not a keyframe, still not cached
  t->stream->publish_frame(video(true));   // 5: the cache starts again here
  Recorder late;
  EXPECT_EQ(t->stream->attach(&late, loop), 2u);
  EXPECT_EQ(late.got, (std::vector<std::string>{"f1", "f5"}));
  loop.run();
  t->stream->detach(&r, loop);
  t->stream->detach(&late, loop);
}

TEST(StreamHub, AFrameQueuedForTheLoopBeforeASinkAttachedIsNotGivenTwice) {
  boost::asio::io_context loop;
  StreamHub hub;
  auto t = publish(hub, false, [] {}, true, &loop);
  Recorder first, late;
  t->stream->attach(&first, loop);  // makes the relay post frames to `loop`
  t->stream->publish_frame(video(true));  // 1: posted, not yet run, and in the GOP
  t->stream->attach(&late, loop);         // replays frame 1
  loop.run();                             // the posted frame 1 must skip `late`
  EXPECT_EQ(first.got, (std::vector<std::string>{"f1"}));
  EXPECT_EQ(late.got, (std::vector<std::string>{"f1"}));
}

// A tap that opens Recorders and notes what happens, as HLS does.
struct RecordingTap : Tap {
  std::vector<std::string> log;
  Recorder* last = nullptr;
  std::unique_ptr<Sink> open(const std::shared_ptr<Stream>& s, boost::asio::io_context&) override {
    log.push_back("open " + s->name());
    auto r = std::make_unique<Recorder>();
    r->player = false;
    last = r.get();
    return r;
  }
  void close(std::unique_ptr<Sink> sink, const std::shared_ptr<Stream>& s, boost::asio::io_context&) override {
    auto& r = static_cast<Recorder&>(*sink);
    std::string got;
    for (const auto& g : r.got) got += " " + g;
    log.push_back("close " + s->name() + ":" + got);
  }
};

TEST(StreamHub, TheHubOpensATapForEveryPublishWhenLiveAndClosesItAfterTheEnd) {
  boost::asio::io_context loop;
  StreamHub hub;
  RecordingTap tap;
  hub.add_tap(tap);
  auto t = publish(hub, false, [] {}, false, &loop);  // held, not live: no tap yet
  EXPECT_TRUE(tap.log.empty());
  hub.announce(*t);
  hub.announce(*t);
  EXPECT_EQ(tap.log, (std::vector<std::string>{"open s"}));
  EXPECT_EQ(t->stream->info().players, 0u);  // a tap is not a player
  t->stream->publish_frame(video(true));
  hub.stop_publish(*t);
  loop.run();
  EXPECT_EQ(tap.log, (std::vector<std::string>{"open s", "close s: f1 end"}));
}

TEST(StreamHub, ATakeoverClosesTheOldPublishsTapsAndOpensNewOnes) {
  boost::asio::io_context a_loop, b_loop;
  StreamHub hub;
  RecordingTap tap;
  hub.add_tap(tap);
  auto a = publish(hub, true, [] {}, true, &a_loop);
  a->stream->publish_frame(video(true));
  auto b = publish(hub, true, [] {}, true, &b_loop);
  b->stream->publish_frame(video(true));
  a_loop.run();
  b_loop.run();
  ASSERT_EQ(tap.log.size(), 3u);
  EXPECT_EQ(tap.log[0], "open s");
  EXPECT_EQ(tap.log[1], "open s");
  EXPECT_EQ(tap.log[2], "close s: f1 end");  // the old publish's tap saw its own frame only
  hub.stop_publish(*a);                      // stale: nothing
  b_loop.restart();
  b_loop.run();
  EXPECT_EQ(tap.log.size(), 3u);
  hub.stop_publish(*b);
  b_loop.restart();
  b_loop.run();
  EXPECT_EQ(tap.log.back(), "close s: f2 end");
}

TEST(StreamHub, APublishWithoutALoopOpensNoTaps) {
  StreamHub hub;
  RecordingTap tap;
  hub.add_tap(tap);
  auto t = publish(hub, false, [] {});
  hub.stop_publish(*t);
  EXPECT_TRUE(tap.log.empty());
}

}  // namespace
}  // namespace onair::media
