#include "media_clients.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace onair::testing {

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  ::pclose(p);
  return out;
}

// A 2 Mbit/s H.264 + AAC FLV of 20 s (TESTING.md), made once per test run.
const std::string& test_media() {
  static std::string path = [] {
    std::string p = ::testing::TempDir() + "onair-test-media-" + std::to_string(::getpid()) + ".flv";
    std::string cmd = "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 "
                      "-f lavfi -i sine=frequency=440:sample_rate=44100 -t 20 -c:v libx264 -preset veryfast "
                      "-b:v 2000k -maxrate 2000k -bufsize 4000k -g 60 -pix_fmt yuv420p -c:a aac -b:a 128k -f flv " + p;
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("ffmpeg could not make test media");
    return p;
  }();
  return path;
}

const std::string& test_media_no_bframes() {
  static std::string path = [] {
    std::string p = ::testing::TempDir() + "onair-test-media-nobf-" + std::to_string(::getpid()) + ".flv";
    std::string cmd = "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30 "
                      "-f lavfi -i sine=frequency=440:sample_rate=44100 -t 20 -c:v libx264 -preset veryfast "
                      "-profile:v high -bf 0 -b:v 1000k -g 30 -pix_fmt yuv420p -c:a aac -b:a 128k -f flv " + p;
    if (std::system(cmd.c_str()) != 0) throw std::runtime_error("ffmpeg could not make test media");
    return p;
  }();
  return path;
}

int connect_to(uint16_t port, int rcvbuf) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

size_t rss_bytes(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return size_t(std::stoull(line.substr(6))) * 1024;
  return 0;
}

LiveRoom open_live_room(Server& s, const std::string& user) {
  LiveRoom r;
  r.anchor_token = s.token(user);
  auto created = s.post("/v1/rooms", R"({"kind":"live","title":"media"})", r.anchor_token).json().as_object();
  r.id = std::string(created["id"].as_string());
  EXPECT_EQ(s.post("/v1/rooms/" + r.id + "/join", "", r.anchor_token).status, 200);
  auto seat = created["seats"].as_array()[0].as_object();
  r.stream = std::string(seat["stream"].as_string());
  r.publish_rtmp = std::string(seat["publish"].as_object()["rtmp"].as_string());
  std::string flv(seat["play"].as_object()["flv"].as_string());
  r.play_flv_path = flv.substr(flv.find("/live/"));
  return r;
}

}  // namespace onair::testing
