#pragma once
// Media clients for the integration tests: ffmpeg publishing a generated test pattern, raw
// HTTP-FLV and RTMP readers and writers over plain sockets, and a live room to publish into.
#include <unistd.h>

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <span>
#include <thread>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness.hpp"
#include "media/flv/flv.hpp"
#include "media/rtmp/amf0.hpp"
#include "media/rtmp/chunk.hpp"

namespace onair::testing {
using Clock = std::chrono::steady_clock;

// Runs a shell command; what it printed on stdout.
std::string run(const std::string& cmd);
// A 2 Mbit/s H.264 + AAC FLV of 20 s (TESTING.md), made once per test run.
const std::string& test_media();
// The same at 640x360 without B-frames (what WebRTC viewers can play), High profile.
const std::string& test_media_no_bframes();
// A TCP connection to 127.0.0.1:`port` (-1 on failure); `rcvbuf` > 0 sets SO_RCVBUF first.
int connect_to(uint16_t port, int rcvbuf = 0);
// Resident memory of process `pid` in bytes (VmRSS), 0 if unknown.
size_t rss_bytes(int pid);

// ffmpeg publishing in the background; stops when destroyed.
class Publisher {
 public:
  // `media`: an FLV to send instead of test_media().
  explicit Publisher(const std::string& url, bool loop = true, const std::string& media = "") {
    std::string input = media.empty() ? test_media() : media;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      if (loop)
        ::execlp("ffmpeg", "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1",
                 "-i", input.c_str(), "-c", "copy", "-f", "flv", url.c_str(), nullptr);
      else
        ::execlp("ffmpeg", "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-i", input.c_str(),
                 "-t", "3", "-c", "copy", "-f", "flv", url.c_str(), nullptr);
      ::_exit(127);
    }
  }
  ~Publisher() { stop(); }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT);
    int status;
    for (int i = 0; i < 100 && ::waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    pid_ = 0;
  }
  // Waits for ffmpeg to exit; its exit status (or -1 on timeout).
  int wait_exit(int ms) {
    int status = 0;
    auto end = Clock::now() + std::chrono::milliseconds(ms);
    while (Clock::now() < end) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = 0;
};

// Reads an HTTP-FLV response tag by tag.
class FlvReader {
 public:
  FlvReader(uint16_t port, const std::string& path) : fd_(connect_to(port)) {
    std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL);
  }
  ~FlvReader() { ::close(fd_); }
  // The next tag within `ms`, or false.
  bool next(flv::Tag& tag, std::string& body, int ms = 5000) {
    auto end = Clock::now() + std::chrono::milliseconds(ms);
    while (true) {
      if (!headers_done_) {
        auto pos = buf_.find("\r\n\r\n");
        if (pos != std::string::npos) {
          status_ = buf_.substr(0, buf_.find("\r\n"));
          buf_.erase(0, pos + 4);
          headers_done_ = true;
        }
      }
      if (headers_done_ && !flv_header_done_ && buf_.size() >= 13) {
        buf_.erase(0, 13);
        flv_header_done_ = true;
      }
      if (flv_header_done_) {
        auto used = flv::read_tag(std::span(reinterpret_cast<const uint8_t*>(buf_.data()), buf_.size()), tag);
        if (!used) return false;
        if (*used > 0) {
          body.assign(reinterpret_cast<const char*>(tag.body.data()), tag.body.size());
          buf_.erase(0, *used);
          return true;
        }
      }
      int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count());
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, left) <= 0) return false;
      char chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buf_.append(chunk, size_t(n));
    }
  }
  const std::string& status() const { return status_; }

 private:
  int fd_;
  std::string buf_, status_;
  bool headers_done_ = false, flv_header_done_ = false;
};

struct LiveRoom {
  std::string id, anchor_token, publish_rtmp, play_flv_path, stream;
};

LiveRoom open_live_room(Server& s, const std::string& user);

class RawPublisher {
 public:
  RawPublisher(uint16_t port, const std::string& stream_and_query, bool play = false) : fd_(connect_to(port)) {
    std::string c0c1(1537, '\0');
    c0c1[0] = 3;
    ::send(fd_, c0c1.data(), c0c1.size(), MSG_NOSIGNAL);
    std::string got = read_at_least(3073);
    std::string c2 = got.substr(1, 1536);
    pending_ = got.substr(std::min<size_t>(got.size(), 3073));
    ::send(fd_, c2.data(), c2.size(), MSG_NOSIGNAL);
    using amf0::Value;
    command({Value::str("connect"), Value::num(1),
             Value::object_of({{"app", Value::str("live")}, {"tcUrl", Value::str("rtmp://127.0.0.1/live")}})});
    command({Value::str("createStream"), Value::num(2), Value::null_value()});
    // Wait for createStream's _result before publishing on stream 1 (a player parses all of
    // it later: Set Chunk Size is among it).
    pending_ += read_at_least(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (play) {
      command({Value::str("play"), Value::num(3), Value::null_value(), Value::str(stream_and_query)}, 1);
      return;
    }
    command({Value::str("publish"), Value::num(3), Value::null_value(), Value::str(stream_and_query), Value::str("live")}, 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // As a player: the payloads of the next `n` video messages (within 5 s).
  std::vector<std::string> videos(size_t n) {
    std::vector<std::string> out;
    std::string in = std::move(pending_);
    pending_.clear();
    char buf[65536];
    auto end = Clock::now() + std::chrono::seconds(5);
    while (out.size() < n && Clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        ssize_t k = ::recv(fd_, buf, sizeof buf, 0);
        if (k <= 0) break;
        in.append(buf, size_t(k));
      }
      while (out.size() < n) {
        std::optional<rtmp::Message> m;
        auto used = reader_.parse(std::span(reinterpret_cast<const uint8_t*>(in.data()), in.size()), m);
        if (!used) ADD_FAILURE() << used.error().message();
        if (!used || *used == 0) break;
        in.erase(0, *used);
        if (!m) continue;
        if (m->type == 1 && m->payload.size() >= 4)
          (void)reader_.set_chunk_size((uint32_t(uint8_t(m->payload[0])) << 24) | (uint8_t(m->payload[1]) << 16) |
                                       (uint8_t(m->payload[2]) << 8) | uint8_t(m->payload[3]));
        if (m->type == 9) out.push_back(m->payload);
      }
    }
    pending_ = std::move(in);
    return out;
  }
  ~RawPublisher() { ::close(fd_); }
  void video(uint32_t ts, const std::string& body) {
    std::string out;
    rtmp::write_message(out, 6, 9, 1, ts, body, 128);
    ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
  }

 private:
  void command(const std::vector<amf0::Value>& values, uint32_t stream_id = 0) {
    std::string body;
    for (const auto& v : values) amf0::encode(body, v);
    std::string out;
    rtmp::write_message(out, 3, 20, stream_id, 0, body, 128);
    ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
  }
  std::string read_at_least(size_t n) {
    std::string got;
    char buf[8192];
    auto end = Clock::now() + std::chrono::seconds(3);
    while (got.size() < n && Clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t k = ::recv(fd_, buf, sizeof buf, 0);
      if (k <= 0) break;
      got.append(buf, size_t(k));
    }
    return got;
  }
  int fd_;
  std::string pending_;  // bytes read before the player parses them
  rtmp::ChunkReader reader_;
};

}  // namespace onair::testing
