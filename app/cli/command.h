#pragma once
// ripen-cli's subcommands register themselves here, one file each (cli/cmd_*.cpp), so adding a command
// touches no shared file. `eval` components register the same way.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tensors/error.h"

namespace ripen::cli {

// Thrown for bad usage; main prints the message on one line and exits with status 2.
struct UsageError {
  std::string message;
};

// Runs f, turning an engine error (a bad value the user typed) into a UsageError (exit status 2).
template <typename F>
auto usage_on_error(F f) {
  try {
    return f();
  } catch (const Error& e) {
    throw UsageError{e.what()};
  }
}

// Parses `--name value`, `--name=value` and boolean `--flag`. Every flag must be consumed by the command;
// leftovers are reported as unknown (`finish()`).
class Args {
 public:
  Args(std::vector<std::string> argv, std::vector<std::string> boolean_flags = {});
  std::optional<std::string> get(const std::string& name);          // consumes the flag
  std::string get_or(const std::string& name, const std::string& fallback);
  std::string require(const std::string& name);                      // UsageError when absent
  std::vector<std::string> get_all(const std::string& name);         // repeatable flags
  int get_int(const std::string& name, int fallback);
  double get_double(const std::string& name, double fallback);       // rejects NaN/inf
  bool flag(const std::string& name);
  const std::vector<std::string>& positional() const { return positional_; }
  void finish() const;  // UsageError naming the first unknown flag

 private:
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
  std::vector<std::string> order_;
};

struct Command {
  std::string name;
  std::string summary;
  std::function<int(Args&)> run;
  std::vector<std::string> boolean_flags;  // flags that take no value
};

std::map<std::string, Command>& commands();
struct RegisterCommand {
  explicit RegisterCommand(Command c);
};

// `ripen-cli eval --component NAME ...`
using EvalFn = std::function<int(Args&)>;
std::map<std::string, EvalFn>& eval_components();
struct RegisterEvalComponent {
  RegisterEvalComponent(const std::string& name, EvalFn fn);
};

}  // namespace ripen::cli
