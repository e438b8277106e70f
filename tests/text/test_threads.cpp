// Thread-count invariance of the whole text decoder: threads split work (row blocks of every
// product, rows of the decode kernels, (head, query tile) items of attention), never a sum, so
// 1, 2 and 3 threads must give the same logits bit for bit, in prefill and in decode.
#include <gemma4/core/parallel_for.hpp>
#include <gemma4/reference/random_init.hpp>
#include <gemma4/text/model.hpp>

#include <cstring>

#include "test_support.hpp"

using namespace gemma4;

namespace {

struct ThreadsGuard {
  ~ThreadsGuard() { set_threads(1); }
};

/// Logits of a 40-token prefill (GEMM path, two query tiles) and of 3 decode steps (the matvec
/// kernels), with `n` threads.
template <class Model>
std::vector<RowMatrix<typename Model::C>> run(const Model& m, int n) {
  set_threads(n);
  const auto V = static_cast<std::size_t>(m.config().vocab_size);
  std::vector<TokenId> ids(40);
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<TokenId>((i * 577 + 3) % V);
  auto cache = m.make_cache();
  std::vector<RowMatrix<typename Model::C>> out = {m.forward(ids, cache, LogitsFor::All)};
  for (const std::size_t next : {7, 4000, 123}) {
    const std::vector<TokenId> one = {static_cast<TokenId>(next % V)};
    out.push_back(m.forward(one, cache, LogitsFor::Last));
  }
  return out;
}

template <class Model>
void check_invariant(const Model& m) {
  const auto one = run(m, 1);
  for (const int n : {2, 3}) {
    CAPTURE(n);
    const auto many = run(m, n);
    REQUIRE(many.size() == one.size());
    for (std::size_t k = 0; k < one.size(); ++k) {
      CAPTURE(k);
      REQUIRE(many[k].size() == one[k].size());
      CHECK(std::memcmp(many[k].data(), one[k].data(),
                        sizeof(typename Model::C) * static_cast<std::size_t>(one[k].size())) == 0);
    }
  }
}

}  // namespace

TEST_CASE_TEMPLATE("an E2B-shaped decoder gives bit-identical logits on 1, 2 and 3 threads", T,
                   float, Eigen::bfloat16) {
  // Released widths (H 1536, head dims 256 / 512, PLE, KV sharing), 4 layers, vocabulary 4096:
  // the LM head is 16 blocks of the plain form and 4096 rows of the kernels.
  ThreadsGuard guard;
  test::TempDir tmp;
  TextConfig c = with_layers(E2B::text, 4);
  c.vocab_size = c.vocab_size_per_layer_input = 4096;
  write_random_checkpoint(tmp.path, c, {.seed = 21, .dtype = DType::BF16});
  check_invariant(TextModel<Dynamic, T>::load(tmp.path));
}

TEST_CASE("the MoE fixture gives bit-identical logits on 1, 2 and 3 threads") {
  ThreadsGuard guard;
  const auto m = TextModel<Dynamic, float>::load(std::filesystem::path(GEMMA4_TEST_DATA_DIR) /
                                                 "golden" / "text-moe-tiny");
  check_invariant(m);
}
