#include "cli/command.h"

#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace ripen::cli {

Args::Args(std::vector<std::string> argv, std::vector<std::string> boolean_flags) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      positional_.push_back(a);
      continue;
    }
    auto eq = a.find('=');
    if (eq != std::string::npos) {
      values_.emplace(a.substr(0, eq), a.substr(eq + 1));
      order_.push_back(a.substr(0, eq));
      continue;
    }
    bool is_bool = false;
    for (const auto& b : boolean_flags) is_bool |= (b == a);
    if (is_bool) {
      values_.emplace(a, "1");
    } else {
      if (i + 1 >= argv.size()) throw UsageError{"flag " + a + " needs a value"};
      values_.emplace(a, argv[++i]);
    }
    order_.push_back(a);
  }
}

std::optional<std::string> Args::get(const std::string& name) {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  std::string v = it->second;
  values_.erase(it);
  return v;
}

std::string Args::get_or(const std::string& name, const std::string& fallback) { return get(name).value_or(fallback); }

std::string Args::require(const std::string& name) {
  auto v = get(name);
  if (!v) throw UsageError{"missing required flag " + name};
  return *v;
}

std::vector<std::string> Args::get_all(const std::string& name) {
  std::vector<std::string> out;
  while (auto v = get(name)) out.push_back(*v);
  return out;
}

int Args::get_int(const std::string& name, int fallback) {
  auto v = get(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    long long x = std::stoll(*v, &used);
    if (used != v->size() || x < INT32_MIN || x > INT32_MAX) throw std::invalid_argument("");
    return static_cast<int>(x);
  } catch (...) {
    throw UsageError{name + " expects an integer, got '" + *v + "'"};
  }
}

double Args::get_double(const std::string& name, double fallback) {
  auto v = get(name);
  if (!v) return fallback;
  double x = 0;
  try {
    size_t used = 0;
    x = std::stod(*v, &used);
    if (used != v->size()) throw std::invalid_argument("");
  } catch (...) {
    throw UsageError{name + " expects a number, got '" + *v + "'"};
  }
  if (!std::isfinite(x)) throw UsageError{name + " must be a finite number, got '" + *v + "'"};
  return x;
}

bool Args::flag(const std::string& name) { return get(name).has_value(); }

void Args::finish() const {
  for (const auto& name : order_)
    if (values_.count(name)) throw UsageError{"unknown flag " + name};
}

std::map<std::string, Command>& commands() {
  static std::map<std::string, Command> m;
  return m;
}
RegisterCommand::RegisterCommand(Command c) { commands()[c.name] = std::move(c); }

std::map<std::string, EvalFn>& eval_components() {
  static std::map<std::string, EvalFn> m;
  return m;
}
RegisterEvalComponent::RegisterEvalComponent(const std::string& name, EvalFn fn) { eval_components()[name] = std::move(fn); }

}  // namespace ripen::cli
