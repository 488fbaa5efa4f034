// Boost.Asio and Boost.Beast are compiled once, here (BOOST_*_SEPARATE_COMPILATION), so the
// units that use them only parse declarations.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
