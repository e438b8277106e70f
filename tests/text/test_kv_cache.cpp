// Tests of gemma4/text/kv_cache.hpp: which positions each layer keeps.
#include <gemma4/text/kv_cache.hpp>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("a sliding slot keeps the last W-1 positions after each step; a full slot all") {
  KVLayerCache<double> sliding(1, 3), full(1, -1);  // W = 4
  for (int step = 0; step < 3; ++step) {
    RowMatrix<double> k(2, 1);
    k << 2 * step, 2 * step + 1;  // the value is the position
    sliding.append(k, k);
    full.append(k, k);
    // during the step the slot holds stored + new
    CHECK(sliding.keys()(sliding.size() - 1, 0) == 2 * step + 1);
    sliding.trim();
    full.trim();
  }
  CHECK(sliding.size() == 3);
  CHECK(sliding.first_position() == 3);
  CHECK(sliding.keys()(0, 0) == 3);
  CHECK(sliding.values()(2, 0) == 5);
  CHECK(full.size() == 6);
  CHECK(full.first_position() == 0);
}

TEST_CASE("a decoder cache has slots for the non-shared layers only") {
  TextConfig c;
  c.num_hidden_layers = 7;
  c.num_kv_shared_layers = 3;
  c.sliding_window = 6;
  set_layer_pattern(c, 3);
  const KVCache<float> cache(c);
  CHECK(cache.num_layers() == 4);
  CHECK(cache.size() == 0);
}
