#include "core/loops.hpp"

#include <pthread.h>

#include <string>

namespace onair {

EventLoops::EventLoops(size_t count) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < count; ++i) {
    loops_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.push_back(boost::asio::make_work_guard(*loops_.back()));
  }
}

EventLoops::~EventLoops() {
  stop();
  join();
}

void EventLoops::start() {
  for (size_t i = 0; i < loops_.size(); ++i) {
    threads_.emplace_back([this, i] {
      std::string name = "loop-" + std::to_string(i);
      pthread_setname_np(pthread_self(), name.c_str());
      loops_[i]->run();
    });
  }
}

void EventLoops::stop() {
  for (auto& g : guards_) g.reset();
  for (auto& l : loops_) l->stop();
}

void EventLoops::join() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace onair
