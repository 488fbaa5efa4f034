#pragma once
// run_on: runs a function on another executor (the rooms strand, the worker pool) and
// resumes the awaiting coroutine on its own executor with the result. One post there and
// one post back; the function must not throw.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>
#include <utility>

namespace onair {

template <class Executor, class F>
auto run_on(Executor ex, F fn) -> boost::asio::awaitable<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(R)>(
      [ex](auto handler, F fn) mutable {
        boost::asio::post(ex, [fn = std::move(fn), handler = std::move(handler)]() mutable {
          R result = fn();
          auto home = boost::asio::get_associated_executor(handler);
          boost::asio::post(home, [result = std::move(result), handler = std::move(handler)]() mutable {
            std::move(handler)(std::move(result));
          });
        });
      },
      boost::asio::use_awaitable, std::move(fn));
}

}  // namespace onair
