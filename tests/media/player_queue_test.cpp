#include "media/stream/player_queue.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace onair::media {
namespace {
namespace asio = boost::asio;
using asio::ip::tcp;

// A player whose client never reads: the queue must stay bounded, drop to keyframes and count it.
TEST(PlayerQueue, AClientThatStopsReadingIsDroppedToKeyframesAndBounded) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io), server(io);
  client.connect(acceptor.local_endpoint());
  acceptor.accept(server);
  // Small kernel buffers so the socket fills quickly.
  server.set_option(asio::socket_base::send_buffer_size(16 * 1024));
  client.set_option(asio::socket_base::receive_buffer_size(16 * 1024));

  const size_t soft = 256 * 1024, hard = 8 * 1024 * 1024;
  PlayerQueue q(io.get_executor(), soft, hard);
  asio::co_spawn(io, q.run(server), asio::detached);
  auto frame = [](bool key) { return make_frame(FrameKind::video, 0, key, false, std::string(32 * 1024, 'v')); };

  bool waiting_keyframe = false;
  size_t skipped = 0;
  for (int i = 0; i < 400; ++i) {
    bool key = i % 50 == 0;
    auto f = frame(key);
    FramePtr fp = f;
    uint64_t drops_before = q.drops();
    size_t bytes_before = q.bytes();
    ASSERT_TRUE(q.push_frame(fp, fp->payload, "hdr", "")) << i;
    if (key) waiting_keyframe = false;
    if (waiting_keyframe) {
      // Between a drop and the next keyframe nothing new is queued.
      EXPECT_LE(q.bytes(), bytes_before) << i;
      ++skipped;
    }
    if (q.drops() > drops_before && !key) waiting_keyframe = true;
    io.run_for(std::chrono::milliseconds(1));
    EXPECT_LE(q.bytes(), soft + 64 * (32 * 1024 + 8) + 32 * 1024) << i;
  }
  EXPECT_GT(skipped, 0u);
  EXPECT_GT(q.drops(), 0u);
  // Control bytes are never dropped.
  q.push_control("must-arrive");
  EXPECT_GE(q.bytes(), 11u);
  q.close();
  io.run_for(std::chrono::milliseconds(10));
}

struct SocketPair {
  asio::io_context io;
  tcp::socket client{io}, server{io};
  SocketPair() {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
    server.set_option(asio::socket_base::send_buffer_size(16 * 1024));
    client.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
  }
  // Runs the loop until `done` or the deadline; whether `done` came.
  template <class F>
  bool run_until(F done, std::chrono::seconds deadline = std::chrono::seconds(30)) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      io.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }
};

// Small frames from a long audio-only stream to a reader that stopped: dropped entries are
// removed, not left in the queue, so the entry count is bounded as well as the bytes.
TEST(PlayerQueue, ANeverReadingPlayerHoldsABoundedNumberOfEntries) {
  SocketPair p;
  PlayerQueue q(p.io.get_executor(), 1 << 20, 4 << 20);
  asio::co_spawn(p.io, q.run(p.server), asio::detached);
  size_t most = 0;
  for (int i = 0; i < 40000; ++i) {
    auto f = make_frame(FrameKind::audio, uint32_t(i), false, false, std::string(20, 'a'));
    FramePtr fp = f;
    ASSERT_TRUE(q.push_frame(fp, fp->payload, "hdr", "tail")) << i;
    if (i % 128 == 0) {
      q.push_control("ctl");  // control items survive drops
      p.io.poll();
    }
    most = std::max(most, q.entries());
  }
  EXPECT_LE(most, PlayerQueue::kMaxQueued + 64 + 40000 / 128);
  EXPECT_GT(q.drops(), 0u);
  EXPECT_LE(q.bytes(), size_t(1 << 20) + 64 * 1024);
  q.close();
  p.io.run_for(std::chrono::milliseconds(10));
}

// An audio-only stream has no keyframes: a player that fell behind resumes at the next audio
// frame instead of waiting forever for video.
TEST(PlayerQueue, APlayerOfAnAudioOnlyStreamResumesAfterADrop) {
  SocketPair p;
  PlayerQueue q(p.io.get_executor(), 64 * 1024, 4 << 20);
  asio::co_spawn(p.io, q.run(p.server), asio::detached);
  int i = 0;
  while (q.drops() == 0 && i < 100000) {
    auto f = make_frame(FrameKind::audio, uint32_t(i++), false, false, std::string(400, 'a'));
    FramePtr fp = f;
    ASSERT_TRUE(q.push_frame(fp, fp->payload, "h", ""));
    if (i % 16 == 0) p.io.poll();
  }
  ASSERT_GT(q.drops(), 0u);
  size_t entries = q.entries();
  auto f = make_frame(FrameKind::audio, uint32_t(i), false, false, std::string(400, 'a'));
  FramePtr fp = f;
  ASSERT_TRUE(q.push_frame(fp, fp->payload, "h", ""));
  EXPECT_EQ(q.entries(), entries + 1) << "the next audio frame after a drop was skipped";
  q.close();
  p.io.run_for(std::chrono::milliseconds(10));
}

// A reader that takes nothing while a write waits is closed after the stall time, with a reason.
TEST(PlayerQueue, AStalledPlayerIsClosedAfterTheStallTime) {
  SocketPair p;
  PlayerQueue q(p.io.get_executor(), 1 << 20, 4 << 20, 0, 1000);
  bool finished = false;
  asio::co_spawn(p.io, [&]() -> asio::awaitable<void> {
    co_await q.run(p.server);
    finished = true;
  }, asio::detached);
  auto frame = make_frame(FrameKind::video, 0, true, false, std::string(256 * 1024, 'v'));
  FramePtr fp = frame;
  ASSERT_TRUE(q.push_frame(fp, fp->payload, "", ""));
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(p.run_until([&] { return finished; })) << "a stalled player was never closed";
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1000));
  EXPECT_TRUE(q.closed());
  EXPECT_NE(q.close_reason().find("stalled"), std::string::npos) << q.close_reason();
  // Its socket is closed: the client sees the end after what had been sent.
  char buf[64 * 1024];
  boost::system::error_code ec;
  while (!ec) p.client.read_some(asio::buffer(buf), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

// A slow reader takes bytes all along: it is never counted as stalled.
TEST(PlayerQueue, ASlowReaderThatTakesBytesIsNotStalled) {
  SocketPair p;
  PlayerQueue q(p.io.get_executor(), 8 << 20, 16 << 20, 0, 3000);
  asio::co_spawn(p.io, q.run(p.server), asio::detached);
  const size_t total = 2 * 1024 * 1024;
  auto frame = make_frame(FrameKind::video, 0, true, false, std::string(total, 'v'));
  FramePtr fp = frame;
  ASSERT_TRUE(q.push_frame(fp, fp->payload, "", ""));
  size_t got = 0;
  char buf[8 * 1024];
  auto slow_read = [&] {
    boost::system::error_code ec;
    size_t avail = p.client.available(ec);
    if (avail > 0) got += p.client.read_some(asio::buffer(buf, std::min(avail, sizeof buf)), ec);
    return got >= total || q.closed();
  };
  // 8 KB per 5 ms slice at most: about 1.6 MB/s, so the write takes over a second.
  ASSERT_TRUE(p.run_until(slow_read, std::chrono::seconds(60)));
  EXPECT_FALSE(q.closed()) << q.close_reason();
  EXPECT_EQ(got, total);
  q.close();
  p.io.run_for(std::chrono::milliseconds(10));
}

// Control messages are never dropped; a peer that makes the server answer (pings) and reads
// nothing is closed once the answers pass the hard limit.
TEST(PlayerQueue, UnreadControlMessagesPastTheHardLimitClose) {
  SocketPair p;
  PlayerQueue q(p.io.get_executor(), 64 * 1024, 256 * 1024);
  asio::co_spawn(p.io, q.run(p.server), asio::detached);
  int pushed = 0;
  while (!q.closed() && pushed < 100000) {
    q.push_control(std::string(100, 'c'));
    if (++pushed % 100 == 0) p.io.poll();
  }
  EXPECT_TRUE(q.closed());
  EXPECT_LE(q.bytes(), 256u * 1024 + 100 + 64 * 1024) << pushed;
  EXPECT_NE(q.close_reason().find("too slow"), std::string::npos);
}

TEST(PlayerQueue, DeliversEverythingToAReadingClientInOrder) {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(io), server(io);
  client.connect(acceptor.local_endpoint());
  acceptor.accept(server);
  PlayerQueue q(io.get_executor(), 1 << 20, 4 << 20);
  asio::co_spawn(io, q.run(server), asio::detached);
  std::string expected;
  for (int i = 0; i < 100; ++i) {
    auto f = make_frame(FrameKind::audio, uint32_t(i), false, false, "payload" + std::to_string(i));
    FramePtr fp = f;
    ASSERT_TRUE(q.push_frame(fp, fp->payload, "<" + std::to_string(i), ">"));
    expected += "<" + std::to_string(i) + "payload" + std::to_string(i) + ">";
  }
  std::string got;
  char buf[4096];
  while (got.size() < expected.size()) {
    io.run_for(std::chrono::milliseconds(5));
    boost::system::error_code ec;
    size_t avail = client.available(ec);
    if (avail > 0) got.append(buf, client.read_some(asio::buffer(buf, std::min(avail, sizeof buf))));
  }
  EXPECT_EQ(got, expected);
  EXPECT_EQ(q.drops(), 0u);
  EXPECT_EQ(q.bytes(), 0u);
  q.close();
  io.run_for(std::chrono::milliseconds(10));
}

}  // namespace
}  // namespace onair::media
