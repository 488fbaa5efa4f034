#include "media/webrtc/tcp_server.hpp"

#include <boost/asio/write.hpp>

#include <cstring>

#include "core/log.hpp"
#include "media/webrtc/ice_lite.hpp"
#include "media/webrtc/webrtc_transport.hpp"

namespace onair::webrtc {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr size_t kMaxFrame = 4096;            // RTP, RTCP, STUN and DTLS all fit well within
constexpr size_t kMaxQueued = 1 << 20;        // per link, not yet written
constexpr int64_t kUnclaimedTimeoutMs = 10'000;
}  // namespace

TcpLink::TcpLink(TcpServer& server, tcp::socket socket) : server_(server), socket_(std::move(socket)) {
  boost::system::error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    auto a = ep.address();
    if (a.is_v4()) {
      auto b = a.to_v4().to_bytes();
      std::memcpy(remote_.ip.data(), b.data(), 4);
    } else {
      auto b = a.to_v6().to_bytes();
      remote_.v6 = true;
      std::memcpy(remote_.ip.data(), b.data(), 16);
    }
    remote_.port = ep.port();
  }
  socket_.set_option(tcp::no_delay(true), ec);
  out_.reserve(64 * 1024);
  writing_.reserve(64 * 1024);
}

TcpLink::~TcpLink() {
  *alive_ = false;
  boost::system::error_code ec;
  socket_.close(ec);
}

void TcpLink::start() { read(); }

void TcpLink::read() {
  socket_.async_read_some(asio::buffer(buf_), [this, alive = alive_](boost::system::error_code ec, size_t n) {
    if (!*alive) return;
    if (ec) {
      close();
      return;
    }
    on_read(n);
  });
}

void TcpLink::on_read(size_t n) {
  in_.append(reinterpret_cast<const char*>(buf_), n);
  size_t pos = 0;
  uint8_t frame[kMaxFrame];
  while (!closed_ && in_.size() - pos >= 2) {
    size_t len = (size_t(uint8_t(in_[pos])) << 8) | uint8_t(in_[pos + 1]);
    if (len == 0 || len > kMaxFrame) {
      close();  // not RFC 4571 framing we would ever need
      return;
    }
    if (in_.size() - pos - 2 < len) break;
    std::memcpy(frame, in_.data() + pos + 2, len);
    pos += 2 + len;
    if (!peer_) {
      // The first packet must be a Binding request naming a peer (RFC 6544 7.2).
      std::string_view bytes(reinterpret_cast<const char*>(frame), len);
      auto m = stun::looks_like_stun(bytes) ? stun::parse(bytes) : Result<stun::Message>(fail(ErrorCode::invalid_argument, "not STUN"));
      UdpServer::Peer* p = m ? server_.udp().find_ufrag(IceLite::addressed_ufrag(*m)) : nullptr;
      if (!p) {
        close();
        return;
      }
      peer_ = p;
    }
    peer_->on_tcp_packet(frame, len, *this);
  }
  in_.erase(0, pos);
  if (!closed_) read();
}

void TcpLink::send(const uint8_t* data, size_t len) {
  if (closed_ || len > 0xFFFF) return;
  if (out_.size() + len + 2 > kMaxQueued) {
    ++dropped_;
    return;
  }
  out_ += char(len >> 8);
  out_ += char(len);
  out_.append(reinterpret_cast<const char*>(data), len);
  if (writing_.empty()) write();
}

void TcpLink::write() {
  if (closed_ || out_.empty()) return;
  std::swap(out_, writing_);
  asio::async_write(socket_, asio::buffer(writing_), [this, alive = alive_](boost::system::error_code ec, size_t) {
    if (!*alive) return;
    writing_.clear();
    if (ec) {
      close();
      return;
    }
    write();
  });
}

void TcpLink::close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  socket_.close(ec);
  UdpServer::Peer* p = peer_;
  peer_ = nullptr;
  if (p) p->on_tcp_closed(*this);
}

TcpServer::TcpServer(asio::io_context& loop, UdpServer& udp) : loop_(loop), udp_(udp), acceptor_(loop) {}

TcpServer::~TcpServer() { close(); }

Result<void> TcpServer::open(const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return fail(ErrorCode::invalid_argument, "webrtc.udp_addr: bad address " + host);
  tcp::endpoint ep(address, port);
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return fail(ErrorCode::unavailable,
                "webrtc: cannot listen on TCP " + host + ":" + std::to_string(port) + " (ICE-TCP): " + ec.message());
  port_ = acceptor_.local_endpoint(ec).port();
  open_ = true;
  accept();
  return {};
}

void TcpServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (!open_) return;
    if (!ec) {
      links_.push_back({std::make_unique<TcpLink>(*this, std::move(socket)), steady_ms()});
      links_.back().link->start();
    }
    accept();
  });
}

void TcpServer::close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  acceptor_.close(ec);
  for (auto& e : links_) e.link->close();
  links_.clear();
}

void TcpServer::forget(UdpServer::Peer* peer) {
  for (auto& e : links_)
    if (e.link->peer() == peer) {
      e.link->set_peer(nullptr);  // the peer is going: no callback into it
      e.link->close();
    }
}

void TcpServer::sweep(int64_t now_ms) {
  for (auto& e : links_)
    if (!e.link->closed() && !e.link->peer() && now_ms - e.accepted_ms > kUnclaimedTimeoutMs) e.link->close();
  links_.remove_if([](const Entry& e) { return e.link->closed(); });
}

}  // namespace onair::webrtc
