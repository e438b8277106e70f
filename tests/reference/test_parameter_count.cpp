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

TEST_CASE("vision towers: 167 365 056 (E2B, E4B) and 569 550 384 (26B-A4B, 31B); embed_vision") {
  // variants.md §6.1. Small tower: 16 layers x (4 x 768 norms + 4 x 768^2 attention + 2 x 64
  // q/k norms + 3 x 768 x 3072 MLP + 7 x 4 clip bounds) = 151 046 592, + table 2 x 10240 x 768
  // + input_proj 768 x 768.
  const VisionParameterCounts e2b = count_vision_parameters(E2B::vision, E2B::text.hidden_size);
  CHECK(e2b.layers == 16LL * (4 * 768 + 4 * 768 * 768 + 2 * 64 + 3 * 768 * 3072 + 7 * 4));
  CHECK(e2b.position_table == 2LL * 10240 * 768);
  CHECK(e2b.tower() == 167'365'056);
  CHECK(e2b.embed_vision == 1'179'648);
  CHECK(count_vision_parameters(E4B::vision, E4B::text.hidden_size).embed_vision == 1'966'080);
  const VisionParameterCounts moe =
      count_vision_parameters(MoE26B_A4B::vision, MoE26B_A4B::text.hidden_size);
  CHECK(moe.tower() == 569'550'384);
  CHECK(moe.standardize == 2304);
  CHECK(moe.embed_vision == 3'244'032);
  const VisionParameterCounts d31 =
      count_vision_parameters(Dense31B::vision, Dense31B::text.hidden_size);
  CHECK(d31.tower() == 569'550'384);
  CHECK(d31.embed_vision == 6'193'152);
  CHECK(describe_vision(E2B::vision, 1536).find("167 365 056") != std::string::npos);
}

TEST_CASE("the whole model: totals with and without towers (variants.md 6.1, 6.2), modalities") {
  const auto e2b = count_model_parameters(hub_config_of<E2B>());
  CHECK(e2b.without_towers() == 4'628'569'379);
  CHECK(e2b.towers() == 167'365'056 + 1'179'648 + 304'825'088 + 2'359'296);
  CHECK(e2b.with_towers() == 5'104'298'467);  // model card: 5.1 B with embeddings
  CHECK(std::round(e2b.with_towers() / 1e8) == 51);
  CHECK(std::round(e2b.without_embedding_tables() / 1e6) == 2353);  // 2.353 B
  const auto e4b = count_model_parameters(hub_config_of<E4B>());
  CHECK(e4b.without_towers() == 7'463'013'418);
  CHECK(e4b.with_towers() == 7'941'101'802);                        // model card: 8 B
  CHECK(std::round(e4b.without_embedding_tables() / 1e6) == 4451);  // the card's 4.5 B
  const auto moe = count_model_parameters(hub_config_of<MoE26B_A4B>());
  CHECK_FALSE(moe.audio.has_value());
  CHECK(moe.without_towers() == 25'233'141'790);  // model card: 25.2 B, without the tower
  CHECK(moe.with_towers() == 25'805'936'206);
  CHECK(std::round(moe.active_with_towers() / 1e6) == 4395);  // 3.823 B + vision 0.573 B
  const auto d31 = count_model_parameters(hub_config_of<Dense31B>());
  CHECK(d31.without_towers() == 30'697'345'340);  // model card: 30.7 B
  CHECK(d31.with_towers() == 31'273'088'876);
  CHECK(d31.active_with_towers() == d31.with_towers());  // dense

  const std::string a = describe_model(hub_config_of<E2B>(), "E2B");
  CHECK(a.find("takes                     text, image (and video frames), audio\n") !=
        std::string::npos);
  CHECK(a.find("5 104 298 467") != std::string::npos);
  CHECK(a.find("4 628 569 379") != std::string::npos);
  const std::string b = describe_model(hub_config_of<Dense31B>(), "31B");
  CHECK(b.find("text, image (and video frames); no audio tower") != std::string::npos);
  CHECK(b.find("31 273 088 876") != std::string::npos);
  CHECK(b.find("without embedding tables") == std::string::npos);  // no PLE: not a card figure
  HubConfig text_only = hub_config_of<E2B>();
  text_only.vision.reset(), text_only.audio.reset();
  CHECK(describe_model(text_only, "E2B text").find("text; no vision tower; no audio tower") !=
        std::string::npos);
  CHECK(count_model_parameters(text_only).with_towers() == 4'628'569'379);
}
