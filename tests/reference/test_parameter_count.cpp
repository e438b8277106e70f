// Tests of gemma4/reference/parameter_count.hpp: the exact counts of spec variants.md §6.1 and the
// model-card figures of §6.2 they reproduce.
#include <gemma4/reference/parameter_count.hpp>
#include <gemma4/variants.hpp>

#include "test_support.hpp"

using namespace gemma4;

TEST_CASE("E2B: 4 628 569 379 text parameters, 2.3 B effective") {
  const ParameterCounts n = count_parameters(E2B::text);
  CHECK(n.embedding == 402'653'184);      // V * H = 262144 * 1536
  CHECK(n.ple_table == 2'348'810'240);    // 262144 * 35 * 256
  CHECK(n.ple_projection == 13'762'816);  // 8960 * 1536 + 256
  CHECK(n.layers == 1'863'343'139);
  CHECK(n.total() == 4'628'569'379);
  CHECK(std::round(n.effective() / 1e8) == 23);  // model card: 2.3 B effective
}

TEST_CASE("E4B: 7 463 013 418 text parameters") {
  const ParameterCounts n = count_parameters(E4B::text);
  CHECK(n.embedding == 671'088'640);
  CHECK(n.ple_table == 2'818'572'288);
  CHECK(n.ple_projection == 27'525'376);
  CHECK(n.layers == 3'945'827'114);
  CHECK(n.total() == 7'463'013'418);
  // variants.md §9.3: "text minus PLE table" gives 4.644 B, not the card's 4.5 B.
  CHECK(n.effective() == 4'644'441'130);
}

TEST_CASE("26B-A4B: 25.2 B total, 3.8 B active; 128 routed + 1 dense, 8 active, 120 idle") {
  const ParameterCounts n = count_parameters(MoE26B_A4B::text);
  CHECK(n.embedding == 738'197'504);
  CHECK(n.layers == 24'494'944'286);
  CHECK(n.total() == 25'233'141'790);
  CHECK(std::round(n.total() / 1e8) == 252);
  // idle: L * (E - K) * 3 * I_moe * H = 30 * 120 * 3 * 704 * 2816
  CHECK(n.idle_experts == 30LL * 120 * 3 * 704 * 2816);
  CHECK(std::round(n.active() / 1e8) == 38);
  CHECK(MoE26B_A4B::text.num_experts - MoE26B_A4B::text.top_k_experts == 120);
}

TEST_CASE("31B: 30.7 B; global layers use 512-dim heads for queries and keys") {
  const ParameterCounts n = count_parameters(Dense31B::text);
  CHECK(n.embedding == 1'409'286'144);
  CHECK(n.layers == 29'288'059'196);
  CHECK(n.total() == 30'697'345'340);
  CHECK(std::round(n.total() / 1e8) == 307);
  const LayerSpec full = layer_spec(Dense31B::text, 5);
  CHECK(full.q_width() == 32 * 512);
  CHECK(full.kv_width() == 4 * 512);
}

TEST_CASE("describe() prints the table and the counts") {
  const std::string s = describe(E2B::text, "E2B");
  CHECK(s.find("shared<-13") != std::string::npos);
  CHECK(s.find("shared<-14") != std::string::npos);
  CHECK(s.find("2 279 759 139") != std::string::npos);  // effective, grouped
}
