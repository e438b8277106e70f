// examples/quickstart.cpp: load a Gemma 4 checkpoint, run a forward pass, decode greedily with
// the KV cache. Without arguments it uses the tiny E2B-like model shipped in tests/data.
//
//   build/bin/quickstart [model-dir]
#include <gemma4/gemma4.hpp>

#include <iostream>
#include <vector>

int main(int argc, char** argv) try {
  const std::string dir = argc > 1 ? argv[1] : "tests/data/golden/text-e2b-tiny";
  // Any config.json + model.safetensors (or shards); the config is read at run time.
  const auto model = gemma4::TextModel<gemma4::Dynamic, float>::load(dir);
  std::cout << "loaded " << dir << ": " << model.config().num_hidden_layers << " layers, hidden "
            << model.config().hidden_size << ", vocab " << model.config().vocab_size << "\n";

  // Prefill a prompt (BOS first: the caller decides), then decode 8 tokens greedily.
  std::vector<gemma4::TokenId> ids = {2, 10, 11, 12};
  auto cache = model.make_cache();
  auto logits = model.forward(ids, cache);  // [1, vocab]: the last position, after the softcap
  for (int step = 0; step < 8; ++step) {
    Eigen::Index next = 0;
    logits.row(0).maxCoeff(&next);
    ids.push_back(static_cast<gemma4::TokenId>(next));
    logits = model.forward(std::span(ids).last(1), cache);  // one new position, cached K/V
  }
  std::cout << "greedy ids:";
  for (auto id : ids) std::cout << ' ' << id;
  std::cout << "\n";

  // The cached decode must agree with a full forward over the same ids (the library's promise).
  const auto full = model.forward(ids, gemma4::LogitsFor::Last);
  const float diff = (full - logits).cwiseAbs().maxCoeff();
  std::cout << "max |cached - full| on the last logits: " << diff << "\n";
  return diff < 1e-3f ? 0 : 1;
} catch (const gemma4::Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
