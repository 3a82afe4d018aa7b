// GenerationWorker without a main window: jobs through the session, events as queued signals, promote from the
// library equal to ripen-cli's promote of the same draft, cancel and cancel_all.
#include <QSignalSpy>
#include <QtTest>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "library/library.h"
#include "tensors/safetensors.h"
#include "ui/generation_worker.h"
#include "ui_test_util.h"

using namespace ripen;
using namespace ripen::ui;

namespace {
GenerationRequest draft(uint64_t seed) {
  GenerationRequest r;
  r.model = "embedded";
  r.prompt = "grinning face, google style";
  r.seed = seed;
  r.width = r.height = 64;
  r.preset = Preset::Fast;
  return r;
}

JobResult wait_result(QSignalSpy& finished, quint64 id) {
  for (int tries = 0; tries < 600; ++tries) {
    for (const auto& args : finished) {
      JobResult r = args.at(0).value<JobResult>();
      if (r.job == id) return r;
    }
    finished.wait(200);
  }
  return {};
}

std::string cli(const std::string& args) {
  std::string out;
  FILE* p = popen((std::string(RIPEN_CLI_PATH) + " " + args + " 2>/dev/null").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return pclose(p) == 0 ? out : std::string();
}

at::Tensor latents_of(library::Library& lib, qint64 id) {
  auto g = lib.get(id);
  if (!g || g->latents_path.empty()) return {};
  return SafeTensors::open(lib.latents_file(*g).string()).tensor("latents").clone();
}
}  // namespace

class WorkerTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void initTestCase() {
    register_types();
    test::isolate_settings(settings_dir_.path());
  }

  void generate_then_promote_matches_the_cli() {
    QTemporaryDir lib_dir;
    EngineSettings s;
    s.library_dir = lib_dir.filePath("lib");
    GenerationWorker worker(s);
    QSignalSpy steps(&worker, &GenerationWorker::step);
    QSignalSpy finished(&worker, &GenerationWorker::job_finished);
    worker.start();

    Job g;
    g.request = draft(21);
    const quint64 gid = worker.enqueue(g);
    JobResult d = wait_result(finished, gid);
    QVERIFY2(d.ok(), qPrintable(d.error));
    QCOMPARE(d.ids.size(), 1);
    QVERIFY(d.ids.front() > 0);
    QVERIFY(steps.count() >= d.record.steps_used);
    const StepEvent last = steps.last().at(1).value<StepEvent>();
    QCOMPARE(steps.last().at(0).value<quint64>(), gid);
    QCOMPARE(last.phase, Phase::Decode);

    Job p;
    p.kind = JobKind::Promote;
    p.parent = d.ids.front();
    p.promote = PromoteMode::Continue;
    const quint64 pid = worker.enqueue(p);
    JobResult q = wait_result(finished, pid);
    QVERIFY2(q.ok(), qPrintable(q.error));
    QCOMPARE(q.promote, PromoteMode::Continue);
    QCOMPARE(q.request.parent_id.value_or(0), d.ids.front());

    const std::string out = cli("promote --library " + s.library_dir.toStdString() + " --id " +
                                std::to_string(d.ids.front()) + " --mode continue --json --quiet");
    QVERIFY2(!out.empty(), "ripen-cli promote failed");
    const qint64 cli_id = nlohmann::json::parse(out).at("library_ids").at(0).get<qint64>();
    library::Library lib(s.library_dir.toStdString());
    const at::Tensor studio = latents_of(lib, q.ids.front()), by_cli = latents_of(lib, cli_id);
    QVERIFY(studio.defined() && by_cli.defined());
    QVERIFY2(at::equal(studio, by_cli), "the studio's promote and ripen-cli's differ");
  }

  void cancel_all_drops_the_queue_and_stops_the_running_job() {
    GenerationWorker worker(EngineSettings{});
    QSignalSpy started(&worker, &GenerationWorker::job_started);
    QSignalSpy finished(&worker, &GenerationWorker::job_finished);
    worker.start();
    QList<quint64> ids;
    for (int i = 0; i < 4; ++i) {
      Job j;
      j.request = draft(30 + i);
      j.request.preset = Preset::Quality;
      ids.push_back(worker.enqueue(j));
    }
    QTRY_VERIFY_WITH_TIMEOUT(started.count() >= 1, 60000);
    worker.cancel_all();
    QCOMPARE(worker.queue_length() <= 1, true);
    JobResult first = wait_result(finished, ids.front());
    QVERIFY(first.status == JobResult::Status::Cancelled || first.ok());
    QTest::qWait(300);
    QCOMPARE(finished.count(), 1);  // the queued three never ran
    QCOMPARE(worker.queue_length(), 0);

    // It takes new work after the storm.
    Job j;
    j.request = draft(40);
    JobResult again = wait_result(finished, worker.enqueue(j));
    QVERIFY2(again.ok(), qPrintable(again.error));
    QVERIFY(again.ids.front() == 0);  // no library: nothing stored
  }

 private:
  QTemporaryDir settings_dir_;
};

QTEST_GUILESS_MAIN(WorkerTest)
#include "test_ui_worker.moc"
