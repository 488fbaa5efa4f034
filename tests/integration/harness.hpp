#pragma once
// Integration harness: starts the real `onair serve` binary on free loopback ports with a
// config in a temporary directory, speaks HTTP to it over real sockets, and runs small real
// HTTP receivers (webhooks, payment, SMS) that tests control.
#include <boost/json.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/token.hpp"

namespace onair::testing {

uint16_t free_port();
uint16_t free_udp_port();  // free for UDP and TCP (the WebRTC port)

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  boost::json::value json() const;
  std::string str(const char* key) const;  // json()[key] as a string
};

// One request on a new connection. `token` empty: no Authorization header.
HttpResult http_call(uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = "", const std::string& token = "",
                     const std::map<std::string, std::string>& headers = {});

// Sends raw bytes and returns whatever comes back until the server closes (or 2 s).
std::string raw_exchange(uint16_t port, const std::string& bytes);

class Server {
 public:
  // `extra_yaml` is appended to the generated config (top-level keys).
  explicit Server(std::string extra_yaml = "", std::string dir = "");
  ~Server();

  void start();                // waits for /healthz
  int stop();                  // SIGTERM; returns the exit status
  void kill9();
  void report_failure();       // on stderr: alive or how it ended, and its log's tail
  void restart() { start(); }  // same data dir and ports

  uint16_t port() const { return port_; }
  uint16_t rtmp_port() const { return rtmp_port_; }
  uint16_t webrtc_port() const { return webrtc_port_; }
  const std::string& dir() const { return dir_; }
  std::string log() const;  // what the server printed so far
  bool running() const { return pid_ > 0; }
  int pid() const { return pid_; }

  std::string token(const std::string& user, const std::string& name = "",
                    const std::string& room = "*", bool admin = false, bool publish = true,
                    int64_t ttl_s = 3600) const;
  std::string admin() const { return token("admin", "Admin", "*", true); }

  HttpResult get(const std::string& path, const std::string& tok) const {
    return http_call(port_, "GET", path, "", tok);
  }
  HttpResult post(const std::string& path, const std::string& body, const std::string& tok) const {
    return http_call(port_, "POST", path, body, tok);
  }
  HttpResult patch(const std::string& path, const std::string& body, const std::string& tok) const {
    return http_call(port_, "PATCH", path, body, tok);
  }
  HttpResult del(const std::string& path, const std::string& tok) const {
    return http_call(port_, "DELETE", path, "", tok);
  }

  static constexpr const char* kKey = "itest";
  static constexpr const char* kSecret = "integration-test-secret-0123456789";
  static constexpr const char* kMediaKey = "integration-media-key";

 private:
  struct PortTaken {};
  void launch();  // one start on the current ports; PortTaken if one was in use
  bool started_ = false;
  std::string dir_;
  bool own_dir_ = false;
  uint16_t port_ = 0;
  uint16_t webrtc_port_ = 0;
  uint16_t rtmp_port_ = 0;
  int pid_ = 0;
  auth::TokenKeys keys_;
};

// A real HTTP server on 127.0.0.1 that records every request and answers with `respond`.
class Receiver {
 public:
  struct Hit {
    std::string method;
    std::string target;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
  };
  using Responder = std::function<std::pair<int, std::string>(const Hit&)>;

  explicit Receiver(Responder respond, uint16_t port = 0);
  ~Receiver();

  uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  std::vector<Hit> hits() const;
  // Waits until `pred(hits)` holds or `ms` pass.
  bool wait_for(const std::function<bool(const std::vector<Hit>&)>& pred, int ms = 10000) const;

 private:
  void serve();
  Responder respond_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<Hit> hits_;
  std::thread thread_;
};

// Polls `pred` every 20 ms until it holds or `ms` pass.
bool eventually(const std::function<bool()>& pred, int ms = 10000);

}  // namespace onair::testing
