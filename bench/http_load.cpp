// http_load: the load client of the rooms API benchmark (bench/rooms_api.sh runs it).
// One thread, epoll, N keep-alive connections, one request in flight per connection.
// Mints its own tokens with the server's API key, creates a room, joins every connection's
// user, then for `--seconds` sends member heartbeats (POST /v1/rooms/{id}/heartbeat) or
// room reads (GET /v1/rooms/{id}) and reports requests per second, latency percentiles and,
// given --server-pid, the server's CPU seconds and requests per server CPU second.
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
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "proc_stat.hpp"

#include "auth/token.hpp"
#include "core/ids.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  int port = 8080;
  std::string key, secret;
  int conns = 64;
  int seconds = 10;
  std::string mode = "heartbeat";  // heartbeat | room
  int server_pid = 0;
};

using onair::bench::cpu_seconds;

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    std::perror("connect");
    std::exit(1);
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// One blocking request on a fresh connection (setup only).
std::string request_once(int port, const std::string& req) {
  int fd = connect_to(port);
  ::send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[65536];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, size_t(n));
  }
  ::close(fd);
  return out;
}

std::string make_request(const std::string& method, const std::string& path, const std::string& token,
                         const std::string& body, bool keep_alive) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!keep_alive) r += "Connection: close\r\n";
  return r + "\r\n" + body;
}

struct Conn {
  int fd = -1;
  std::string request;
  std::string in;
  Clock::time_point sent;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") o.port = std::stoi(v);
    else if (k == "--key") o.key = v;
    else if (k == "--secret") o.secret = v;
    else if (k == "--conns") o.conns = std::stoi(v);
    else if (k == "--seconds") o.seconds = std::stoi(v);
    else if (k == "--mode") o.mode = v;
    else if (k == "--server-pid") o.server_pid = std::stoi(v);
  }
  if (o.key.empty() || o.secret.empty()) {
    std::fprintf(stderr, "usage: http_load --port P --key K --secret S [--conns N] [--seconds S] "
                         "[--mode heartbeat|room] [--server-pid PID]\n");
    return 2;
  }
  onair::auth::TokenKeys keys(std::map<std::string, std::string>{{o.key, o.secret}});
  auto token_for = [&](const std::string& user) {
    onair::auth::Claims c;
    c.sub = user;
    c.iat = onair::unix_s();
    c.exp = c.iat + 3600;
    return keys.sign(c);
  };

  // A room with every load user as a member.
  std::string anchor = token_for("bench-anchor");
  std::string created = request_once(o.port, make_request("POST", "/v1/rooms", anchor,
                                                            R"({"kind":"live","title":"bench"})", false));
  auto idpos = created.find("\"id\":\"");
  if (idpos == std::string::npos) {
    std::fprintf(stderr, "create room failed:\n%s\n", created.c_str());
    return 1;
  }
  std::string room = created.substr(idpos + 6, created.find('"', idpos + 6) - idpos - 6);
  request_once(o.port, make_request("POST", "/v1/rooms/" + room + "/join", anchor, "", false));

  int ep = ::epoll_create1(0);
  std::vector<Conn> conns(o.conns);
  for (int i = 0; i < o.conns; ++i) {
    std::string tok = token_for("bench-user-" + std::to_string(i));
    std::string join = request_once(o.port, make_request("POST", "/v1/rooms/" + room + "/join", tok, "", false));
    if (join.rfind("HTTP/1.1 200", 0) != 0) {
      std::fprintf(stderr, "join failed:\n%s\n", join.c_str());
      return 1;
    }
    Conn& c = conns[i];
    c.fd = connect_to(o.port);
    c.request = o.mode == "room" ? make_request("GET", "/v1/rooms/" + room, tok, "", true)
                                 : make_request("POST", "/v1/rooms/" + room + "/heartbeat", tok, "", true);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = uint32_t(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }

  std::map<int, uint64_t> statuses;
  std::vector<uint32_t> latency_us;
  latency_us.reserve(4 << 20);
  double cpu0 = o.server_pid ? cpu_seconds(o.server_pid) : 0;
  auto start = Clock::now();
  auto end = start + std::chrono::seconds(o.seconds);
  for (auto& c : conns) {
    c.sent = Clock::now();
    ::send(c.fd, c.request.data(), c.request.size(), MSG_NOSIGNAL);
  }
  uint64_t done = 0;
  std::vector<epoll_event> events(1024);
  char buf[65536];
  bool stopping = false;
  int in_flight = o.conns;
  while (in_flight > 0) {
    int n = ::epoll_wait(ep, events.data(), int(events.size()), 100);
    auto now = Clock::now();
    if (now >= end) stopping = true;
    for (int i = 0; i < n; ++i) {
      Conn& c = conns[events[i].data.u32];
      ssize_t r = ::recv(c.fd, buf, sizeof buf, 0);
      if (r <= 0) {
        std::fprintf(stderr, "connection closed by server\n");
        return 1;
      }
      c.in.append(buf, size_t(r));
      auto hdr = c.in.find("\r\n\r\n");
      if (hdr == std::string::npos) continue;
      auto cl = c.in.find("Content-Length: ");
      size_t len = cl != std::string::npos && cl < hdr ? std::stoul(c.in.substr(cl + 16)) : 0;
      if (c.in.size() < hdr + 4 + len) continue;
      int status = std::atoi(c.in.c_str() + 9);
      c.in.erase(0, hdr + 4 + len);
      ++statuses[status];
      ++done;
      latency_us.push_back(uint32_t(std::chrono::duration_cast<std::chrono::microseconds>(now - c.sent).count()));
      if (stopping) {
        --in_flight;
        continue;
      }
      c.sent = now;
      ::send(c.fd, c.request.data(), c.request.size(), MSG_NOSIGNAL);
    }
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  double cpu = o.server_pid ? cpu_seconds(o.server_pid) - cpu0 : 0;
  std::sort(latency_us.begin(), latency_us.end());
  auto pct = [&](double p) { return latency_us.empty() ? 0u : latency_us[size_t(p * (latency_us.size() - 1))]; };
  std::printf("mode=%s conns=%d seconds=%.1f requests=%llu rps=%.0f p50_us=%u p99_us=%u", o.mode.c_str(), o.conns,
              elapsed, (unsigned long long)done, double(done) / elapsed, pct(0.5), pct(0.99));
  if (o.server_pid) std::printf(" server_cpu_s=%.2f requests_per_server_cpu_s=%.0f", cpu, cpu > 0 ? double(done) / cpu : 0);
  std::printf(" statuses=");
  for (auto [s, n] : statuses) std::printf("%d:%llu,", s, (unsigned long long)n);
  std::printf("\n");
  for (auto [s, n] : statuses)
    if (s >= 300) return 1;
  return 0;
}
