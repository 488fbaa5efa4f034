#pragma once
// EventLoops: one asio::io_context per thread, one thread per core unless told otherwise.
// A connection lives and dies on the loop that accepted it. Owned by the application;
// stop() lets every loop finish what it was doing and return.
#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace onair {

class EventLoops {
 public:
  explicit EventLoops(size_t count);
  ~EventLoops();

  size_t size() const { return loops_.size(); }
  boost::asio::io_context& at(size_t i) { return *loops_[i]; }

  // Starts one thread per loop. Each runs until stop().
  void start();
  void stop();
  void join();

 private:
  std::vector<std::unique_ptr<boost::asio::io_context>> loops_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace onair
