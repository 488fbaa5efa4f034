#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <stdexcept>
#include <thread>

namespace onair::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct WsClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buf;
  std::thread thread;
  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> inbox;
  std::deque<std::string> outbox;
  bool writing = false;
  bool closed = false;
  int close_code = -1;
  std::string reason;

  void read() {
    ws.async_read(buf, [this](beast::error_code ec, size_t) {
      std::lock_guard lock(mu);
      if (ec) {
        closed = true;
        close_code = ws.reason().code ? int(ws.reason().code) : 1006;
        reason = std::string(ws.reason().reason.c_str());
        cv.notify_all();
        return;
      }
      inbox.push_back(beast::buffers_to_string(buf.data()));
      buf.consume(buf.size());
      cv.notify_all();
      asio::post(io, [this] { read(); });
    });
  }
  void write() {
    if (writing || outbox.empty()) return;
    writing = true;
    ws.async_write(asio::buffer(outbox.front()), [this](beast::error_code ec, size_t) {
      writing = false;
      outbox.pop_front();
      if (!ec) write();
    });
  }
};

WsClient::WsClient(uint16_t port, const std::string& target) : impl_(std::make_unique<Impl>()) {
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
  beast::get_lowest_layer(impl_->ws).connect(ep);
  websocket::response_type res;
  beast::error_code ec;
  impl_->ws.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  if (ec) throw std::runtime_error("websocket upgrade failed: " + ec.message() + " status " + std::to_string(res.result_int()));
  impl_->ws.text(true);
  impl_->read();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

WsClient::~WsClient() {
  asio::post(impl_->io, [this] {
    beast::error_code ec;
    beast::get_lowest_layer(impl_->ws).socket().close(ec);
  });
  impl_->thread.join();
}

void WsClient::send(const std::string& text) {
  asio::post(impl_->io, [this, text] {
    impl_->outbox.push_back(text);
    impl_->write();
  });
}

std::optional<boost::json::value> WsClient::next(int ms) {
  std::unique_lock lock(impl_->mu);
  if (!impl_->cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return !impl_->inbox.empty() || impl_->closed; }))
    return std::nullopt;
  if (impl_->inbox.empty()) return std::nullopt;
  std::string text = std::move(impl_->inbox.front());
  impl_->inbox.pop_front();
  return boost::json::parse(text);
}

std::optional<boost::json::value> WsClient::wait_for(const std::function<bool(const boost::json::object&)>& pred,
                                                     int ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (true) {
    int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) return std::nullopt;
    auto v = next(left);
    if (!v) return std::nullopt;
    if (v->is_object() && pred(v->get_object())) return v;
  }
}

std::optional<boost::json::value> WsClient::wait_type(const std::string& type, int ms) {
  return wait_for([&](const boost::json::object& o) { return o.contains("type") && o.at("type") == type.c_str(); }, ms);
}

int WsClient::wait_closed(int ms) {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait_for(lock, std::chrono::milliseconds(ms), [&] { return impl_->closed; });
  return impl_->closed ? impl_->close_code : -1;
}

std::string WsClient::close_reason() const {
  std::lock_guard lock(impl_->mu);
  return impl_->reason;
}

bool WsClient::closed() const {
  std::lock_guard lock(impl_->mu);
  return impl_->closed;
}

}  // namespace onair::testing
