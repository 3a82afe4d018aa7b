#include "farm/shard.h"

#include "tensors/error.h"

namespace ripen::farm {
namespace {
long long to_integer(const std::string& what, const std::string& v) {
  try {
    size_t used = 0;
    long long n = std::stoll(v, &used);
    if (used == v.size()) return n;
  } catch (const std::exception&) {
  }
  throw Error(what + " must be an integer, got '" + v + "'");
}

Shard checked(long long index, long long count, const std::string& source, const std::string& what) {
  if (count < 1) throw Error(what + ": the shard count " + std::to_string(count) + " is below 1");
  if (index < 0 || index >= count)
    throw Error(what + ": shard index " + std::to_string(index) + " is outside 0.." + std::to_string(count - 1));
  return Shard{int(index), int(count), source};
}
}  // namespace

Shard parse_shard(const std::string& spec) {
  const auto slash = spec.find('/');
  if (slash == std::string::npos) throw Error("--shard needs I/N (e.g. 0/4), got '" + spec + "'");
  return checked(to_integer("--shard's index", spec.substr(0, slash)),
                 to_integer("--shard's count", spec.substr(slash + 1)), "--shard", "--shard " + spec);
}

Shard resolve_shard(const std::optional<std::string>& flag, const std::optional<int>& count_flag, const Getenv& env) {
  if (flag) return parse_shard(*flag);
  auto var = [&](const char* name) -> std::optional<std::string> {
    const char* v = env(name);
    if (!v || !*v) return std::nullopt;
    return std::string(v);
  };
  if (auto id = var("SLURM_ARRAY_TASK_ID")) {
    auto count = var("SLURM_ARRAY_TASK_COUNT");
    if (!count) throw Error("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not");
    const long long task = to_integer("SLURM_ARRAY_TASK_ID", *id);
    const long long min = to_integer("SLURM_ARRAY_TASK_MIN", var("SLURM_ARRAY_TASK_MIN").value_or("0"));
    const long long step = to_integer("SLURM_ARRAY_TASK_STEP", var("SLURM_ARRAY_TASK_STEP").value_or("1"));
    if (step < 1 || (task - min) % step)
      throw Error("Slurm array task " + *id + " is not on the array's grid (min " + std::to_string(min) + ", step " +
                  std::to_string(step) + "); use an evenly spaced --array, or --shard I/N");
    return checked((task - min) / step, to_integer("SLURM_ARRAY_TASK_COUNT", *count), "slurm",
                   "Slurm array task " + *id);
  }
  if (auto index = var("JOB_COMPLETION_INDEX")) {
    std::optional<long long> count;
    if (count_flag) count = *count_flag;
    else if (auto c = var("RIPEN_SHARD_COUNT")) count = to_integer("RIPEN_SHARD_COUNT", *c);
    if (!count)
      throw Error("JOB_COMPLETION_INDEX is set but not the number of shards: give --shard-count N or "
                  "RIPEN_SHARD_COUNT (the Indexed Job's .spec.completions)");
    return checked(to_integer("JOB_COMPLETION_INDEX", *index), *count, "kubernetes",
                   "Kubernetes completion index " + *index);
  }
  if (count_flag && *count_flag != 1) throw Error("--shard-count without a shard index (JOB_COMPLETION_INDEX)");
  return Shard{};
}

}  // namespace ripen::farm
