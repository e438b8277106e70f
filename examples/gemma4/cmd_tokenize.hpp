// examples/gemma4/cmd_tokenize.hpp: `gemma4 tokenize --tokenizer FILE [--pieces]`
//
// Reads all of standard input as one UTF-8 text (no <bos> is added; spec tokenizer.md §5) and
// prints its token ids as one JSON array on the first line; with --pieces, the piece strings as a
// JSON array of strings on the second line. Invalid UTF-8 input, an unreadable tokenizer.json or
// a bad option is an error (message on stderr, exit status 1).
//
//   $ printf 'Hello, world!' | gemma4 tokenize --tokenizer tokenizer.json --pieces
//   [9259,236764,1902,236888]
//   ["Hello",",","▁world","!"]
#pragma once

#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <gemma4/tokenizer/tokenizer.hpp>

#include "cli_common.hpp"

namespace gemma4::cli {

inline int cmd_tokenize(int argc, char** argv) {
  Args args(argc, argv);
  const std::string path = args.value("--tokenizer");
  const bool pieces = args.flag("--pieces");
  if (!args.positional().empty())
    detail::fail("unexpected argument ", args.positional().front(),
                 " (usage: gemma4 tokenize --tokenizer FILE [--pieces] < text)");
  if (path.empty()) detail::fail("usage: gemma4 tokenize --tokenizer FILE [--pieces] < text");

  const Tokenizer tokenizer = Tokenizer::from_file(path);
  std::ostringstream input;
  input << std::cin.rdbuf();
  const std::vector<TokenId> ids = tokenizer.encode(input.str());

  std::cout << nlohmann::json(ids).dump() << "\n";
  if (pieces) {
    nlohmann::json list = nlohmann::json::array();
    for (const TokenId id : ids) list.push_back(std::string(tokenizer.piece(id)));
    std::cout << list.dump() << "\n";
  }
  return std::cout.good() ? 0 : 1;
}

}  // namespace gemma4::cli
