// Tests of gemma4/core/parallel_for.hpp: ranges cover the work once for any thread count,
// errors come back to the caller, nested calls run serially.
#include <gemma4/core/parallel_for.hpp>

#include <atomic>
#include <stdexcept>
#include <vector>

#include "test_support.hpp"

using namespace gemma4;

namespace {
/// Restores one thread at the end of a test, whatever happened in it.
struct ThreadsGuard {
  ~ThreadsGuard() { set_threads(1); }
};
}  // namespace

TEST_CASE("the ranges cover [0, n) exactly once, contiguously, for 1 to 4 threads") {
  ThreadsGuard guard;
  for (int t = 1; t <= 4; ++t) {
    set_threads(t);
    CHECK(threads() == t);
    for (const Eigen::Index n : {0, 1, 2, 3, 7, 1000}) {
      std::vector<std::atomic<int>> hits(static_cast<std::size_t>(n));
      std::atomic<int> calls{0};
      parallel_for(n, [&](Eigen::Index b, Eigen::Index e) {
        CHECK(b < e);  // no empty range is handed out
        ++calls;
        for (Eigen::Index i = b; i < e; ++i) ++hits[static_cast<std::size_t>(i)];
      });
      for (const auto& h : hits) CHECK(h == 1);
      CHECK(calls == std::min<Eigen::Index>(t, n));  // one range per thread, never more than n
    }
  }
}

TEST_CASE("the work really runs on several threads when asked") {
  ThreadsGuard guard;
  set_threads(3);
  std::vector<std::thread::id> who(3);
  parallel_for(3, [&](Eigen::Index b, Eigen::Index e) {
    for (Eigen::Index i = b; i < e; ++i)
      who[static_cast<std::size_t>(i)] = std::this_thread::get_id();
  });
  CHECK(who[0] == std::this_thread::get_id());  // range 0: the caller
  CHECK(who[1] != who[0]);
  CHECK(who[2] != who[1]);
  CHECK(who[2] != who[0]);
}

TEST_CASE("an exception in any range reaches the caller, and the pool still works after") {
  ThreadsGuard guard;
  set_threads(2);
  CHECK_THROWS_WITH_AS(parallel_for(10,
                                    [](Eigen::Index b, Eigen::Index) {
                                      if (b > 0) throw std::runtime_error("range starting at 5");
                                    }),
                       "range starting at 5", std::runtime_error);
  std::atomic<Eigen::Index> sum{0};
  parallel_for(10, [&](Eigen::Index b, Eigen::Index e) {
    for (Eigen::Index i = b; i < e; ++i) sum += i;
  });
  CHECK(sum == 45);  // 0 + 1 + ... + 9
}

TEST_CASE("a parallel_for inside a parallel_for runs serially in its thread") {
  ThreadsGuard guard;
  set_threads(2);
  std::atomic<int> inner_calls{0}, inner_items{0};
  parallel_for(2, [&](Eigen::Index, Eigen::Index) {
    parallel_for(8, [&](Eigen::Index b, Eigen::Index e) {
      ++inner_calls;
      inner_items += static_cast<int>(e - b);
    });
  });
  CHECK(inner_calls == 2);  // one whole range per outer range
  CHECK(inner_items == 16);
}

TEST_CASE("a thread count below one is an error naming the value") {
  CHECK_THROWS_WITH_AS(set_threads(0), "thread count 0 must be at least 1", Error);
  CHECK(threads() == 1);
}
