// examples/gemma4/cmd_audio.hpp: `gemma4 audio FILE.wav [options]`
//
//   --picture mel.png      the log-mel spectrogram as a PNG
//   --no-resample          refuse a file that is not 16 kHz (an error, as HF)
//   --model DIR            also run the audio tower and embed_audio of that model folder
//   --out F.safetensors    where audio_features goes (default audio_features.safetensors)
//   --dump T.safetensors   every intermediate under its golden key, for diffing other runtimes
//   --dtype float|bf16     number type of the model (default float)
//
// Reads a WAV file and prints what the audio path makes of it: the format, the duration, whether
// it was resampled to 16 kHz (and from what), the mel frames (valid / all) and the soft tokens
// (25 per second, at most 750). --picture draws the log-mel spectrogram as a PNG (time across,
// mel bins up, a colour scale: audio/picture.hpp). With --model it also runs the audio tower and
// embed_audio of that model folder and writes `audio_features` [tokens, text hidden] (float32)
// to a safetensors file; --dump also writes every intermediate under its golden key.
#pragma once

#include <chrono>
#include <cstdio>
#include <iostream>

#include <gemma4/audio.hpp>
#include <gemma4/audio/picture.hpp>
#include <gemma4/io/checkpoint_writer.hpp>
#include <gemma4/vision/image_file.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

template <class T>
void audio_run_model(const std::string& dir, const std::vector<double>& wave16k,
                     const std::string& out, const std::string& dump) {
  using C = compute_t<T>;
  const auto t0 = std::chrono::steady_clock::now();
  const auto model = AudioModel<Dynamic, T>::load(dir);
  const auto t1 = std::chrono::steady_clock::now();
  // --dump: every tap under its golden key (F64, I64 for integers) plus the input waveform, so
  // another runtime can be compared stage by stage (the format of gemma4 dump and golden/).
  std::vector<TensorWrite> taps;
  TapFn<C> record;
  if (!dump.empty()) {
    taps.push_back(tensor_from<double>("audio_waveform",
                                       {static_cast<std::int64_t>(wave16k.size())}, wave16k));
    record = [&](const Tap<C>& t) {
      const auto n = static_cast<std::size_t>(t.values.size());
      if (t.integer) {
        std::vector<std::int64_t> v(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int64_t>(t.values.data()[i]);
        taps.push_back(tensor_from<std::int64_t>(std::string(t.name), t.shape, std::move(v)));
      } else {
        std::vector<double> v(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(t.values.data()[i]);
        taps.push_back(tensor_from<double>(std::string(t.name), t.shape, std::move(v)));
      }
    };
  }
  const AudioSoftTokens<C> s = model.soft_tokens(wave16k, record);
  const auto t2 = std::chrono::steady_clock::now();
  const auto ms = [](auto a, auto b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  std::printf("model:        %s (load %.0f ms; features, tower and embed_audio %.0f ms)\n",
              dir.c_str(), ms(t0, t1), ms(t1, t2));
  std::printf("soft tokens:  [%lld, %lld] -> %s\n", static_cast<long long>(s.features.rows()),
              static_cast<long long>(s.features.cols()), out.c_str());
  std::vector<float> v(static_cast<std::size_t>(s.features.size()));
  for (Eigen::Index i = 0; i < s.features.size(); ++i)
    v[static_cast<std::size_t>(i)] = static_cast<float>(s.features.data()[i]);
  std::vector<TensorWrite> tensors;
  tensors.push_back(
      tensor_from<float>("audio_features", {s.features.rows(), s.features.cols()}, std::move(v)));
  write_safetensors(out, std::move(tensors), {{"format", "pt"}, {"producer", "gemma4 audio"}});
  if (!dump.empty()) {
    std::printf("taps:         %zu tensors -> %s\n", taps.size(), dump.c_str());
    write_safetensors(dump, std::move(taps), {{"format", "pt"}, {"producer", "gemma4 audio"}});
  }
}

inline int cmd_audio(int argc, char** argv) {
  Args args(argc, argv);
  const std::string picture = args.value("--picture");
  const std::string model = args.value("--model");
  const std::string out = args.value("--out", "audio_features.safetensors");
  const std::string dtype = args.value("--dtype", "float");
  const std::string dump = args.value("--dump");
  const bool refuse = args.flag("--no-resample");
  const auto files = args.positional();
  if (files.size() != 1) {
    std::cerr
        << "usage: gemma4 audio FILE.wav [--picture mel.png] [--no-resample]\n"
           "                    [--model DIR [--out F.safetensors] [--dump TAPS.safetensors]\n"
           "                                 [--dtype float|bf16]]\n";
    return 2;
  }
  const std::string& file = files[0];
  const WavAudio a = read_wav(file);
  const std::vector<double> x =
      to_model_rate(a, 16000, refuse ? ResamplePolicy::Refuse : ResamplePolicy::Resample, file);
  std::printf("file:         %s\n", file.c_str());
  std::printf("format:       %s, %d channel%s%s, %d Hz\n", a.format_name().c_str(), a.channels,
              a.channels == 1 ? "" : "s", a.channels == 1 ? "" : " (averaged to mono)",
              a.sample_rate);
  std::printf("duration:     %.3f s (%lld frames)\n", a.duration_seconds(),
              static_cast<long long>(a.frames()));
  if (a.sample_rate == 16000)
    std::printf("resampled:    no (already 16 kHz)\n");
  else
    std::printf("resampled:    yes, %d -> 16000 Hz (polyphase Kaiser-windowed sinc): %zu samples\n",
                a.sample_rate, x.size());
  const AudioFeatureConfig fc;
  if (static_cast<std::int64_t>(x.size()) > fc.max_length)
    std::printf("truncated:    to 30 s (%d samples), as the feature extractor does\n",
                fc.max_length);
  const auto f = log_mel_features<float>(std::span<const double>(x));
  std::printf("mel frames:   %lld (%lld valid), 128 bins\n", static_cast<long long>(f.frames()),
              static_cast<long long>(f.valid_frames()));
  std::printf("soft tokens:  %lld (25 per second, at most 750)\n",
              static_cast<long long>(audio_num_soft_tokens(static_cast<std::int64_t>(x.size()))));
  if (!picture.empty()) {
    const Image img = log_mel_picture(f.log_mel, f.mask);
    save_png(img, picture);
    std::printf("picture:      %s (%dx%d: time across, mel bins up, ln(mel + 1e-3) colour bar)\n",
                picture.c_str(), img.width, img.height);
  }
  if (!model.empty()) {
    if (dtype == "float" || dtype == "f32") {
      audio_run_model<float>(model, x, out, dump);
    } else if (dtype == "bf16") {
      audio_run_model<Eigen::bfloat16>(model, x, out, dump);
    } else {
      std::cerr << "unknown --dtype " << dtype << " (float, bf16)\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace gemma4::cli
