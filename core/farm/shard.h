#pragma once
// Which part of a plan this process runs. Job i of the plan belongs to shard i mod N (round robin), not to a
// contiguous range: a plan ordered by prompt, preset or job kind (promotions, which cost several times a
// draft, often come last) is spread evenly over the shards, and appending jobs to a plan never moves a job to
// another shard, so re-running an extended plan resumes every shard where it stopped.
//
// Where the shard comes from, first found wins:
//   --shard I/N               (0 <= I < N)
//   Slurm array jobs          index = (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP,
//                             count = SLURM_ARRAY_TASK_COUNT; so --array=0-7 and --array=1-8 are both shards
//                             0..7 of 8 (MIN defaults to 0, STEP to 1 when Slurm sets none).
//   Kubernetes Indexed Jobs   index = JOB_COMPLETION_INDEX (0-based), count = the caller's count (--shard-count,
//                             else RIPEN_SHARD_COUNT: the Job's .spec.completions).
//   none                      0/1: the whole plan.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

namespace ripen::farm {

struct Shard {
  int index = 0, count = 1;
  std::string source = "none";  // "--shard", "slurm", "kubernetes", "none"
  bool has(size_t job_index) const { return int(job_index % size_t(count)) == index; }
  std::string to_string() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// "I/N"; throws ripen::Error on anything else.
Shard parse_shard(const std::string& spec);

using Getenv = std::function<const char*(const char*)>;
// The shard from --shard (`flag`), else the environment (see above). Throws ripen::Error when the variables are
// inconsistent (an index outside the count, a Kubernetes index without a count).
Shard resolve_shard(const std::optional<std::string>& flag, const std::optional<int>& count_flag, const Getenv& env);

}  // namespace ripen::farm
