// The Kubernetes manifests of packaging/farm against what the batch/v1 Job schema requires (no kubeconform or API
// server here: `kubectl --dry-run=client` needs one): the Job's and the pod template's fields, known JobSpec keys,
// an Indexed Job's completions, a restart policy a Job accepts, volumes for every mount, and the shard count the
// container gives ripen-cli agreeing with the completions.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <regex>
#include <set>

#include "common/test_common.h"

namespace fs = std::filesystem;

namespace {
// batch/v1 JobSpec and core/v1 PodSpec/Container fields (Kubernetes 1.29), those a manifest may set.
const std::set<std::string> kJobSpec = {"activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex", "completionMode",
                                        "completions", "manualSelector", "maxFailedIndexes", "parallelism",
                                        "podFailurePolicy", "podReplacementPolicy", "selector", "suspend", "template",
                                        "ttlSecondsAfterFinished"};
const std::set<std::string> kContainer = {"args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle",
                                          "livenessProbe", "name", "ports", "readinessProbe", "resources",
                                          "securityContext", "startupProbe", "stdin", "stdinOnce", "terminationMessagePath",
                                          "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir"};

bool dns_label(const std::string& s) { return std::regex_match(s, std::regex("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")); }

void check_job(const fs::path& file, bool indexed) {
  SCOPED_TRACE(file.string());
  YAML::Node doc = YAML::LoadFile(file.string());
  EXPECT_EQ(doc["apiVersion"].as<std::string>(""), "batch/v1");
  EXPECT_EQ(doc["kind"].as<std::string>(""), "Job");
  ASSERT_TRUE(doc["metadata"]["name"]);
  EXPECT_TRUE(dns_label(doc["metadata"]["name"].as<std::string>()));
  const YAML::Node spec = doc["spec"];
  ASSERT_TRUE(spec.IsMap());
  for (const auto& kv : spec) EXPECT_TRUE(kJobSpec.count(kv.first.as<std::string>())) << kv.first.as<std::string>();
  const YAML::Node pod = spec["template"]["spec"];
  ASSERT_TRUE(pod.IsMap());
  const std::string restart = pod["restartPolicy"].as<std::string>("");
  EXPECT_TRUE(restart == "Never" || restart == "OnFailure") << "a Job's pods need restartPolicy Never or OnFailure";
  const int completions = spec["completions"].as<int>(1);
  if (indexed) {
    EXPECT_EQ(spec["completionMode"].as<std::string>(""), "Indexed");
    ASSERT_TRUE(spec["completions"]) << "an Indexed Job needs completions";
    EXPECT_GE(completions, 1);
    EXPECT_LE(spec["parallelism"].as<int>(1), completions);
  }
  std::set<std::string> volumes;
  for (const auto& v : pod["volumes"]) {
    EXPECT_TRUE(dns_label(v["name"].as<std::string>("")));
    volumes.insert(v["name"].as<std::string>());
  }
  ASSERT_TRUE(pod["containers"].IsSequence());
  ASSERT_GE(pod["containers"].size(), 1u);
  for (const auto& c : pod["containers"]) {
    for (const auto& kv : c) EXPECT_TRUE(kContainer.count(kv.first.as<std::string>())) << kv.first.as<std::string>();
    EXPECT_TRUE(dns_label(c["name"].as<std::string>("")));
    EXPECT_FALSE(c["image"].as<std::string>("").empty());
    for (const auto& m : c["volumeMounts"]) {
      EXPECT_TRUE(volumes.count(m["name"].as<std::string>(""))) << "mount of an undeclared volume";
      EXPECT_EQ(m["mountPath"].as<std::string>("").substr(0, 1), "/");
    }
    std::string script;
    for (const auto& a : c["args"]) script += a.as<std::string>() + "\n";
    if (indexed) {
      EXPECT_NE(script.find("ripen-cli batch --plan"), std::string::npos);
      EXPECT_NE(script.find("JOB_COMPLETION_INDEX"), std::string::npos);
      std::string count;
      for (const auto& e : c["env"])
        if (e["name"].as<std::string>("") == "RIPEN_SHARD_COUNT") count = e["value"].as<std::string>("");
      EXPECT_EQ(count, std::to_string(completions)) << "RIPEN_SHARD_COUNT must equal .spec.completions";
      EXPECT_EQ(c["resources"]["limits"]["nvidia.com/gpu"].as<int>(0), 1);
    } else {
      EXPECT_NE(script.find("ripen-cli library merge"), std::string::npos);
    }
  }
}
}  // namespace

TEST(FarmManifests, KubernetesJobsHaveWhatBatchV1Requires) {
  const fs::path dir = ripen::test::source_dir() / "packaging" / "farm";
  check_job(dir / "render-job.yaml", true);
  check_job(dir / "merge-job.yaml", false);
}
