// rt_load: the load client of the realtime benchmark (bench/realtime_fanout.sh runs it).
// One thread, epoll. Creates --rooms live rooms through the API, opens --conns WebSocket
// connections to /v1/rt spread over them (URL tokens signed with --key/--secret), and has
// --senders of them send chat at --rate messages per second in total, each text carrying
// the send time. Every connection counts the messages it receives; --sample connections
// also parse the send times for delivery latency. After --warmup it measures --seconds and
// prints deliveries per second, the server's CPU (--server-pid) and deliveries per server
// core-second, p50/p99 latency, and the server's RSS per connection.
//
// --idle: connect and subscribe only, then report the server's memory per idle connection.
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
#include <ctime>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "auth/token.hpp"
#include "proc_stat.hpp"

namespace {

int64_t mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

long rss_kb(int pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

int dial(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(uint16_t(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// A blocking HTTP request; returns the body.
std::string http(int port, const std::string& method, const std::string& path, const std::string& token,
                 const std::string& body) {
  int fd = dial(port);
  if (fd < 0) return "";
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer " +
                    token + "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\n\r\n" + body;
  ::send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, size_t(n));
  ::close(fd);
  auto p = out.find("\r\n\r\n");
  return p == std::string::npos ? "" : out.substr(p + 4);
}

// A client frame, masked with a zero key (RFC 6455 5.3 allows any key).
std::string client_frame(uint8_t op, const std::string& payload) {
  std::string f;
  f += char(0x80 | op);
  if (payload.size() < 126) {
    f += char(0x80 | payload.size());
  } else {
    f += char(0x80 | 126);
    f += char(payload.size() >> 8);
    f += char(payload.size() & 0xff);
  }
  f += std::string(4, '\0');
  f += payload;
  return f;
}

struct Conn {
  int fd = -1;
  std::string in;       // bytes not yet parsed
  bool upgraded = false;
  bool sample = false;  // parses send times
  uint64_t messages = 0;
  std::string room;
};

}  // namespace

int main(int argc, char** argv) {
  int port = 8080, rooms = 1, conns = 100, senders = 1, rate = 100, seconds = 15, warmup = 5, server_pid = 0,
      sample = 50, text_len = 40;
  bool idle = false;
  std::string key = "bench", secret;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--idle") {
      idle = true;
      continue;
    }
    if (i + 1 >= argc) break;
    std::string v = argv[++i];
    if (k == "--port") port = std::stoi(v);
    else if (k == "--rooms") rooms = std::stoi(v);
    else if (k == "--conns") conns = std::stoi(v);
    else if (k == "--senders") senders = std::stoi(v);
    else if (k == "--rate") rate = std::stoi(v);
    else if (k == "--seconds") seconds = std::stoi(v);
    else if (k == "--warmup") warmup = std::stoi(v);
    else if (k == "--server-pid") server_pid = std::stoi(v);
    else if (k == "--sample") sample = std::stoi(v);
    else if (k == "--text") text_len = std::stoi(v);
    else if (k == "--key") key = v;
    else if (k == "--secret") secret = v;
  }
  onair::auth::TokenKeys keys(std::map<std::string, std::string>{{key, secret}});
  auto token = [&](const std::string& user) {
    onair::auth::Claims c;
    c.sub = user;
    c.name = user;
    c.exp = std::time(nullptr) + 3600;
    return keys.sign(c, key);
  };

  // Rooms through the API.
  std::vector<std::string> room_ids;
  for (int r = 0; r < rooms; ++r) {
    std::string body = http(port, "POST", "/v1/rooms", token("owner" + std::to_string(r)), R"({"kind":"live"})");
    auto p = body.find("\"id\":\"");
    if (p == std::string::npos) {
      std::fprintf(stderr, "creating a room failed: %s\n", body.c_str());
      return 1;
    }
    room_ids.push_back(body.substr(p + 6, body.find('"', p + 6) - p - 6));
  }

  long rss_before = server_pid ? rss_kb(server_pid) : 0;
  int ep = ::epoll_create1(0);
  std::vector<Conn> cs(static_cast<size_t>(conns));
  for (int i = 0; i < conns; ++i) {
    Conn& c = cs[size_t(i)];
    c.fd = dial(port);
    if (c.fd < 0) {
      std::fprintf(stderr, "connect %d failed: %s\n", i, std::strerror(errno));
      return 1;
    }
    c.room = room_ids[size_t(i) % room_ids.size()];
    c.sample = i < sample;
    std::string req = "GET /v1/rt?token=" + token("u" + std::to_string(i)) +
                      " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    ::send(c.fd, req.data(), req.size(), 0);
    ::fcntl(c.fd, F_SETFL, O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = uint32_t(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }

  std::vector<epoll_event> events(4096);
  static char buf[1 << 16];
  std::vector<int64_t> latencies;
  latencies.reserve(1 << 20);
  size_t upgraded = 0;
  // Reads what is there on one connection; parses frames.
  auto on_readable = [&](Conn& c, bool measuring) {
    while (true) {
      ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
      if (r <= 0) return;
      c.in.append(buf, size_t(r));
      size_t pos = 0;
      if (!c.upgraded) {
        auto end = c.in.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        c.upgraded = true;
        ++upgraded;
        pos = end + 4;
        std::string sub = client_frame(1, R"({"type":"subscribe","room":")" + c.room + "\"}");
        ::send(c.fd, sub.data(), sub.size(), MSG_NOSIGNAL);
      }
      int64_t now = c.sample && measuring ? mono_ns() : 0;
      while (c.in.size() - pos >= 2) {
        uint8_t op = uint8_t(c.in[pos]) & 0x0f;
        uint64_t len = uint8_t(c.in[pos + 1]) & 0x7f;
        size_t h = 2;
        if (len == 126) {
          if (c.in.size() - pos < 4) break;
          len = (uint64_t(uint8_t(c.in[pos + 2])) << 8) | uint8_t(c.in[pos + 3]);
          h = 4;
        } else if (len == 127) {
          if (c.in.size() - pos < 10) break;
          len = 0;
          for (int k = 0; k < 8; ++k) len = (len << 8) | uint8_t(c.in[pos + 2 + size_t(k)]);
          h = 10;
        }
        if (c.in.size() - pos < h + len) break;
        std::string_view payload(c.in.data() + pos + h, size_t(len));
        if (op == 9) {
          std::string pong = client_frame(10, std::string(payload));
          ::send(c.fd, pong.data(), pong.size(), MSG_NOSIGNAL);
        } else if (op == 1 && payload.starts_with(R"({"type":"batch")")) {
          // Count messages: each starts with {"seq":
          for (size_t p = payload.find("{\"seq\":"); p != std::string_view::npos; p = payload.find("{\"seq\":", p + 7)) {
            ++c.messages;
            if (now) {
              auto t = payload.find("\"text\":\"t", p);
              if (t != std::string_view::npos) latencies.push_back(now - std::strtoll(payload.data() + t + 9, nullptr, 10));
            }
          }
        }
        pos += h + size_t(len);
      }
      c.in.erase(0, pos);
      if (size_t(r) < sizeof buf) return;
    }
  };

  auto start = std::chrono::steady_clock::now();
  // Wait for every connection to be up and subscribed.
  while (upgraded < cs.size() && std::chrono::steady_clock::now() - start < std::chrono::seconds(60)) {
    int n = ::epoll_wait(ep, events.data(), int(events.size()), 50);
    for (int i = 0; i < n; ++i) on_readable(cs[events[i].data.u32], false);
  }
  if (upgraded < cs.size()) {
    std::fprintf(stderr, "only %zu of %d connections upgraded\n", upgraded, conns);
    return 1;
  }
  if (idle) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < until) {
      int n = ::epoll_wait(ep, events.data(), int(events.size()), 50);
      for (int i = 0; i < n; ++i) on_readable(cs[events[i].data.u32], false);
    }
    long rss_after = rss_kb(server_pid);
    std::printf("idle conns=%d rooms=%d server_rss_before_kb=%ld server_rss_after_kb=%ld bytes_per_conn=%.0f\n", conns,
                rooms, rss_before, rss_after, double(rss_after - rss_before) * 1024.0 / conns);
    return 0;
  }

  // Send at `rate` in total from the first `senders` connections, every millisecond.
  std::string pad(size_t(std::max(0, text_len - 20)), 'x');
  auto begin = std::chrono::steady_clock::now();
  auto measure_from = begin + std::chrono::seconds(warmup);
  auto end = measure_from + std::chrono::seconds(seconds);
  uint64_t sent = 0, sent_at_start = 0;
  bool measuring = false;
  double cpu0 = 0, own_cpu0 = 0;
  uint64_t received_at_start = 0;
  auto total_received = [&] {
    uint64_t n = 0;
    for (const auto& c : cs) n += c.messages;
    return n;
  };
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (now >= end) break;
    if (!measuring && now >= measure_from) {
      measuring = true;
      latencies.clear();
      received_at_start = total_received();
      sent_at_start = sent;
      cpu0 = server_pid ? onair::bench::cpu_seconds(server_pid) : 0;
      own_cpu0 = onair::bench::cpu_seconds(int(::getpid()));
    }
    double elapsed = std::chrono::duration<double>(now - begin).count();
    uint64_t due = uint64_t(elapsed * rate);
    for (; sent < due; ++sent) {
      Conn& c = cs[sent % size_t(std::min(senders, conns))];
      std::string msg = R"({"type":"chat","room":")" + c.room + R"(","text":"t)" + std::to_string(mono_ns()) + pad + "\"}";
      std::string f = client_frame(1, msg);
      ::send(c.fd, f.data(), f.size(), MSG_NOSIGNAL);
    }
    int n = ::epoll_wait(ep, events.data(), int(events.size()), 1);
    for (int i = 0; i < n; ++i) on_readable(cs[events[i].data.u32], measuring);
  }
  double cpu = server_pid ? onair::bench::cpu_seconds(server_pid) - cpu0 : 0;
  double own_cpu = onair::bench::cpu_seconds(int(::getpid())) - own_cpu0;
  uint64_t received = total_received() - received_at_start;
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty() ? 0.0 : double(latencies[size_t(p * double(latencies.size() - 1))]) / 1e6;
  };
  double per_s = double(received) / seconds;
  std::printf("rooms=%d conns=%d rate_in=%.0f deliveries_per_s=%.0f expected_per_s=%.0f server_core_util=%.2f "
              "deliveries_per_core_s=%.0f p50_ms=%.2f p99_ms=%.2f server_rss_kb=%ld load_core_util=%.2f\n",
              rooms, conns, double(sent - sent_at_start) / seconds, per_s,
              double(sent - sent_at_start) / seconds * conns / rooms, cpu / seconds,
              cpu > 0 ? double(received) / cpu : 0, pct(0.5), pct(0.99), server_pid ? rss_kb(server_pid) : 0, own_cpu / seconds);
  return 0;
}
