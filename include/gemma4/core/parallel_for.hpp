// gemma4/core/parallel_for.hpp: the work split every threaded loop of gemma4 goes through.
//
//   gemma4::set_threads(2);                        // library setting; the CLI's --threads N
//   parallel_for(n, [&](Index begin, Index end) {  // [0, n) cut into contiguous ranges
//     for (Index i = begin; i < end; ++i) y[i] = dot(W.row(i), x);
//   });
//
// Threads split WORK, never a SUM: every caller hands out items (rows of a matrix product, heads
// of attention) whose results are computed by the same code whichever thread runs them, so the
// numbers are bit-identical for any thread count (tests/core/test_parallel_for.cpp, and the
// model-level check in tests/text/test_threads.cpp).
//
// The pool: threads() - 1 workers that spin briefly, then sleep on a condition variable between
// calls; the calling thread takes the first range itself. A parallel_for inside a parallel_for runs
// serially in the thread that called it. An exception thrown by any range is rethrown to the caller
// (the first one, when several throw). The default is 1 thread (no worker is ever started): a
// program that includes gemma4 gets threads only when it asks for them.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "gemma4/core/error.hpp"

namespace gemma4 {

namespace detail {

/// A non-owning reference to a callable fn(begin, end): no allocation per call.
struct RangeFn {
  const void* fn;
  void (*call)(const void*, Eigen::Index, Eigen::Index);
  void operator()(Eigen::Index b, Eigen::Index e) const { call(fn, b, e); }
};

class ThreadPool {
 public:
  static ThreadPool& instance() {
    static ThreadPool pool;
    return pool;
  }

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  void resize(int n) {
    if (n < 1) fail("thread count ", n, " must be at least 1");
    if (in_parallel()) fail("set_threads() called from inside a parallel_for");
    std::lock_guard serial(call_);
    stop_workers();
    // A new worker starts at the current generation: the last call's job is not its to run.
    const std::uint64_t g = generation_.load();
    for (int k = 1; k < n; ++k) workers_.emplace_back([this, k, g] { work(k, g); });
  }

  /// fn(begin, end) over `parts` contiguous ranges of [0, n), range 0 on the calling thread.
  void run(Eigen::Index n, RangeFn fn) {
    const int parts = static_cast<int>(std::min<Eigen::Index>(threads(), n));
    if (parts <= 1 || in_parallel()) {
      if (n > 0) fn(0, n);
      return;
    }
    std::lock_guard serial(call_);  // one parallel_for at a time (callers on several threads)
    {
      std::lock_guard lock(mutex_);
      job_ = fn, n_ = n, parts_ = parts, error_ = nullptr;
      pending_.store(parts - 1, std::memory_order_relaxed);
      generation_.fetch_add(1, std::memory_order_release);  // publishes the job to spinners
    }
    wake_.notify_all();
    run_part(0);
    // A decode step makes hundreds of calls of a few hundred microseconds: wait spinning first,
    // then sleeping, and the same on the workers' side (spin_until).
    if (!spin_until([&] { return pending_.load(std::memory_order_acquire) == 0; })) {
      std::unique_lock lock(mutex_);
      done_.wait(lock, [&] { return pending_.load(std::memory_order_acquire) == 0; });
    }
    std::lock_guard lock(mutex_);
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  }

  ~ThreadPool() { stop_workers(); }

 private:
  ThreadPool() = default;

  static bool& in_parallel() {
    thread_local bool inside = false;
    return inside;
  }

  void run_part(int k) {
    const Eigen::Index begin = n_ * k / parts_, end = n_ * (k + 1) / parts_;
    in_parallel() = true;
    try {
      job_(begin, end);
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
    in_parallel() = false;
  }

  /// Spins (with a pause) for up to about 50 microseconds until ready() holds.
  template <class Ready>
  static bool spin_until(const Ready& ready) {
    for (int i = 0; i < 4096; ++i) {
      if (ready()) return true;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    return ready();
  }

  void work(int k, std::uint64_t seen) {
    for (;;) {
      const auto fresh = [&] {
        return stop_.load(std::memory_order_acquire) ||
               generation_.load(std::memory_order_acquire) != seen;
      };
      if (!spin_until(fresh)) {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, fresh);
      }
      int parts;
      {
        std::lock_guard lock(mutex_);
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
        parts = parts_;
      }
      if (k >= parts) continue;  // fewer ranges than threads this time
      run_part(k);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard lock(mutex_);  // the caller may be about to sleep: wake it under the lock
        done_.notify_one();
      }
    }
  }

  void stop_workers() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
    workers_.clear();
    stop_ = false;
  }

  std::mutex call_, mutex_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  RangeFn job_{};
  Eigen::Index n_ = 0;
  int parts_ = 0;
  std::atomic<int> pending_{0};
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

}  // namespace detail

/// Threads that parallel_for uses (the caller included); 1 until set_threads() says otherwise.
inline int threads() {
  return detail::ThreadPool::instance().threads();
}

/// Sets the thread count (>= 1). Not to be called from inside a parallel_for.
inline void set_threads(int n) {
  detail::ThreadPool::instance().resize(n);
}

/// fn(begin, end) over contiguous ranges that cover [0, n) once, one range per thread.
template <class Fn>
void parallel_for(Eigen::Index n, const Fn& fn) {
  const auto call = [](const void* f, Eigen::Index b, Eigen::Index e) {
    (*static_cast<const Fn*>(f))(b, e);
  };
  detail::ThreadPool::instance().run(n, detail::RangeFn{&fn, call});
}

}  // namespace gemma4
