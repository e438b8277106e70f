#!/usr/bin/env bash
# examples/gemma4/cli_init_test.sh GEMMA4 DT INIT_ARGS...: the ctest cli_init_E2B_multimodal.
#
# Runs `gemma4 init INIT_ARGS --seed 1 --out <tmp>` and then the vision and audio paths of the
# checkpoint it wrote through the CLI: `gemma4 image` on a 64x48 picture at budget 70 (4:3 ->
# 432x336 -> 9 x 7 = 63 soft tokens) and `gemma4 audio` on a 0.5 s 16 kHz clip (13 soft tokens),
# both with --model. Both inputs are written here (a PPM and a WAV), so nothing outside the
# repository is needed. Checks the soft-token shapes [63, DT] and [13, DT] (DT: the text hidden
# size, 1536 for E2B). With GEMMA4_TOKENIZER_JSON set it also runs one `gemma4 generate` turn
# with the picture and the clip.
set -euo pipefail
cli=$1
hidden=$2
shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 64x48 RGB: red grows across, green down, a blue 8-pixel checkerboard.
{
  printf 'P6\n64 48\n255\n'
  for ((y = 0; y < 48; y++)); do
    for ((x = 0; x < 64; x++)); do
      printf -v rgb '\\x%02x\\x%02x\\x%02x' $((x * 4)) $((y * 5)) $(((x / 8 + y / 8) % 2 * 200))
      printf "$rgb"
    done
  done
} >"$tmp/picture.ppm"

# 0.5 s of 16 kHz mono PCM16: a 1 kHz square wave of amplitude 8000 (16-sample period).
{
  printf 'RIFF\xa4\x3e\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00'
  printf '\x80\x3e\x00\x00\x00\x7d\x00\x00\x02\x00\x10\x00data\x80\x3e\x00\x00'
  period=$(printf '\x40\x1f%.0s' 1 2 3 4 5 6 7 8; printf '\xc0\xe0%.0s' 1 2 3 4 5 6 7 8)
  for ((i = 0; i < 500; i++)); do printf '%s' "$period"; done
} >"$tmp/clip.wav"

"$cli" init "$@" --seed 1 --out "$tmp/model"

"$cli" image "$tmp/picture.ppm" --budget 70 --model "$tmp/model" --out "$tmp/image.safetensors" |
  tee "$tmp/image.txt"
grep -q "image_features \[63, $hidden\]" "$tmp/image.txt" ||
  { echo "FAIL: expected image_features [63, $hidden]"; exit 1; }

"$cli" audio "$tmp/clip.wav" --model "$tmp/model" --out "$tmp/audio.safetensors" |
  tee "$tmp/audio.txt"
grep -q "\[13, $hidden\]" "$tmp/audio.txt" || { echo "FAIL: expected audio [13, $hidden]"; exit 1; }
test -s "$tmp/image.safetensors" && test -s "$tmp/audio.safetensors"

# One turn of the whole model with both inputs, when the real tokenizer is at hand (the ctest
# gets it from the tokenizer fixture): the prompt's image and audio items expand to the same
# counts, and three tokens are generated.
if [ -n "${GEMMA4_TOKENIZER_JSON:-}" ]; then
  "$cli" generate --model "$tmp/model" --tokenizer "$GEMMA4_TOKENIZER_JSON" \
    --image "$tmp/picture.ppm" --image-budget 70 --audio "$tmp/clip.wav" \
    --max-tokens 3 --temperature 0 "What do you see and hear?" 2>&1 | tee "$tmp/turn.txt"
  grep -q "picture.ppm: 63 soft tokens" "$tmp/turn.txt" &&
    grep -q "clip.wav: 13 soft tokens" "$tmp/turn.txt" && grep -q "^\[3 tokens" "$tmp/turn.txt" ||
    { echo "FAIL: expected 63 image and 13 audio soft tokens and 3 generated tokens"; exit 1; }
fi
echo "OK"
