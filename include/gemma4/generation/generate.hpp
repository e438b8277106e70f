// gemma4/generation/generate.hpp: text generation with the KV cache: prefill, then one token at a
// time.
//
//   prefill   logits = model.forward(prompt, cache, Last)          all prompt ids in one call
//   decode    t_n ~ sample(logits, history)                        gemma4/generation/sampling.hpp
//             stop if t_n is a stop id (<eos> 1, <turn|> 106, <|tool_response> 50 by default,
//             spec tokenizer.md §7), if the text ends with a stop string, if max_new_tokens
//             tokens were generated, or if the token callback says so;
//             else logits = model.forward({t_n}, cache, Last)
//
// The token that ends generation is returned but never fed to the model, so afterwards the cache
// holds prompt + generated[0 .. n-2]. The repetition penalty sees the whole sequence (prompt
// included), as HF's does. Everything works on ids; a Tokenizer is optional and adds streamed
// text (StreamDecoder: a callback receives text as soon as it is complete UTF-8; a stop token's
// own text is not emitted) and stop strings (text that could still become a stop string is held
// back until it cannot).
//
// Multi-turn (Conversation): the cache of the previous turns is reused when the new prompt
// extends the ids already in the cache (only the new suffix is prefilled). If it does not (the
// template strips thoughts and the empty thought channel from history, re-tokenising an answer
// may merge pieces differently, the cache cannot be rolled back), the cache is dropped and the
// prompt prefilled from an empty cache; result.reused_tokens says which happened. Two history
// policies: Rerender (default) renders the whole conversation with the chat template every turn,
// exactly the prompt HF would build; KeepTokens appends the new turn to the ids the model
// actually saw (its generated tokens, thoughts included), so the cache is always reused.
//
// Images and audio (a multimodal Model, multimodal/model.hpp): generate(model, cache, prompt,
// media, ...) feeds the soft tokens in the prefill; Conversation::respond(message, media, ...)
// expands a turn's image and audio items to their real counts and keeps every turn's media, so
// the cache is reused across turns as for text.
//
//   auto model = gemma4::TextModel<gemma4::Dynamic, float>::load(dir);
//   auto tok = gemma4::Tokenizer::from_file(dir / "tokenizer.json");
//   gemma4::GenerateOptions opt;
//   opt.on_text = [](std::string_view s) { std::cout << s << std::flush; };
//   gemma4::Conversation chat(model, &tok);
//   gemma4::GenerationResult r = chat.say("Hello!", opt);
//   std::cout << "\n" << r.decode_tokens_per_second() << " tok/s\n";
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gemma4/core/error.hpp"
#include "gemma4/core/token.hpp"
#include "gemma4/generation/sampling.hpp"
#include "gemma4/multimodal/model.hpp"
#include "gemma4/text/model.hpp"
#include "gemma4/tokenizer/answer_parser.hpp"
#include "gemma4/tokenizer/chat_template.hpp"
#include "gemma4/tokenizer/tokenizer.hpp"

namespace gemma4 {

/// The stop ids of Gemma 4 chat generation: <eos>, <turn|>, <|tool_response> (spec §7).
inline constexpr TokenId kEosId = 1;
inline constexpr TokenId kBosId = 2;
inline constexpr TokenId kEndOfTurnId = 106;
inline constexpr TokenId kToolResponseId = 50;

enum class StopReason { None, StopToken, StopString, MaxTokens, Callback };

inline std::string_view stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::None:
      return "none";
    case StopReason::StopToken:
      return "stop token";
    case StopReason::StopString:
      return "stop string";
    case StopReason::MaxTokens:
      return "max tokens";
    case StopReason::Callback:
      return "callback";
  }
  return "?";
}

struct GenerateOptions {
  std::size_t max_new_tokens = 256;
  SamplingParams sampling = {.temperature = 0.0};  // greedy unless asked otherwise
  std::vector<TokenId> stop_ids = {kEosId, kEndOfTurnId, kToolResponseId};
  std::vector<std::string> stop_strings;  // needs a tokenizer
  /// Streamed text (needs a tokenizer): called with each piece that became final UTF-8.
  std::function<void(std::string_view)> on_text;
  /// Called with every generated id (the stop id too); return false to stop after it.
  std::function<bool(TokenId)> on_token;
  bool skip_special_tokens = false;  // for the text (the stop id's text is never included)
};

struct GenerationResult {
  std::vector<TokenId> ids;  // generated ids, the one that stopped generation included
  std::string text;          // decoded (with a tokenizer), without the stop id / stop string
  StopReason stop_reason = StopReason::None;
  std::size_t reused_tokens = 0;   // prompt ids found in the cache (not prefilled again)
  std::size_t prefill_tokens = 0;  // prompt ids fed in the prefill call
  double prefill_seconds = 0;
  std::size_t decode_tokens = 0;  // one-token forward calls after the prefill
  double decode_seconds = 0;      // time of those calls
  double sample_seconds = 0;      // time spent sampling and decoding text

  double prefill_tokens_per_second() const {
    return prefill_seconds > 0 ? static_cast<double>(prefill_tokens) / prefill_seconds : 0.0;
  }
  double decode_tokens_per_second() const {
    return decode_seconds > 0 ? static_cast<double>(decode_tokens) / decode_seconds : 0.0;
  }
};

namespace detail {

using Clock = std::chrono::steady_clock;
inline double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Streams text, holding back what could still turn into one of the stop strings.
class TextStream {
 public:
  TextStream(const Tokenizer* tok, const GenerateOptions& o)
      : o_(o),
        decoder_(tok ? std::optional<StreamDecoder>(std::in_place, *tok, o.skip_special_tokens)
                     : std::nullopt) {
    if (!tok && !o.stop_strings.empty())
      fail("generate: stop strings need a tokenizer to see the text");
    for (const auto& s : o.stop_strings)
      if (s.empty()) fail("generate: empty stop string");
  }

  /// Adds one generated id; true if a stop string has appeared (text is cut before it).
  bool push(TokenId id) {
    if (!decoder_) return false;
    text_ += decoder_->push(id);
    return flush(false);
  }

  /// End of generation: emits what was held back.
  void finish() {
    if (!decoder_ || stopped_) return;
    text_ += decoder_->finish();
    flush(true);
  }

  std::string take_text() {
    text_.resize(emitted_);
    return std::move(text_);
  }

 private:
  bool flush(bool at_end) {
    std::size_t limit = text_.size();
    for (const auto& s : o_.stop_strings) {
      // Only the new part can complete a stop string: search from before the emitted end.
      const std::size_t from = emitted_ > s.size() ? emitted_ - s.size() : 0;
      const std::size_t pos = text_.find(s, from);
      if (pos != std::string::npos && pos < limit) {
        limit = pos;
        stopped_ = true;
      }
    }
    if (!stopped_ && !at_end) {
      // Hold back the longest suffix that is a proper prefix of a stop string.
      std::size_t hold = 0;
      for (const auto& s : o_.stop_strings)
        for (std::size_t k = std::min(s.size() - 1, text_.size()); k > hold; --k)
          if (std::string_view(text_).substr(text_.size() - k) ==
              std::string_view(s).substr(0, k)) {
            hold = k;
            break;
          }
      limit = std::max(emitted_, text_.size() - hold);
    }
    if (limit > emitted_ && o_.on_text)
      o_.on_text(std::string_view(text_).substr(emitted_, limit - emitted_));
    emitted_ = std::max(emitted_, limit);
    return stopped_;
  }

  const GenerateOptions& o_;
  std::optional<StreamDecoder> decoder_;
  std::string text_;
  std::size_t emitted_ = 0;
  bool stopped_ = false;
};

template <class Row>
auto logits_row(const Row& logits) {
  using C = typename Row::Scalar;
  return std::span<const C>(logits.data() + (logits.rows() - 1) * logits.cols(),
                            static_cast<std::size_t>(logits.cols()));
}

}  // namespace detail

/// The generation loop of generate(): `prefill(prompt, cache)` returns the logits [1, V] of the
/// prompt's last position (a multimodal model feeds its images and clips there); every later step
/// feeds one sampled id.
template <class Model, class Prefill>
GenerationResult generate_with(const Model& model, typename Model::Cache& cache,
                               std::span<const TokenId> prompt, const GenerateOptions& options,
                               const Tokenizer* tokenizer, std::span<const TokenId> context,
                               Prefill&& prefill) {
  if (prompt.empty()) detail::fail("generate: empty prompt (nothing to compute logits from)");
  GenerationResult r;
  Sampler sampler(options.sampling);
  detail::TextStream stream(tokenizer, options);
  std::vector<TokenId> history(context.begin(), context.end());
  history.insert(history.end(), prompt.begin(), prompt.end());

  auto t0 = detail::Clock::now();
  auto logits = prefill(prompt, cache);  // [1, V]
  r.prefill_seconds = detail::seconds_since(t0);
  r.prefill_tokens = prompt.size();

  while (r.ids.size() < options.max_new_tokens) {
    auto ts = detail::Clock::now();
    const TokenId next = sampler.sample(detail::logits_row(logits), history);
    r.ids.push_back(next);
    history.push_back(next);
    const bool is_stop_id =
        std::find(options.stop_ids.begin(), options.stop_ids.end(), next) != options.stop_ids.end();
    bool stop_string = false;
    if (!is_stop_id) stop_string = stream.push(next);
    const bool callback_stop = options.on_token && !options.on_token(next);
    r.sample_seconds += detail::seconds_since(ts);
    if (is_stop_id) {
      r.stop_reason = StopReason::StopToken;
      break;
    }
    if (stop_string) {
      r.stop_reason = StopReason::StopString;
      break;
    }
    if (callback_stop) {
      r.stop_reason = StopReason::Callback;
      break;
    }
    if (r.ids.size() == options.max_new_tokens) break;
    auto td = detail::Clock::now();
    const TokenId one[] = {next};
    logits = model.forward(std::span<const TokenId>(one), cache, LogitsFor::Last);
    r.decode_seconds += detail::seconds_since(td);
    ++r.decode_tokens;
  }
  if (r.stop_reason == StopReason::None) r.stop_reason = StopReason::MaxTokens;
  stream.finish();
  r.text = stream.take_text();
  return r;
}

/// Generates after `prompt`, which is fed at positions cache.size() ... (the cache may already
/// hold earlier ids; pass them as `context` so the repetition penalty sees them). `prompt` must
/// not be empty. The cache ends holding prompt + result.ids without the last id.
template <class Model>
GenerationResult generate(const Model& model, typename Model::Cache& cache,
                          std::span<const TokenId> prompt, const GenerateOptions& options,
                          const Tokenizer* tokenizer = nullptr,
                          std::span<const TokenId> context = {}) {
  return generate_with(model, cache, prompt, options, tokenizer, context,
                       [&](std::span<const TokenId> p, typename Model::Cache& c) {
                         return model.forward(p, c, LogitsFor::Last);
                       });
}

/// generate() for a multimodal model (multimodal/model.hpp): the prompt's placeholders take the
/// soft tokens of `media` in the prefill.
template <class Model, class MediaT>
GenerationResult generate(const Model& model, typename Model::Cache& cache,
                          std::span<const TokenId> prompt, const MediaT& media,
                          const GenerateOptions& options, const Tokenizer* tokenizer = nullptr,
                          std::span<const TokenId> context = {}) {
  return generate_with(model, cache, prompt, options, tokenizer, context,
                       [&](std::span<const TokenId> p, typename Model::Cache& c) {
                         return model.forward(p, media, c, LogitsFor::Last);
                       });
}

/// generate() over a fresh cache.
template <class Model>
GenerationResult generate(const Model& model, std::span<const TokenId> prompt,
                          const GenerateOptions& options, const Tokenizer* tokenizer = nullptr) {
  auto cache = model.make_cache();
  return generate(model, cache, prompt, options, tokenizer);
}

namespace detail {
/// A model's compute type (float for a model type that does not say, e.g. a scripted test model).
template <class M>
struct model_compute {
  using type = float;
};
template <class M>
requires requires {
  typename M::Compute;
}
struct model_compute<M> {
  using type = typename M::Compute;
};
template <class M>
using model_compute_t = typename model_compute<M>::type;
}  // namespace detail

/// A multi-turn conversation that keeps its KV cache between turns (see the top of this file).
template <class Model>
class Conversation {
 public:
  enum class History { Rerender, KeepTokens };

  explicit Conversation(const Model& model, const Tokenizer* tokenizer = nullptr,
                        ChatOptions chat = {}, History history = History::Rerender)
      : model_(&model),
        tokenizer_(tokenizer),
        chat_(std::move(chat)),
        history_(history),
        cache_(model.make_cache()) {}

  /// Id level: generates after `prompt`, the whole token sequence of the conversation so far.
  /// If it extends the ids in the cache only the new suffix is prefilled, otherwise the cache is
  /// restarted. A prompt equal to the cached ids is also prefilled from scratch (the logits of
  /// its last position are not kept).
  GenerationResult generate(std::span<const TokenId> prompt, const GenerateOptions& options) {
    return generate_reusing(prompt, [&](std::span<const TokenId> suffix) {
      return gemma4::generate(*model_, cache_, suffix, options, tokenizer_,
                              std::span<const TokenId>(cached_));
    });
  }

  /// Text level (needs a tokenizer): adds a user message, generates the model's answer and adds
  /// it to the history (thought kept in Message::reasoning; the template strips it).
  GenerationResult say(std::string_view user_text, const GenerateOptions& options) {
    Message m;
    m.role = Role::User;
    m.content = std::string(user_text);
    return respond(std::move(m), options);
  }

  /// Adds `message` (user, or tool results) and generates the model's answer.
  GenerationResult respond(Message message, const GenerateOptions& options) {
    if (!tokenizer_) fail_no_tokenizer();
    if constexpr (requires { model_->merge_ids(); })  // earlier turns' media are in the history
      if (!image_counts_.empty() || !audio_counts_.empty() || !video_prompts_.empty())
        return respond(std::move(message), Media<detail::model_compute_t<Model>>{}, options);
    std::vector<TokenId> prompt;
    if (history_ == History::KeepTokens && !messages_.empty() && !cached_.empty() &&
        message.role == Role::User) {
      // The ids the model saw, then its last token: <turn|> is kept; another stop id (<eos>,
      // <|tool_response>) is replaced by <turn|>; an ordinary token (max tokens) is kept and the
      // turn closed after it.
      prompt = cached_;
      std::string suffix;
      const bool ended_turn = !last_ids_.empty() && last_ids_.back() == kEndOfTurnId;
      const bool other_stop =
          !last_ids_.empty() && (last_ids_.back() == kEosId || last_ids_.back() == kToolResponseId);
      if (!last_ids_.empty() && !other_stop) prompt.push_back(last_ids_.back());
      if (!ended_turn) suffix += tokens::turn_end;
      suffix +=
          "\n<|turn>user\n" + detail::py_strip(message.content) + "<turn|>\n" + generation_prompt();
      tokenizer_->encode_append(suffix, prompt);
    }
    messages_.push_back(std::move(message));
    if (prompt.empty()) prompt = tokenizer_->encode(render_chat(messages_, chat_));
    GenerationResult r = generate(prompt, options);
    messages_.push_back(answer_message(r.text));
    return r;
  }

  /// A user turn with images, audio and videos (multimodal models, multimodal/model.hpp): the
  /// image, audio and video items of `message.parts`, in order, are media.images[i],
  /// media.audio[j] and the frames of video k (media.video_frame_seconds[k] gives their times;
  /// features from Model::encode_image / encode_audio); each item is expanded to its real count
  /// (a video per frame: "mm:ss <|image> n x <|video|> <image|>", expand_video).
  /// The media of earlier turns are kept, so a prompt that no longer extends the cache (the
  /// template rewrote history) is prefilled again with all of them; otherwise only the new
  /// suffix and its media are fed. Always re-renders (History::KeepTokens applies to text turns).
  GenerationResult respond(Message message, const Media<detail::model_compute_t<Model>>& media,
                           const GenerateOptions& options) {
    using C = detail::model_compute_t<Model>;
    if (!tokenizer_) fail_no_tokenizer();
    std::size_t n_img = 0, n_aud = 0, n_vid = 0;
    for (const ContentPart& p : message.parts) {
      n_img += p.kind == ContentPart::Kind::Image;
      n_aud += p.kind == ContentPart::Kind::Audio;
      n_vid += p.kind == ContentPart::Kind::Video;
    }
    if (n_img != media.images.size() || n_aud != media.audio.size() ||
        n_vid != media.video_frame_seconds.size())
      detail::fail("Conversation: the message has ", n_img, " image, ", n_aud, " audio and ", n_vid,
                   " video items but ", media.images.size(), " images, ", media.audio.size(),
                   " clips and ", media.video_frame_seconds.size(), " videos were given");
    // Each video: its frames (equal soft-token counts) and their times.
    std::vector<VideoPrompt> videos;
    std::size_t frame = 0;
    for (const auto& seconds : media.video_frame_seconds) {
      VideoPrompt v{seconds, 0};
      for (std::size_t f = 0; f < seconds.size(); ++f, ++frame) {
        if (frame >= media.video_frames.size())
          detail::fail("Conversation: the videos' frame times list more frames than the ",
                       media.video_frames.size(), " video_frames given");
        const auto n = static_cast<std::size_t>(media.video_frames[frame].rows());
        if (f > 0 && n != v.tokens_per_frame)
          detail::fail("Conversation: frames of one video must have equal soft-token counts (",
                       v.tokens_per_frame, " and ", n, ")");
        v.tokens_per_frame = n;
      }
      videos.push_back(std::move(v));
    }
    if (frame != media.video_frames.size())
      detail::fail("Conversation: ", media.video_frames.size(),
                   " video frames but the frame "
                   "times list ",
                   frame);
    for (const auto& m : media.images) image_counts_.push_back(static_cast<std::size_t>(m.rows()));
    for (const auto& m : media.audio) audio_counts_.push_back(static_cast<std::size_t>(m.rows()));
    video_prompts_.insert(video_prompts_.end(), videos.begin(), videos.end());
    Media<C>& all = media_;
    all.images.insert(all.images.end(), media.images.begin(), media.images.end());
    all.audio.insert(all.audio.end(), media.audio.begin(), media.audio.end());
    all.video_frames.insert(all.video_frames.end(), media.video_frames.begin(),
                            media.video_frames.end());
    messages_.push_back(std::move(message));
    const std::string text = expand_placeholders(render_chat(messages_, chat_), image_counts_,
                                                 audio_counts_, video_prompts_);
    const std::vector<TokenId> prompt = tokenizer_->encode(text);

    GenerationResult r = generate_reusing(prompt, [&](std::span<const TokenId> suffix) {
      const Media<C> fed = media_after(all, std::span<const TokenId>(cached_));
      return gemma4::generate(*model_, cache_, suffix, fed, options, tokenizer_,
                              std::span<const TokenId>(cached_));
    });
    messages_.push_back(answer_message(r.text));
    return r;
  }

  /// Adds a message without generating (e.g. a system message before the first turn).
  void add(Message m) { messages_.push_back(std::move(m)); }

  const std::vector<Message>& messages() const { return messages_; }
  std::span<const TokenId> cached_ids() const { return cached_; }
  const typename Model::Cache& cache() const { return cache_; }
  ChatOptions& chat_options() { return chat_; }

  /// Forgets the messages and the cache.
  void reset() {
    messages_.clear();
    cached_.clear();
    last_ids_.clear();
    image_counts_.clear();
    audio_counts_.clear();
    video_prompts_.clear();
    media_ = {};
    cache_ = model_->make_cache();
  }

 private:
  [[noreturn]] static void fail_no_tokenizer() {
    detail::fail("Conversation: text turns need a tokenizer");
  }
  std::string generation_prompt() const {
    std::string g = "<|turn>model\n";
    if (!chat_.enable_thinking && chat_.empty_thought_when_not_thinking)
      g += "<|channel>thought\n<channel|>";
    return g;
  }

  // Restarts the cache unless `prompt` extends the cached ids, runs run(uncached suffix), and
  // records what the cache then holds.
  template <class Run>
  GenerationResult generate_reusing(std::span<const TokenId> prompt, Run&& run) {
    const bool extends = prompt.size() > cached_.size() &&
                         std::equal(cached_.begin(), cached_.end(), prompt.begin());
    if (!extends) {
      cache_ = model_->make_cache();
      cached_.clear();
    }
    const std::size_t reused = cached_.size();
    GenerationResult r = run(prompt.subspan(reused));
    r.reused_tokens = reused;
    cached_.assign(prompt.begin(), prompt.end());
    if (!r.ids.empty()) cached_.insert(cached_.end(), r.ids.begin(), r.ids.end() - 1);
    last_ids_ = r.ids;
    return r;
  }

  // The soft tokens still to feed after the ids in `cached` (whose placeholders took the first
  // rows of each kind, in order).
  template <class C>
  Media<C> media_after(const Media<C>& all, std::span<const TokenId> cached) const {
    const MergeIds& m = model_->merge_ids();
    Eigen::Index skip_img = 0, skip_aud = 0, skip_vid = 0;
    for (const TokenId id : cached) {
      skip_img += m.type_of(id) == TokenType::Image;
      skip_aud += m.type_of(id) == TokenType::Audio;
      skip_vid += m.type_of(id) == TokenType::Video;
    }
    auto tail = [](const std::vector<RowMatrix<C>>& items, Eigen::Index skip) {
      std::vector<RowMatrix<C>> out;
      for (const auto& item : items) {
        const Eigen::Index drop = std::min(skip, item.rows());
        skip -= drop;
        if (drop < item.rows()) out.push_back(item.bottomRows(item.rows() - drop));
      }
      return out;
    };
    Media<C> out;
    out.images = tail(all.images, skip_img);
    out.audio = tail(all.audio, skip_aud);
    out.video_frames = tail(all.video_frames, skip_vid);
    return out;
  }

  const Model* model_;
  const Tokenizer* tokenizer_;
  ChatOptions chat_;
  History history_;
  typename Model::Cache cache_;
  std::vector<TokenId> cached_;    // ids whose keys/values are in cache_, in order
  std::vector<TokenId> last_ids_;  // ids generated by the last turn
  std::vector<Message> messages_;
  std::vector<std::size_t> image_counts_, audio_counts_;  // soft tokens per image / clip so far
  std::vector<VideoPrompt> video_prompts_;                // and the videos' frames
  Media<detail::model_compute_t<Model>> media_;  // their soft tokens, in order (multimodal models)
};

}  // namespace gemma4
