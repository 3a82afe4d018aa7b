#pragma once
// The few fields Ripen reads from an original LDM config (v1-inference.yaml, v2-inference-v.yaml, sd_xl_base.yaml)
// placed beside a single-file checkpoint, as AUTOMATIC1111 and ComfyUI allow. Not a YAML parser: a scanner for
// block mappings of `key: value` lines (inline `[a, b]` lists, comments, quotes), which is all these configs use.
// Values are addressed by their dotted path, e.g. "model.params.unet_config.params.num_heads".
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ripen::models {

class LdmYaml {
 public:
  static LdmYaml parse(const std::string& text);
  static LdmYaml load(const std::string& path);  // throws ripen::Error naming the file when unreadable

  // The value at the full path, or at the first path that ends with `.suffix` (e.g. "unet_config.params.num_heads").
  std::optional<std::string> get(const std::string& path_or_suffix) const;
  std::optional<double> number(const std::string& path_or_suffix) const;
  std::optional<std::vector<double>> list(const std::string& path_or_suffix) const;
  const std::map<std::string, std::string>& values() const { return values_; }
  const std::string& origin() const { return origin_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> order_;
  std::string origin_ = "<yaml>";
};

// The config beside a checkpoint: same path with .yaml (or .yml) instead of .safetensors; nullopt when none.
std::optional<std::string> yaml_beside(const std::string& checkpoint);

}  // namespace ripen::models
