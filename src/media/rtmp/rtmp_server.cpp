#include "media/rtmp/rtmp_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <list>

#include "core/log.hpp"
#include "media/rtmp/rtmp_session.hpp"
#include "net/listen.hpp"

namespace onair::rtmp {
namespace asio = boost::asio;
using asio::ip::tcp;

struct RtmpServer::Impl {
  const Config& config;
  EventLoops& loops;
  media::StreamHub& hub;
  const media::StreamAccess& access;
  struct Loop {
    asio::io_context* io = nullptr;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::list<std::weak_ptr<RtmpSession>> sessions;  // touched on `io` only
  };
  std::vector<std::unique_ptr<Loop>> per_loop;
  std::atomic<bool> stopping{false};

  asio::awaitable<void> accept_loop(Loop& l) {
    while (!stopping) {
      auto [ec, socket] = co_await l.acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || stopping) break;
        spdlog::warn("rtmp: accept failed: {}", ec.message());
        asio::steady_timer t(*l.io, std::chrono::milliseconds(50));
        co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto session = std::make_shared<RtmpSession>(std::move(socket), *l.io, config, hub, access);
      std::erase_if(l.sessions, [](const auto& w) { return w.expired(); });
      l.sessions.push_back(session);
      asio::co_spawn(*l.io, [session]() { return session->run(); }, asio::detached);
    }
  }
};

RtmpServer::RtmpServer(const Config& config, EventLoops& loops, media::StreamHub& hub,
                       const media::StreamAccess& access)
    : impl_(new Impl{config, loops, hub, access, {}, {}}) {}

RtmpServer::~RtmpServer() = default;

Result<void> RtmpServer::start() {
  auto acceptors = net::listen_per_loop(impl_->loops, impl_->config.rtmp.addr, "rtmp.addr");
  if (!acceptors) return std::unexpected(acceptors.error());
  uint16_t port = (*acceptors)[0]->local_endpoint().port();
  for (size_t i = 0; i < impl_->loops.size(); ++i) {
    auto l = std::make_unique<Impl::Loop>();
    l->io = &impl_->loops.at(i);
    l->acceptor = std::move((*acceptors)[i]);
    impl_->per_loop.push_back(std::move(l));
  }
  port_ = port;
  for (auto& l : impl_->per_loop) asio::co_spawn(*l->io, impl_->accept_loop(*l), asio::detached);
  return {};
}

void RtmpServer::stop() {
  impl_->stopping = true;
  for (auto& l : impl_->per_loop) {
    Impl::Loop* lp = l.get();
    asio::post(*lp->io, [lp] {
      boost::system::error_code ec;
      lp->acceptor->close(ec);
      for (auto& w : lp->sessions)
        if (auto s = w.lock()) s->close();
    });
  }
}

}  // namespace onair::rtmp
