// make_corpus.mjs: the differential corpus. Generates a deterministic set of texts (fixed seed) and
// records what the reference Hugging Face tokenizers library (npm tokenizers@0.23.2, the Rust
// implementation) makes of them with the Gemma 4 tokenizer.json:
//   OUT_ENCODE (JSONL): {"text", "ids", "decoded"}  ids = encode(text, no special tokens added),
//                                                   decoded = decode(ids, skip_special=false)
//   OUT_DECODE (JSONL): {"ids", "decoded", "decoded_skip"}  random id sequences (byte pieces,
//                                                   specials, ...) and HF's decode of them
// The C++ test (tests/tokenizer/test_tokenizer_real.cpp) must reproduce every line.
//
// usage: node make_corpus.mjs NPM_DIR TOKENIZER_JSON OUT_ENCODE OUT_DECODE
//   NPM_DIR: the directory whose node_modules holds tokenizers@0.23.2.
import { createRequire } from "node:module";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [npmDir, tokenizerPath, outEncode, outDecode] = process.argv.slice(2);
if (!outDecode) {
  console.error("usage: node make_corpus.mjs NPM_DIR TOKENIZER_JSON OUT_ENCODE OUT_DECODE");
  process.exit(2);
}
const require = createRequire(join(npmDir, "package.json"));
const { Tokenizer } = require("tokenizers");
const tokenizer = Tokenizer.fromFile(tokenizerPath);

// ---- deterministic random numbers (mulberry32, seed fixed) ------------------------------------
let state = 0x6e6d6134;  // "gma4"
function rand() {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));  // inclusive
const pick = (a) => a[Math.floor(rand() * a.length)];
const cp = (c) => String.fromCodePoint(c);

// ---- ingredients ------------------------------------------------------------------------------
const SCRIPTS = [  // [first, last] code point ranges
  [0x20, 0x7e], [0xa0, 0xff], [0x100, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff], [0x530, 0x58f],
  [0x590, 0x5ff], [0x600, 0x6ff], [0x900, 0x97f], [0x980, 0x9ff], [0xe00, 0xe7f], [0x10a0, 0x10ff],
  [0x1100, 0x11ff], [0x1e00, 0x1eff], [0x2000, 0x206f], [0x2190, 0x22ff], [0x2500, 0x257f],
  [0x3040, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0xe000, 0xf8ff], [0xfb00, 0xfb4f],
  [0xfe00, 0xfe0f], [0xff00, 0xffef], [0xfff0, 0xffff], [0x1d400, 0x1d7ff], [0x1f300, 0x1faff],
  [0x20000, 0x2a6df], [0xe0000, 0xe007f], [0xf0000, 0x10ffff],
];
function randomScalar() {
  for (;;) {
    const c = rand() < 0.1 ? int(0, 0x10ffff) : (([a, b]) => int(a, b))(pick(SCRIPTS));
    if (c < 0xd800 || c > 0xdfff) return c;  // valid UTF-16/UTF-8 only: no surrogates
  }
}
const WORDS = [
  "the", "of", "and", "to", "in", "is", "that", "for", "it", "with", "as", "was", "on", "tokenizer",
  "model", "Gemma", "attention", "layer", "hello", "world", "Hello", "World", "quick", "brown",
  "fox", "jumps", "lazy", "dog", "naïve", "café", "façade", "Ünïcödé", "Straße", "größer",
  "español", "niño", "mañana", "français", "œuvre", "português", "ação", "Ελληνικά", "λόγος",
  "Привет", "мир", "русский", "українська", "日本語", "テキスト", "です", "東京", "中文", "汉字",
  "我们", "한국어", "안녕하세요", "العربية", "مرحبا", "עברית", "שלום", "हिन्दी", "नमस्ते", "ไทย",
  "สวัสดี", "Tiếng", "Việt", "ﬁne", "０１２３", "x²", "½", "∑", "∫", "→", "⇒", "✓", "✗", "€",
  "£", "¥", "©", "™", "…", "—", "–", "«", "»", "„", "“", "”", "‘", "’",
];
const EMOJI_BASE = [0x1f600, 0x1f680, 0x1f44d, 0x1f468, 0x1f469, 0x1f9d1, 0x1f3f3, 0x2764, 0x1f525,
                    0x1f389, 0x1f914, 0x1f4a9, 0x1f431, 0x1f30d, 0x1f9ea, 0x1fae0, 0x263a];
function emoji() {
  const r = rand();
  if (r < 0.25) return cp(pick(EMOJI_BASE)) + cp(int(0x1f3fb, 0x1f3ff));  // skin tone modifier
  if (r < 0.45) {  // ZWJ sequence
    const n = int(2, 4);
    return Array.from({ length: n }, () => cp(pick(EMOJI_BASE)) +
                                          (rand() < 0.3 ? cp(int(0x1f3fb, 0x1f3ff)) : ""))
        .join("\u200d");
  }
  if (r < 0.6) return cp(int(0x1f1e6, 0x1f1ff)) + cp(int(0x1f1e6, 0x1f1ff));  // flag pair
  if (r < 0.7) return pick("0123456789#*") + "\ufe0f\u20e3";                   // keycap
  if (r < 0.8) return cp(pick(EMOJI_BASE)) + "\ufe0f";
  if (r < 0.9) return "\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}";  // tag seq
  return cp(int(0x1f300, 0x1faff));
}
const SPACES = [" ", "  ", "\t", "\n", "\r\n", "\r", "\u00a0", "\u200b", "\u3000", "\u2581",
                "\u2581\u2581", "\f", "\v", "\u2028", "\ufeff"];
function whitespaceRun() {
  const unit = pick([" ", "\t", "\n", "\r\n", "\u2581", " \n", "\t "]);
  return unit.repeat(int(1, rand() < 0.2 ? 70 : 12));
}
function number() {
  const r = rand();
  if (r < 0.3) return String(int(0, 10 ** int(1, 9)));
  if (r < 0.5) return (rand() * 10 ** int(0, 6)).toFixed(int(0, 8));
  if (r < 0.6) return "-" + String(int(0, 99999)) + "e" + String(int(-30, 30));
  if (r < 0.7) return "0x" + int(0, 0xffffffff).toString(16);
  if (r < 0.8) return Array.from({ length: int(1, 6) }, () => cp(0xff10 + int(0, 9))).join("");
  if (r < 0.9) return Array.from({ length: int(1, 6) }, () => cp(0x660 + int(0, 9))).join("");
  return Array.from({ length: int(1, 6) }, () => cp(0x966 + int(0, 9))).join("");
}
const CODE = [
  "def f(x):\n    return x**2  # square\n", "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}\n",
  "const x = await fetch(`https://example.com/api?q=${q}`);", "#include <vector>\n",
  "SELECT * FROM users WHERE id = 42;", "if (a && b || !c) { return -1; }",
  "<div class=\"note\">Hi</div>", "<table><tr><td>1</td></tr></table>", "{\"key\": [1, 2.5, null]}",
  "    if x == y:\n        pass\n", "fn main() -> Result<(), Box<dyn Error>> {}", "x = f(42);",
  "// comment\n/* block */", "#!/bin/sh\nset -eu\n", "a <= b >= c != d == e", "λx. x + 1",
  "std::vector<std::string> v{\"a\", \"b\"};", "print(f\"{name!r:>10}\")", "$ git commit -m 'x'",
  "\ufeff#", "\ufeff//", "\ufeff<?xml?>", "<?php echo 1; ?>", "<br/><b>bold</b><i>it</i>",
];
const SPECIALS = [
  "<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<|tool>", "<tool|>", "<|tool_call>",
  "<tool_call|>", "<|tool_response>", "<tool_response|>", "<|\"|>", "<|think|>", "<|channel>",
  "<channel|>", "<|turn>", "<turn|>", "<|image>", "<|audio>", "<|image|>", "<|audio|>", "<image|>",
  "<audio|>", "<|video|>", "[multimodal]", "<unused0>", "<unused98>", "<unused99>", "<unused6241>",
  "<table>", "</table>", "<h1>", "<b>", "</footer>",
  // near misses and look-alikes
  "<|turn", "turn|>", "<|tur", "<<|turn>>", "<|turn|>", "<start_of_turn>", "<end_of_turn>",
  "<unused40>", "<image_soft_token>", "<0x41>", "<0xC3><0x28>", "<0xZZ>", "<|", "|>", "<", ">",
  "\\xC3\\x28", "\\xff", "%C3%28", "\ufffd", "\ufffd\ufffd", "<|channel>thought\n<channel|>",
];
function piece() {
  const r = rand();
  if (r < 0.3) return pick(WORDS);
  if (r < 0.4) return pick(SPACES);
  if (r < 0.5) return cp(randomScalar());
  if (r < 0.6) return emoji();
  if (r < 0.7) return number();
  if (r < 0.78) return pick(SPECIALS);
  if (r < 0.86) return whitespaceRun();
  if (r < 0.92) return pick(CODE);
  if (r < 0.96) return cp(0x300 + int(0, 0x6f));  // combining mark
  return cp(int(0, 0x1f));                          // C0 control, including NUL
}

// ---- the texts --------------------------------------------------------------------------------
const texts = ["", " ", "\n", "\r\n", "\u2581", " \u2581 ", "a", "\u0000"];
const kinds = [
  () => Array.from({ length: int(1, 12) }, piece).join(rand() < 0.5 ? " " : ""),  // mixed
  () => Array.from({ length: int(1, 40) }, () => cp(randomScalar())).join(""),     // random chars
  () => Array.from({ length: int(1, 30) }, () => pick(WORDS)).join(" "),          // prose-ish
  () => Array.from({ length: int(1, 8) }, emoji).join(rand() < 0.5 ? "" : " "),   // emoji
  () => Array.from({ length: int(1, 6) }, () => pick(WORDS) + whitespaceRun()).join(""),
  () => Array.from({ length: int(1, 8) }, number).join(pick([" ", ", ", ".", "+", ""])),
  () => Array.from({ length: int(1, 5) }, () => pick(CODE)).join(""),
  () => Array.from({ length: int(1, 6) }, () => pick(SPECIALS) + pick(WORDS)).join(""),
];
while (texts.length < 3000) texts.push(kinds[texts.length % kinds.length]());
// A few long texts: words and newlines, for the merge loop on long segments and the benchmark.
for (let i = 0; i < 24; ++i) {
  const parts = [];
  for (let n = 0; n < 6000; ++n) parts.push(rand() < 0.02 ? "\n" : rand() < 0.05 ? piece() : pick(WORDS));
  texts.push(parts.join(i % 3 === 0 ? "" : " "));
}
texts.push("a".repeat(5000), "ab".repeat(3000), " ".repeat(1000) + "x", "\u2581".repeat(100),
           "\n".repeat(100), "\t".repeat(65), "0".repeat(300), "日".repeat(2000));
for (const t of texts) {  // well-formed UTF-16 (no lone surrogates) <=> survives a UTF-8 round trip
  if (Buffer.from(t, "utf8").toString("utf8") !== t) throw new Error("generated an ill-formed string");
}

// ---- the reference ids ------------------------------------------------------------------------
const encLines = [];
const batch = await tokenizer.encodeBatch(texts, { addSpecialTokens: false });
const allIds = batch.map((e) => e.getIds());
const decoded = await tokenizer.decodeBatch(allIds, false);
for (let i = 0; i < texts.length; ++i)
  encLines.push(JSON.stringify({ text: texts[i], ids: allIds[i], decoded: decoded[i] }));

// Random id sequences for decode: byte pieces (ids 238..493) in runs, specials, ordinary pieces.
const vocabSize = tokenizer.getVocabSize(true);
const specialIds = [0, 1, 2, 3, 4, 46, 47, 48, 49, 50, 51, 52, 98, 100, 101, 105, 106, 255999,
                    256000, 258880, 258881, 258882, 258883, 258884];
const decIds = [];
for (let i = 0; i < 1000; ++i) {
  const ids = [];
  const n = int(0, 12);
  for (let k = 0; k < n; ++k) {
    const r = rand();
    if (r < 0.45) ids.push(238 + int(0, 255));                // any byte
    else if (r < 0.6) ids.push(238 + pick([0xc3, 0xe6, 0xf0, 0x9f, 0x98, 0x80, 0xa9, 0x41]));
    else if (r < 0.75) ids.push(pick(specialIds));
    else ids.push(int(0, vocabSize - 1));
  }
  decIds.push(ids);
}
const dec = await tokenizer.decodeBatch(decIds, false);
const decSkip = await tokenizer.decodeBatch(decIds, true);
const decLines = decIds.map((ids, i) =>
  JSON.stringify({ ids, decoded: dec[i], decoded_skip: decSkip[i] }));

writeFileSync(outEncode + ".tmp", encLines.join("\n") + "\n");
renameSync(outEncode + ".tmp", outEncode);
writeFileSync(outDecode + ".tmp", decLines.join("\n") + "\n");
renameSync(outDecode + ".tmp", outDecode);
const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t, "utf8"), 0);
console.log(`${outEncode}: ${texts.length} texts, ${bytes} bytes; ${outDecode}: ${decLines.length} id sequences`);
