// media_load: the load client of the media fan-out benchmark (bench/media_fanout.sh runs it).
// One thread, epoll, N players of one stream over HTTP-FLV or RTMP (plain handshake, connect,
// createStream, play), reading as fast as the server sends. After a warm-up it measures, over
// a steady window, the bytes each player received, the server's CPU seconds (--server-pid) and
// reports CPU per delivered Gbit/s and how many players kept up (received >= 90% of the
// stream's rate, --kbps).
//
// --mode floor: instead, act as the kernel-floor server: accept N connections on --port and
// write the bytes of --file to all of them at --kbps, --merge-ms at a time, no protocol.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "proc_stat.hpp"

namespace {

using Clock = std::chrono::steady_clock;

using onair::bench::cpu_seconds;

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  return fd;
}

void put_amf_string(std::string& o, const std::string& s) {
  o += char(0x02);
  o += char(s.size() >> 8);
  o += char(s.size() & 0xff);
  o += s;
}
void put_amf_number(std::string& o, double d) {
  o += char(0x00);
  uint64_t b;
  std::memcpy(&b, &d, 8);
  for (int s = 56; s >= 0; s -= 8) o += char((b >> s) & 0xff);
}
void put_key(std::string& o, const std::string& k) {
  o += char(k.size() >> 8);
  o += char(k.size() & 0xff);
  o += k;
}
// One AMF0 command on chunk stream 3, in one chunk (bodies < 128 bytes).
std::string rtmp_command(const std::string& body, uint32_t stream_id) {
  std::string m;
  m += char(0x03);
  m += std::string("\x00\x00\x00", 3);
  m += char(body.size() >> 16), m += char(body.size() >> 8), m += char(body.size());
  m += char(20);
  for (int i = 0; i < 4; ++i) m += char((stream_id >> (8 * i)) & 0xff);
  // Split at 128 bytes with type-3 headers.
  for (size_t off = 0; off < body.size(); off += 128) {
    if (off > 0) m += char(0xC3);
    m += body.substr(off, 128);
  }
  return m;
}

std::string rtmp_hello(const std::string& app, const std::string& stream) {
  std::string out;
  out += char(3);
  out += std::string(1536, '\0');  // C1: plain
  std::string connect;
  put_amf_string(connect, "connect");
  put_amf_number(connect, 1);
  connect += char(0x03);
  put_key(connect, "app");
  put_amf_string(connect, app);
  put_key(connect, "tcUrl");
  put_amf_string(connect, "rtmp://127.0.0.1/" + app);
  connect += std::string("\x00\x00\x09", 3);
  std::string create;
  put_amf_string(create, "createStream");
  put_amf_number(create, 2);
  create += char(0x05);
  std::string play;
  put_amf_string(play, "play");
  put_amf_number(play, 0);
  play += char(0x05);
  put_amf_string(play, stream);
  put_amf_number(play, -2);
  // After S0+S1 arrive: C2 (servers here do not check it) and the commands.
  return out + std::string(1536, '\0') + rtmp_command(connect, 0) + rtmp_command(create, 0) + rtmp_command(play, 1);
}

int run_floor(int port, int players, const std::string& file, int kbps, int merge_ms, int seconds) {
  std::ifstream f(file, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(f)), {});
  if (data.empty()) return 2;
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(lfd, 4096);
  std::vector<int> fds;
  while (int(fds.size()) < players) {
    int fd = ::accept(lfd, nullptr, nullptr);
    if (fd >= 0) fds.push_back(fd);
  }
  size_t per_tick = size_t(kbps) * 1000 / 8 * size_t(merge_ms) / 1000;
  size_t pos = 0;
  auto next = Clock::now();
  auto end = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    next += std::chrono::milliseconds(merge_ms);
    std::string_view chunk(data.data() + pos, std::min(per_tick, data.size() - pos));
    pos = (pos + chunk.size()) % data.size();
    for (int fd : fds) {
      // The same bytes to everyone; a blocked socket skips (as a server would drop).
      (void)::send(fd, chunk.data(), chunk.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    std::this_thread::sleep_until(next);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string protocol = "flv", path, stream = "bench", mode = "load", file;
  int port = 8080, players = 100, seconds = 20, warmup = 5, server_pid = 0, kbps = 2150, merge_ms = 33;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--protocol") protocol = v;
    else if (k == "--port") port = std::stoi(v);
    else if (k == "--path") path = v;
    else if (k == "--stream") stream = v;
    else if (k == "--players") players = std::stoi(v);
    else if (k == "--seconds") seconds = std::stoi(v);
    else if (k == "--warmup") warmup = std::stoi(v);
    else if (k == "--server-pid") server_pid = std::stoi(v);
    else if (k == "--mode") mode = v;
    else if (k == "--file") file = v;
    else if (k == "--kbps") kbps = std::stoi(v);
    else if (k == "--merge-ms") merge_ms = std::stoi(v);
  }
  if (mode == "floor") return run_floor(port, players, file, kbps, merge_ms, seconds + warmup);

  int ep = ::epoll_create1(0);
  std::vector<int> fds;
  std::vector<uint64_t> bytes(size_t(players), 0);
  std::vector<bool> greeted(size_t(players), protocol != "rtmp");
  std::string hello = protocol == "rtmp" ? rtmp_hello("live", stream) : "";
  for (int i = 0; i < players; ++i) {
    int fd = connect_to(port);
    if (fd < 0) {
      std::fprintf(stderr, "connect failed at player %d\n", i);
      return 1;
    }
    if (protocol == "rtmp") {
      ::send(fd, hello.data(), 1537, MSG_NOSIGNAL);
    } else if (protocol == "raw") {
      // floor: nothing to ask
    } else {
      std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    }
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = uint32_t(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    fds.push_back(fd);
  }
  std::vector<epoll_event> events(4096);
  static char buf[1 << 16];
  auto start = Clock::now();
  auto measure_from = start + std::chrono::seconds(warmup);
  auto end = measure_from + std::chrono::seconds(seconds);
  bool measuring = false;
  double cpu0 = 0;
  std::vector<uint64_t> at_start;
  while (Clock::now() < end) {
    int n = ::epoll_wait(ep, events.data(), int(events.size()), 50);
    for (int i = 0; i < n; ++i) {
      uint32_t p = events[i].data.u32;
      ssize_t r = ::recv(fds[p], buf, sizeof buf, 0);
      if (r <= 0) continue;
      bytes[p] += uint64_t(r);
      if (!greeted[p] && bytes[p] >= 1 + 1536) {
        // S0+S1 arrived: send C2 and the commands.
        ::send(fds[p], hello.data() + 1537, hello.size() - 1537, MSG_NOSIGNAL);
        greeted[p] = true;
      }
    }
    if (!measuring && Clock::now() >= measure_from) {
      measuring = true;
      at_start = bytes;
      cpu0 = server_pid ? cpu_seconds(server_pid) : 0;
    }
  }
  double cpu = server_pid ? cpu_seconds(server_pid) - cpu0 : 0;
  std::vector<double> rates;
  double total = 0;
  for (int i = 0; i < players; ++i) {
    double b = double(bytes[size_t(i)] - at_start[size_t(i)]);
    rates.push_back(b * 8 / seconds / 1e6);
    total += b;
  }
  std::sort(rates.begin(), rates.end());
  double median = rates[rates.size() / 2];
  int kept_up = int(std::count_if(rates.begin(), rates.end(), [&](double r) { return r >= 0.9 * kbps / 1000.0; }));
  double gbits = total * 8 / 1e9;
  std::printf("protocol=%s players=%d window_s=%d delivered_mbps=%.1f median_player_mbps=%.3f min_player_mbps=%.3f "
              "kept_up=%d",
              protocol.c_str(), players, seconds, total * 8 / seconds / 1e6, median, rates.front(), kept_up);
  if (server_pid)
    std::printf(" server_cpu_s=%.2f server_core_util=%.2f cores_per_gbps=%.3f", cpu, cpu / seconds,
                gbits > 0 ? (cpu / seconds) / (gbits / seconds) : 0);
  std::printf("\n");
  return 0;
}
