// gemma4/multimodal/merge.hpp: how soft tokens from the towers enter the text decoder (HF
// `Gemma4Model.forward`, spec multimodal-merge.md §1-§7).
//
// For ids [T] with placeholders already expanded (`<|image>` n x `<|image|>` `<image|>`, ...):
//
//   type[t]   = 1 image, 2 video, 3 audio placeholder, else 0              mm_token_type_ids [T]
//   ids'[t]   = pad_token_id where type[t] != 0, else ids[t]                llm_input_ids     [T]
//   h_0       = embed_tokens[ids'] * sqrt(H), then
//   h_0[image rows] = image features (all images, in order), video rows likewise,
//   h_0[audio rows] = audio features (valid frames, clips in order)   -- written UNSCALED
//   PLE       token part from ids' (the pad row at placeholders), context part from h_0
//   block[t]  = index of the maximal run of type in {1, 2} containing t, else -1
//                                                                       block_sequence_ids [T]
//   masks     full:    k <= q
//             sliding: k > q - W and (k <= q or block[q] == block[k] >= 0)   (the overlay applies
//             only when use_bidirectional_attention == "vision"; else block = -1 everywhere)
//
// The placeholder and boundary ids come from config.json (the tiny fixtures move them into their
// small vocabulary): never hard-code them. BOI/EOI/BOA/EOA are ordinary text tokens.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "gemma4/io/config_json.hpp"
#include "gemma4/text/attention.hpp"
#include "gemma4/text/config.hpp"
#include "gemma4/text/model.hpp"

namespace gemma4 {

/// mm_token_type_ids values (HF `ProcessorMixin.create_mm_token_type_ids`).
enum class TokenType : int { Text = 0, Image = 1, Video = 2, Audio = 3 };

/// The ids the merge needs: the special ids of the wrapper config and the text pad id.
struct MergeIds {
  SpecialTokenIds special;
  TokenId pad = 0;

  TokenType type_of(TokenId id) const {
    if (id == special.image_token_id) return TokenType::Image;
    if (id == special.video_token_id) return TokenType::Video;
    if (id == special.audio_token_id) return TokenType::Audio;
    return TokenType::Text;
  }
};

/// Checks the ids against the text config (spec §1): every special id inside the vocabulary
/// (and the PLE table), the pad id neither a placeholder nor outside the tables, and the three
/// placeholder ids distinct. `where` names the config file in the error.
inline void check_merge_ids(const MergeIds& m, const TextConfig& c, std::string_view where) {
  const SpecialTokenIds& s = m.special;
  const std::pair<const char*, int> ids[] = {
      {"boi_token_id", s.boi_token_id},     {"eoi_token_id", s.eoi_token_id},
      {"image_token_id", s.image_token_id}, {"video_token_id", s.video_token_id},
      {"boa_token_id", s.boa_token_id},     {"eoa_token_index", s.eoa_token_id},
      {"audio_token_id", s.audio_token_id}, {"pad_token_id", m.pad}};
  const int limit =
      c.has_ple() ? std::min(c.vocab_size, c.vocab_size_per_layer_input) : c.vocab_size;
  for (const auto& [key, id] : ids)
    if (id < 0 || id >= limit)
      detail::fail(where, ": ", key, " = ", id, " is outside the embedding table [0, ", limit, ")");
  if (m.type_of(m.pad) != TokenType::Text)
    detail::fail(where, ": pad_token_id = ", m.pad,
                 " is a placeholder id; placeholders are replaced by the pad id, so they must "
                 "differ");
  if (s.image_token_id == s.audio_token_id || s.image_token_id == s.video_token_id ||
      s.video_token_id == s.audio_token_id)
    detail::fail(where, ": image_token_id, video_token_id and audio_token_id must differ (",
                 s.image_token_id, ", ", s.video_token_id, ", ", s.audio_token_id, ")");
}

/// The merge ids of a config.json document (wrapper keys + text_config.pad_token_id), checked.
inline MergeIds merge_ids_from_json(const nlohmann::json& root, const TextConfig& c,
                                    std::string_view where) {
  MergeIds m{special_token_ids_from_json(root, where), c.pad_token_id};
  check_merge_ids(m, c, where);
  return m;
}

/// mm_token_type_ids of a sequence [T].
inline std::vector<int> mm_token_type_ids(std::span<const TokenId> ids, const MergeIds& m) {
  std::vector<int> types(ids.size());
  for (std::size_t t = 0; t < ids.size(); ++t) types[t] = static_cast<int>(m.type_of(ids[t]));
  return types;
}

/// llm_input_ids: every placeholder replaced by the pad id (for the embedding and PLE lookups).
inline std::vector<TokenId> llm_input_ids(std::span<const TokenId> ids, const MergeIds& m) {
  std::vector<TokenId> out(ids.begin(), ids.end());
  for (TokenId& id : out)
    if (m.type_of(id) != TokenType::Text) id = m.pad;
  return out;
}

/// block_sequence_ids: each maximal run of image/video types (1 or 2) gets the next block index
/// 0, 1, ...; every other position -1. [1,1,2,2,0,1] -> [0,0,0,0,-1,1] (spec §6).
inline std::vector<int> vision_block_ids(std::span<const int> types) {
  std::vector<int> block(types.size(), -1);
  int next = -1;
  for (std::size_t t = 0; t < types.size(); ++t) {
    const bool vision = types[t] == 1 || types[t] == 2;
    if (!vision) continue;
    if (t == 0 || block[t - 1] < 0) ++next;  // a run starts
    block[t] = next;
  }
  return block;
}

/// The attention mask of one layer type over a whole sequence [T, T] (1 = may attend), with
/// the vision overlay when `block` is not all -1: what the fixtures store as mask_sliding and
/// mask_full.
template <class C>
RowMatrix<C> attention_mask_matrix(LayerType type, std::span<const int> block, int window) {
  const auto n = static_cast<Eigen::Index>(block.size());
  const VisionBlocks blocks{block, 0};
  RowMatrix<C> mask(n, n);
  for (Eigen::Index q = 0; q < n; ++q)
    for (Eigen::Index k = 0; k < n; ++k)
      mask(q, k) = attention_allowed(type, q, k, window, blocks.same(q, k)) ? C(1) : C(0);
  return mask;
}

/// Soft tokens of one kind, stacked in prompt order, handed out placeholder by placeholder
/// across forward calls (a chunk may end inside an image on causal models).
template <class C>
class SoftTokenQueue {
 public:
  SoftTokenQueue() = default;
  /// items: one matrix [n_i, H] per image / frame / clip, in prompt order.
  SoftTokenQueue(std::span<const RowMatrix<C>> items, Eigen::Index width) : width_(width) {
    Eigen::Index rows = 0;
    for (const auto& m : items) {
      if (m.rows() > 0 && m.cols() != width)
        detail::fail("soft tokens of width ", m.cols(), " for a text hidden size of ", width);
      rows += m.rows();
    }
    stacked_.resize(rows, width);
    Eigen::Index at = 0;
    for (const auto& m : items) {
      if (m.rows() == 0) continue;
      stacked_.middleRows(at, m.rows()) = m;
      at += m.rows();
    }
  }
  Eigen::Index size() const { return stacked_.rows(); }
  Eigen::Index remaining() const { return stacked_.rows() - next_; }
  const RowMatrix<C>& all() const { return stacked_; }
  /// The next soft token (a row of width H); the caller checked remaining() > 0.
  auto take() { return stacked_.row(next_++); }

 private:
  RowMatrix<C> stacked_;
  Eigen::Index width_ = 0;
  Eigen::Index next_ = 0;
};

/// Builds the SoftTokens of one forward call over `ids` (the original ids, placeholders
/// included): the rows of every placeholder, filled from the queues in order, and the vision
/// blocks when `overlay` is on. A placeholder with no soft token left is an error naming the
/// kind and the position.
template <class C>
SoftTokens<C> soft_tokens_for_call(std::span<const TokenId> ids, const MergeIds& m,
                                   SoftTokenQueue<C>& images, SoftTokenQueue<C>& videos,
                                   SoftTokenQueue<C>& audio, Eigen::Index width, bool overlay,
                                   Eigen::Index first_pos = 0) {
  SoftTokens<C> soft;
  std::vector<Eigen::Index> rows;
  for (std::size_t t = 0; t < ids.size(); ++t)
    if (m.type_of(ids[t]) != TokenType::Text) rows.push_back(static_cast<Eigen::Index>(t));
  soft.values.resize(static_cast<Eigen::Index>(rows.size()), width);
  for (std::size_t j = 0; j < rows.size(); ++j) {
    const TokenType type = m.type_of(ids[static_cast<std::size_t>(rows[j])]);
    SoftTokenQueue<C>& q = type == TokenType::Image   ? images
                           : type == TokenType::Video ? videos
                                                      : audio;
    if (q.remaining() == 0)
      detail::fail("multimodal prompt: the ",
                   type == TokenType::Image   ? "image"
                   : type == TokenType::Video ? "video"
                                              : "audio",
                   " placeholder at position ", first_pos + rows[j], " has no soft token left (",
                   q.size(), " given)");
    soft.values.row(static_cast<Eigen::Index>(j)) = q.take();
  }
  soft.rows = std::move(rows);
  if (overlay) {
    const std::vector<int> types = mm_token_type_ids(ids, m);
    soft.vision_block = vision_block_ids(types);
  }
  return soft;
}

}  // namespace gemma4
