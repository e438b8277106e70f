// bench_hf.mjs: encode throughput of the reference HF tokenizers library (npm tokenizers@0.23.2,
// Rust) on the same corpus as bench/bench_tokenizer.cpp, for comparison.
//
// usage: node bench_hf.mjs OUT_DIR      (OUT_DIR as given to prepare.sh)
// Reports MB/s (10^6 bytes of UTF-8 input per second; wall clock, and per CPU-second of the whole
// process, which is what Google Benchmark's bytes_per_second uses) for
//   sequential: one `await encode(text)` per text (includes the N-API call per text),
//   batch:      one `encodeBatch(all texts)` (Rust-side loop; multi-threaded unless
//               TOKENIZERS_PARALLELISM=false, which makes it single-threaded like our encoder).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const outDir = process.argv[2];
if (!outDir) {
  console.error("usage: node bench_hf.mjs OUT_DIR");
  process.exit(2);
}
const require = createRequire(join(outDir, "npm", "package.json"));
const { Tokenizer } = require("tokenizers");

let t0 = performance.now();
const tokenizer = Tokenizer.fromFile(join(outDir, "gemma4-tokenizer.json"));
console.log(`load: ${((performance.now() - t0) / 1000).toFixed(2)} s`);

const texts = readFileSync(join(outDir, "differential.jsonl"), "utf8")
  .split("\n").filter(Boolean).map((l) => JSON.parse(l).text);
const bytes = texts.reduce((s, t) => s + Buffer.byteLength(t, "utf8"), 0);
console.log(`corpus: ${texts.length} texts, ${bytes} bytes`);

async function measure(name, run) {
  await run();  // warm-up (also fills HF's word cache, as a long-running process would)
  let reps = 0;
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  do {
    await run();
    ++reps;
  } while (performance.now() - t0 < 3000);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;  // all threads of the process
  console.log(`${name}: ${(bytes * reps / seconds / 1e6).toFixed(2)} MB/s wall, ` +
              `${(bytes * reps / cpuSeconds / 1e6).toFixed(2)} MB/s per CPU-second (${reps} passes)`);
}

await measure("sequential encode", async () => {
  for (const t of texts) await tokenizer.encode(t, null, { addSpecialTokens: false });
});
await measure(`encodeBatch (TOKENIZERS_PARALLELISM=${process.env.TOKENIZERS_PARALLELISM ?? "unset"})`,
              () => tokenizer.encodeBatch(texts, { addSpecialTokens: false }));
