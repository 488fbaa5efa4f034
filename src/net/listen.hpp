// Listening sockets on one TCP port, one per event loop. The kernel spreads new connections
// over them (SO_REUSEPORT), so each loop accepts its own. SO_REUSEPORT alone would also let
// a second onair (or anything run by the same user) join the group and silently take a share
// of the connections; a port someone already listens on is therefore refused first.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/loops.hpp"

namespace onair::net {

using Acceptors = std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>>;

// `addr` is "host:port" (port 0: the kernel picks one, the other loops share it); `what` names
// the setting in errors ("http.addr"). One acceptor per loop, in loop order.
Result<Acceptors> listen_per_loop(EventLoops& loops, const std::string& addr, const std::string& what);

}  // namespace onair::net
