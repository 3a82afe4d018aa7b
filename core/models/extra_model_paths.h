#pragma once
// ComfyUI's extra_model_paths.yaml: top-level sections, each a mapping of `base_path` and model kinds
// ("checkpoints", "vae", "loras", ...) to one path or a `|` block of paths, one a line, relative to base_path
// (or, without one, to the file's folder). `is_default` is ignored. A focused reader for exactly that shape of
// YAML, not a YAML parser: quoted and plain scalars, `|` blocks and comments; anything else in a section
// (flow collections, `>` blocks, nested mappings, sequences, bad indentation) is reported and drops that section
// only, so the other sections still count.
#include <string>
#include <vector>

namespace ripen::models {

struct ExtraModelPath {
  std::string section;  // "a1111"
  std::string kind;     // the key as written: "checkpoints", "diffusion_models", ...
  std::string path;     // absolute when base_path is; existence is the caller's question
  std::string origin;   // "<file>:<line>" of the key
};

struct ExtraModelPaths {
  std::vector<ExtraModelPath> paths;
  std::vector<std::string> problems;  // "<file>:<line>: ..." naming the section, key and path
};

// Never throws: an unreadable file, a syntax error or a base_path that does not exist is a problem.
ExtraModelPaths read_extra_model_paths(const std::string& file);

}  // namespace ripen::models
