#include "harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/ids.hpp"

namespace onair::testing {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::asio::ip::tcp;

uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

boost::json::value HttpResult::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

std::string HttpResult::str(const char* key) const {
  auto v = json();
  if (!v.is_object()) return "";
  auto* p = v.as_object().if_contains(key);
  if (p == nullptr) return "";
  if (p->is_string()) return std::string(p->as_string());
  return boost::json::serialize(*p);
}

HttpResult http_call(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body, const std::string& token,
                     const std::map<std::string, std::string>& headers) {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(15));
  stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port));
  if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
  if (!body.empty()) req.set(bhttp::field::content_type, "application/json");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.keep_alive(false);
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buf;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  bhttp::read(stream, buf, parser);
  HttpResult r;
  r.status = parser.get().result_int();
  r.body = parser.get().body();
  for (const auto& f : parser.get()) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers[name] = std::string(f.value());
  }
  return r;
}

std::string raw_exchange(uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  char buf[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// A port number free for UDP and for TCP at once: the WebRTC port (ICE over UDP, ICE-TCP on
// the same number).
uint16_t free_udp_port() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    int t = ::socket(AF_INET, SOCK_STREAM, 0);
    bool tcp_free = ::bind(t, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(t);
    if (tcp_free) return ntohs(addr.sin_port);
  }
  throw std::runtime_error("no port free for both UDP and TCP");
}

bool eventually(const std::function<bool()>& pred, int ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

// ---- Server -----------------------------------------------------------------------------

Server::Server(std::string extra_yaml, std::string dir)
    : keys_(std::map<std::string, std::string>{{kKey, kSecret}}) {
  if (dir.empty()) {
    static std::atomic<int> n{0};
    dir = (std::filesystem::temp_directory_path() /
           ("onair-it-" + std::to_string(::getpid()) + "-" + std::to_string(n++)))
              .string();
    std::filesystem::remove_all(dir);
    own_dir_ = true;
  }
  dir_ = dir;
  std::filesystem::create_directories(dir_);
  port_ = free_port();
  rtmp_port_ = free_port();
  webrtc_port_ = free_udp_port();
  // The test's own YAML; the harness's settings come as ONAIR_ environment overrides so
  // both can name the same sections.
  std::ofstream f(dir_ + "/onair.yaml");
  f << extra_yaml << "\n";
}

Server::~Server() {
  // After a failure, say how the server fared and what it printed last, so a CI log
  // shows whether a request was refused, the server hung or it died (and of what).
  if (::testing::Test::HasFailure()) report_failure();
  if (pid_ > 0) kill9();
  // KEEP_TEST_DIRS=1 keeps data dirs and server logs for a look after a failure.
  if (own_dir_ && !std::getenv("KEEP_TEST_DIRS")) std::filesystem::remove_all(dir_);
}

void Server::report_failure() {
  std::string state = "not started";
  if (pid_ > 0) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      state = WIFSIGNALED(status) ? "died of signal " + std::to_string(WTERMSIG(status))
                                  : "exited with " + std::to_string(WEXITSTATUS(status));
    } else {
      state = "still running";
    }
  }
  std::string text = log();
  constexpr size_t kTail = 6000;
  if (text.size() > kTail) text = "...\n" + text.substr(text.size() - kTail);
  std::fprintf(stderr, "---- onair (%s, %s) printed:\n%s---- end of onair's output\n", state.c_str(), dir_.c_str(),
               text.c_str());
}

void Server::start() {
  // Ports are picked free but bound only when the server starts, so a test running in
  // parallel may take one in between; onair then refuses to start ("already in use"), and a
  // first start tries again on fresh ports. A restart keeps its ports.
  for (int attempt = 1;; ++attempt) {
    try {
      launch();
      started_ = true;
      return;
    } catch (const PortTaken&) {
      if (started_ || attempt == 5) throw std::runtime_error("onair exited at start:\n" + log());
      std::filesystem::remove(dir_ + "/server.log");
      port_ = free_port();
      rtmp_port_ = free_port();
      webrtc_port_ = free_udp_port();
    }
  }
}

void Server::launch() {
  std::string log_path = dir_ + "/server.log";
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::string cfg = dir_ + "/onair.yaml";
    ::setenv("ONAIR_DATA_DIR", (dir_ + "/data").c_str(), 1);
    ::setenv("ONAIR_THREADS", "2", 1);
    ::setenv("ONAIR_WORKERS", "2", 1);
    ::setenv("ONAIR_HTTP__ADDR", ("127.0.0.1:" + std::to_string(port_)).c_str(), 1);
    ::setenv("ONAIR_RTMP__ADDR", ("127.0.0.1:" + std::to_string(rtmp_port_)).c_str(), 1);
    ::setenv("ONAIR_WEBRTC__UDP_ADDR", ("127.0.0.1:" + std::to_string(webrtc_port_)).c_str(), 1);
    ::setenv((std::string("ONAIR_AUTH__KEYS__") + kKey).c_str(), kSecret, 1);
    ::setenv("ONAIR_MEDIA__KEY", kMediaKey, 1);
    ::execl(ONAIR_BINARY, ONAIR_BINARY, "serve", "-c", cfg.c_str(), nullptr);
    ::_exit(127);
  }
  pid_ = pid;
  bool up = eventually([&] {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      std::string text = log();
      if (text.find("already in use") != std::string::npos) throw PortTaken{};
      throw std::runtime_error("onair exited at start:\n" + text);
    }
    try {
      return http_call(port_, "GET", "/healthz").status == 200;
    } catch (...) {
      return false;
    }
  }, 15000);
  if (!up) throw std::runtime_error("onair did not answer /healthz:\n" + log());
}

int Server::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = 0;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void Server::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = 0;
}

std::string Server::log() const {
  std::ifstream f(dir_ + "/server.log");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string Server::token(const std::string& user, const std::string& name, const std::string& room,
                          bool admin, bool publish, int64_t ttl_s) const {
  auth::Claims c;
  c.sub = user;
  c.name = name;
  c.grants.room = room;
  c.grants.admin = admin;
  c.grants.publish = publish;
  c.grants.role = publish ? "member" : "audience";
  c.iat = unix_s();
  c.exp = c.iat + ttl_s;
  return keys_.sign(c);
}

// ---- Receiver ---------------------------------------------------------------------------

Receiver::Receiver(Responder respond, uint16_t port) : respond_(std::move(respond)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error("receiver: bind failed");
  ::listen(listen_fd_, 64);
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

Receiver::~Receiver() {
  stop_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  if (thread_.joinable()) thread_.join();
}

std::string Receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<Receiver::Hit> Receiver::hits() const {
  std::lock_guard lock(mu_);
  return hits_;
}

bool Receiver::wait_for(const std::function<bool(const std::vector<Hit>&)>& pred, int ms) const {
  return eventually([&] { return pred(hits()); }, ms);
}

void Receiver::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    // One request per connection (onair's client sends Connection: close).
    std::string data;
    char buf[8192];
    size_t header_end = std::string::npos;
    size_t want = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd q{fd, POLLIN, 0};
      if (::poll(&q, 1, 100) <= 0) continue;
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      data.append(buf, static_cast<size_t>(n));
      if (header_end == std::string::npos) {
        header_end = data.find("\r\n\r\n");
        if (header_end != std::string::npos) {
          std::string lower = data.substr(0, header_end);
          for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          auto cl = lower.find("content-length:");
          want = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
        }
      }
      if (header_end != std::string::npos && data.size() >= header_end + 4 + want) break;
    }
    if (header_end == std::string::npos) {
      ::close(fd);
      continue;
    }
    Hit hit;
    std::istringstream head(data.substr(0, header_end));
    std::string line;
    std::getline(head, line);
    std::istringstream first(line);
    first >> hit.method >> hit.target;
    while (std::getline(head, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      hit.headers[name] = value;
    }
    hit.body = data.substr(header_end + 4, want);
    auto [status, body] = respond_(hit);
    {
      std::lock_guard lock(mu_);
      hits_.push_back(hit);
    }
    std::string resp = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
                       "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    ::send(fd, resp.data(), resp.size(), MSG_NOSIGNAL);
    ::close(fd);
  }
}

}  // namespace onair::testing
