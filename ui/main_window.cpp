#include "ui/main_window.h"

#include <ATen/Context.h>
#if defined(RIPEN_UI_CUDA_MEMORY)
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTreeView>
#include <QListView>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QUrl>

#include "farm/plan.h"
#include "tensors/safetensors_metadata.h"
#include "ui/appearance.h"
#include "ui/compare_view.h"
#include "ui/example_prompts.h"
#include "ui/export_dialog.h"
#include "ui/gallery_model.h"
#include "ui/gallery_view.h"
#include "ui/image_input_panel.h"
#include "ui/networks_panel.h"
#include "ui/start_image.h"
#include "ui/active_networks.h"
#include "ui/library_model.h"
#include "ui/catalogue_dialog.h"
#include "ui/catalogue_model.h"
#include "ui/model_catalog.h"
#include "ui/preview_view.h"
#include "ui/prompt_panel.h"
#include "ui/seed_library_panel.h"
#include "ui/settings_dialog.h"
#include "ui/variations_grid.h"

namespace ripen::ui {
namespace {
// The process's resident memory (RSS) in MiB, from /proc/self/statm.
QString resident_memory() {
  QFile f("/proc/self/statm");
  if (!f.open(QIODevice::ReadOnly)) return "?";
  const QList<QByteArray> parts = f.readAll().split(' ');
  if (parts.size() < 2) return "?";
  const double mib = parts[1].toDouble() * 4096.0 / (1024.0 * 1024.0);
  return QString::number(mib, 'f', 0);
}

// Memory the engine holds on CUDA device 0 (libtorch's caching allocator) in MiB; negative when not known.
double cuda_memory_mib() {
#if defined(RIPEN_UI_CUDA_MEMORY)
  if (!at::hasCUDA()) return -1;
  try {
    const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(0);
    return double(stats.reserved_bytes[0].current) / (1024.0 * 1024.0);  // [0]: all pools together
  } catch (const std::exception&) {
    return -1;
  }
#else
  return -1;
#endif
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  setObjectName("MainWindow");
  QSettings store;
  const AppSettings settings = AppSettings::load(store);
  apply_theme(settings.theme);
  apply_language(settings.language);
  embedded_path_ = locate_embedded_model();
  controller_ = new StudioController(settings, this);

  prompt_ = new PromptPanel;
  preview_ = new PreviewView;
  variations_ = new VariationsGrid;
  compare_ = new CompareView;
  image_input_ = new ImageInputPanel;
  tabs_ = new QTabWidget(this);
  tabs_->setObjectName("centralTabs");
  tabs_->addTab(preview_, QString());
  tabs_->addTab(variations_, QString());
  tabs_->addTab(compare_, QString());
  tabs_->addTab(image_input_, QString());
  setCentralWidget(tabs_);

  auto lib = [this] { return controller_->library(); };
  gallery_model_ = new GalleryModel(lib, this);
  gallery_ = new GalleryView(gallery_model_);
  library_model_ = new LibraryModel(lib, this);
  seed_library_ = new SeedLibraryPanel(library_model_);

  auto* scroll = new QScrollArea;
  scroll->setWidget(prompt_);
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  prompt_dock_ = new QDockWidget(this);
  prompt_dock_->setObjectName("promptDock");
  prompt_dock_->setWidget(scroll);
  prompt_dock_->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
  addDockWidget(Qt::LeftDockWidgetArea, prompt_dock_);
  gallery_dock_ = new QDockWidget(this);
  gallery_dock_->setObjectName("galleryDock");
  gallery_dock_->setWidget(gallery_);
  addDockWidget(Qt::BottomDockWidgetArea, gallery_dock_);
  library_dock_ = new QDockWidget(this);
  library_dock_->setObjectName("libraryDock");
  library_dock_->setWidget(seed_library_);
  addDockWidget(Qt::RightDockWidgetArea, library_dock_);
  networks_ = new NetworksPanel([this](lora::NetworkKind kind) {
    return lora::list_networks(lora::NetworkFolders::from_roots(catalogue_roots(controller_->settings())), kind);
  });
  networks_dock_ = new QDockWidget(this);
  networks_dock_->setObjectName("networksDock");
  networks_dock_->setWidget(networks_);
  addDockWidget(Qt::RightDockWidgetArea, networks_dock_);
  tabifyDockWidget(library_dock_, networks_dock_);
  library_dock_->raise();
  setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
  resizeDocks({prompt_dock_}, {340}, Qt::Horizontal);
  resizeDocks({library_dock_}, {420}, Qt::Horizontal);
  resizeDocks({gallery_dock_}, {260}, Qt::Vertical);

  device_label_ = new QLabel(this);
  memory_label_ = new QLabel(this);
  queue_label_ = new QLabel(this);
  for (QLabel* l : {device_label_, memory_label_, queue_label_}) statusBar()->addPermanentWidget(l);
  status_timer_ = new QTimer(this);
  status_timer_->setInterval(1000);
  connect(status_timer_, &QTimer::timeout, this, &MainWindow::update_status);
  status_timer_->start();

  build_actions();
  build_menus();

  // Controller → views.
  connect(controller_, &StudioController::job_started, preview_, &PreviewView::on_started);
  connect(controller_, &StudioController::job_started, this, [this] { prompt_->set_busy(true); });
  connect(controller_, &StudioController::step, preview_, &PreviewView::on_step);
  connect(controller_, &StudioController::generated, this, &MainWindow::on_generated);
  connect(controller_, &StudioController::generated, preview_, &PreviewView::on_finished);
  connect(controller_, &StudioController::generated, variations_, &VariationsGrid::on_finished);
  connect(controller_, &StudioController::job_cancelled, preview_, &PreviewView::on_finished);
  connect(controller_, &StudioController::job_cancelled, variations_, &VariationsGrid::on_finished);
  connect(controller_, &StudioController::job_failed, preview_, &PreviewView::on_finished);
  connect(controller_, &StudioController::job_failed, variations_, &VariationsGrid::on_finished);
  connect(controller_, &StudioController::job_failed, this, [this](const JobResult& r) {
    statusBar()->showMessage(tr("Generation failed: %1").arg(r.error), 10000);
  });
  connect(controller_, &StudioController::queue_changed, this, [this](int n) {
    prompt_->set_busy(n > 0);
    update_status();
  });
  connect(controller_, &StudioController::rows_added, gallery_model_, &GalleryModel::prepend);
  connect(controller_, &StudioController::rows_added, library_model_, &LibraryModel::reload);
  connect(controller_, &StudioController::rows_changed, gallery_model_, &GalleryModel::refresh_rows);
  connect(controller_, &StudioController::library_reset, gallery_model_, &GalleryModel::reload);
  connect(controller_, &StudioController::library_reset, library_model_, &LibraryModel::reload);
  connect(controller_, &StudioController::compare_requested, this, &MainWindow::compare_ids);
  connect(controller_, &StudioController::labels_changed, gallery_, &GalleryView::refresh_choices);
  connect(controller_, &StudioController::library_reset, gallery_, &GalleryView::refresh_choices);

  // Views → actions.
  connect(prompt_, &PromptPanel::generate_requested, this, &MainWindow::generate);
  connect(prompt_, &PromptPanel::explore_requested, this, &MainWindow::explore);
  connect(prompt_, &PromptPanel::cancel_requested, controller_, &StudioController::cancel_all);
  connect(prompt_, &PromptPanel::add_model_folder_requested, this, &MainWindow::choose_model_folder);
  connect(prompt_, &PromptPanel::model_changed, this, [this](const QString& path) {
    if (const QString problem = model_problem(path); !problem.isEmpty())
      statusBar()->showMessage(tr("This model cannot be used: %1").arg(problem), 15000);
    else if (QSize native = native_image_size(path); native.isValid())
      prompt_->set_size(native.width(), native.height());
    prompt_->propose_model_preset(model_presets_.proposed_for(path.toStdString(), safetensors_metadata_or_none(path.toStdString())));
    prompt_->set_student(student_availability(path));
    AppSettings s = controller_->settings();
    s.model = path;
    apply_settings(s);
    update_network_arch();
  });
  // A UNet-only file names its family more often than the checkpoint does (sdxl_lightning_4step_unet).
  connect(prompt_, &PromptPanel::unet_changed, this, [this](const QString& file) {
    const std::string f = (file.isEmpty() ? prompt_->current_model() : file).toStdString();
    prompt_->propose_model_preset(model_presets_.proposed_for(f, safetensors_metadata_or_none(f)));
  });
  connect(preview_, &PreviewView::choose_model_requested, this, &MainWindow::choose_model_folder);
  connect(gallery_, &GalleryView::activated, this, [this](qint64 id) {
    last_result_ = id;
    preview_->show_image(controller_->image(id), tr("Image #%1").arg(id));
    tabs_->setCurrentWidget(preview_);
  });
  connect(variations_, &VariationsGrid::image_activated, this, [this](qint64 id) {
    last_result_ = id;
    gallery_->select_id(id);
  });
  connect(seed_library_, &SeedLibraryPanel::reuse_requested, this, &MainWindow::reuse_settings);
  connect(networks_, &NetworksPanel::add_network, prompt_->networks(), &ActiveNetworks::add);
  auto append_to = [](QPlainTextEdit* edit, const QString& text) {
    QString t = edit->toPlainText().trimmed();
    edit->setPlainText(t.isEmpty() ? text : t + ", " + text);
  };
  connect(networks_, &NetworksPanel::insert_into_prompt, this,
          [this, append_to](const QString& t) { append_to(prompt_->prompt_edit(), t); });
  connect(networks_, &NetworksPanel::insert_into_negative, this,
          [this, append_to](const QString& t) { append_to(prompt_->negative_edit(), t); });
  connect(image_input_, &ImageInputPanel::changed, this, [this] {
    prompt_->set_start_image_summary(image_input_->summary());
    // A new picture sets the size to its own (to multiples of 8), as A1111's img2img does; the engine adds the
    // outpaint margins around it.
    const QSize want = image_input_->has_image() ? QSize(image_input_->image().width() / 8 * 8,
                                                         image_input_->image().height() / 8 * 8)
                                                 : QSize();
    if (want.isValid() && want != start_image_size_) prompt_->set_size(want.width(), want.height());
    start_image_size_ = want;
  });
  connect(prompt_, &PromptPanel::start_image_edit_requested, this, [this] { tabs_->setCurrentWidget(image_input_); });
  connect(prompt_, &PromptPanel::start_image_clear_requested, image_input_, &ImageInputPanel::clear_image);

  refresh_models();
  model_presets_ = load_model_presets(model_preset_dirs());
  prompt_->set_model_presets(model_presets_.presets);
  if (!model_presets_.problems.empty())
    statusBar()->showMessage(tr("Some presets were not loaded: %1")
                                 .arg(QString::fromStdString(model_presets_.problems.front())), 15000);
  // Start at the model's own size (64x64 for the embedded model; 512x512 would be slow and out of its training).
  if (QSize native = native_image_size(prompt_->current_model()); native.isValid())
    prompt_->set_size(native.width(), native.height());
  prompt_->set_student(student_availability(prompt_->current_model()));
  // A first prompt the model draws well, so the first Generate shows what it can do.
  if (const QStringList examples = example_prompts(prompt_->current_model()); !examples.isEmpty())
    prompt_->prompt_edit()->setPlainText(examples.front());
  retranslate();
  update_status();
  resize(1440, 900);
  if (QSettings().contains("window/geometry")) restoreGeometry(QSettings().value("window/geometry").toByteArray());
  if (!controller_->library_error().isEmpty())
    statusBar()->showMessage(tr("The library could not be opened: %1").arg(controller_->library_error()));
  else if (controller_->library() && !controller_->library()->notice().empty())
    statusBar()->showMessage(QString::fromStdString(controller_->library()->notice()));
}

MainWindow::~MainWindow() = default;

QAction* MainWindow::action(const QString& name) const { return actions_.value(name); }

void MainWindow::build_actions() {
  auto make = [this](const char* name, QKeySequence key, auto slot) {
    auto* a = new QAction(this);
    a->setObjectName(name);
    if (!key.isEmpty()) a->setShortcut(key);
    connect(a, &QAction::triggered, this, slot);
    addAction(a);
    actions_.insert(name, a);
    return a;
  };
  make("actionGenerate", QKeySequence(Qt::CTRL | Qt::Key_Return), [this] { generate(); });
  actions_["actionGenerate"]->setShortcuts({QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
  make("actionExplore", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return), [this] { explore(prompt_->explore_count()); });
  make("actionCancel", QKeySequence(Qt::Key_Escape), [this] { controller_->cancel_all(); });
  make("actionPromote", QKeySequence(Qt::CTRL | Qt::Key_P), [this] { promote(PromoteMode::Continue); });
  make("actionRerender", QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_P), [this] { promote(PromoteMode::Rerender); });
  make("actionPolish", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), [this] { promote(PromoteMode::Polish); });
  make("actionCompare", QKeySequence(Qt::CTRL | Qt::Key_K), [this] {
    QList<qint64> ids = selected_ids();
    if (ids.size() >= 2) return compare_ids(ids[0], ids[1]);
    if (ids.size() == 1) {
      auto g = controller_->generation(ids[0]);
      if (g && g->request.parent_id) return compare_ids(*g->request.parent_id, ids[0]);
      if (g && controller_->library()) {
        auto kids = controller_->library()->children(ids[0]);
        if (!kids.empty()) return compare_ids(ids[0], kids.back().id);
      }
    }
    statusBar()->showMessage(tr("Select two images, or a promoted image, to compare."), 5000);
  });
  make("actionReuse", QKeySequence(Qt::CTRL | Qt::Key_R), [this] {
    if (auto ids = selected_ids(); !ids.isEmpty()) reuse_settings(ids.front());
  });
  make("actionUseAsStartImage", QKeySequence(Qt::CTRL | Qt::Key_I), [this] {
    const QList<qint64> ids = selected_ids();
    if (ids.isEmpty()) return;
    const QImage img = controller_->image(ids.front());
    if (img.isNull()) return;
    image_input_->set_image(img, tr("result #%1").arg(ids.front()));
    image_input_->set_library_id(ids.front());
    tabs_->setCurrentWidget(image_input_);
  });
  make("actionCopySeed", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), [this] { copy_seed(); });
  make("actionCopyImage", QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_C), [this] { copy_image(); });
  make("actionExport", QKeySequence(Qt::CTRL | Qt::Key_E), [this] { open_export_dialog(); });
  make("actionShowInFolder", QKeySequence(), [this] { show_in_folder(); });
  // The selected drafts as a render-farm plan of quality re-renders (ripen-cli batch --plan; README: Render farms).
  make("actionExportFarmPlan", QKeySequence(), [this] {
    const QList<qint64> ids = selected_ids();
    if (ids.isEmpty() || !controller_->library()) {
      statusBar()->showMessage(tr("Select the drafts to render on the farm."), 5000);
      return;
    }
    const QString file = QFileDialog::getSaveFileName(this, tr("Export farm plan"), QStringLiteral("plan.json"),
                                                      tr("Ripen plans (*.json)"));
    if (file.isEmpty()) return;
    try {
      farm::write_plan(farm::promote_plan(controller_->library()->dir(), std::vector<int64_t>(ids.begin(), ids.end()),
                                          PromoteMode::Rerender),
                       file.toStdString());
      statusBar()->showMessage(tr("Wrote a farm plan of %n quality re-render(s) to %1", nullptr, int(ids.size())).arg(file),
                               8000);
    } catch (const std::exception& e) {
      QMessageBox::warning(this, tr("Export farm plan"), QString::fromStdString(e.what()));
    }
  });
  make("actionDelete", QKeySequence(QKeySequence::Delete), [this] { delete_selected(); });
  make("actionFavourite", QKeySequence(Qt::CTRL | Qt::Key_D), [this] { set_favourite(); });
  make("actionTags", QKeySequence(Qt::CTRL | Qt::Key_T), [this] { edit_tags(); });
  make("actionAddToCollection", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_A), [this] { add_to_collection(); });
  for (int r = 0; r <= 5; ++r)
    make(qPrintable(QStringLiteral("actionRate%1").arg(r)), QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_0 + r)),
         [this, r] { set_rating(r); });
  make("actionSettings", QKeySequence(QKeySequence::Preferences).isEmpty() ? QKeySequence(Qt::CTRL | Qt::Key_Comma)
                                                                            : QKeySequence(QKeySequence::Preferences),
       [this] { open_settings(); });
  make("actionModels", QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_M), [this] { open_models(); });
  make("actionQuit", QKeySequence(QKeySequence::Quit), [this] { close(); });
  make("actionFocusPrompt", QKeySequence(Qt::CTRL | Qt::Key_L), [this] {
    prompt_dock_->show();
    prompt_->prompt_edit()->setFocus();
  });
  make("actionFocusGallery", QKeySequence(Qt::CTRL | Qt::Key_G), [this] {
    gallery_dock_->show();
    gallery_->list()->setFocus();
  });
  make("actionFocusSearch", QKeySequence(QKeySequence::Find), [this] {
    gallery_dock_->show();
    gallery_->search()->setFocus();
    gallery_->search()->selectAll();
  });
  make("actionAbout", QKeySequence(), [this] {
    QMessageBox::about(this, tr("About Ripen"),
                       tr("<h3>Ripen %1</h3><p>Explore fast, pick, promote, compare, export.</p>")
                           .arg(QApplication::applicationVersion()));
  });
  QAction* undo = controller_->undo_stack()->createUndoAction(this);
  undo->setObjectName("actionUndo");
  undo->setShortcut(QKeySequence::Undo);
  actions_.insert("actionUndo", undo);
  addAction(undo);
  QAction* redo = controller_->undo_stack()->createRedoAction(this);
  redo->setObjectName("actionRedo");
  redo->setShortcut(QKeySequence::Redo);
  actions_.insert("actionRedo", redo);
  addAction(redo);

  gallery_->set_context_actions({actions_["actionPromote"], actions_["actionRerender"], actions_["actionPolish"],
                                 actions_["actionCompare"], actions_["actionReuse"], actions_["actionUseAsStartImage"],
                                 actions_["actionCopySeed"], actions_["actionCopyImage"], actions_["actionExport"], actions_["actionShowInFolder"],
                                 actions_["actionFavourite"], actions_["actionTags"], actions_["actionAddToCollection"],
                                 actions_["actionDelete"]});
  variations_->setContextMenuPolicy(Qt::ActionsContextMenu);
  variations_->addActions({actions_["actionPromote"], actions_["actionPolish"], actions_["actionCompare"],
                           actions_["actionReuse"], actions_["actionCopySeed"], actions_["actionExport"]});
}

void MainWindow::build_menus() {
  file_menu_ = menuBar()->addMenu(QString());
  file_menu_->addActions({actions_["actionExport"], actions_["actionExportFarmPlan"], actions_["actionShowInFolder"]});
  file_menu_->addSeparator();
  file_menu_->addActions({actions_["actionModels"], actions_["actionSettings"], actions_["actionQuit"]});
  edit_menu_ = menuBar()->addMenu(QString());
  edit_menu_->addActions({actions_["actionUndo"], actions_["actionRedo"]});
  edit_menu_->addSeparator();
  edit_menu_->addActions({actions_["actionCopyImage"], actions_["actionCopySeed"], actions_["actionDelete"]});
  image_menu_ = menuBar()->addMenu(QString());
  image_menu_->addActions({actions_["actionGenerate"], actions_["actionExplore"], actions_["actionCancel"]});
  image_menu_->addSeparator();
  image_menu_->addActions({actions_["actionPromote"], actions_["actionRerender"], actions_["actionPolish"],
                           actions_["actionCompare"], actions_["actionReuse"], actions_["actionUseAsStartImage"]});
  image_menu_->addSeparator();
  image_menu_->addActions({actions_["actionFavourite"], actions_["actionTags"], actions_["actionAddToCollection"]});
  rating_menu_ = image_menu_->addMenu(QString());
  for (int r = 0; r <= 5; ++r) rating_menu_->addAction(actions_[QStringLiteral("actionRate%1").arg(r)]);
  view_menu_ = menuBar()->addMenu(QString());
  view_menu_->addActions({prompt_dock_->toggleViewAction(), gallery_dock_->toggleViewAction(),
                          library_dock_->toggleViewAction(), networks_dock_->toggleViewAction()});
  view_menu_->addSeparator();
  view_menu_->addActions({actions_["actionFocusPrompt"], actions_["actionFocusGallery"], actions_["actionFocusSearch"]});
  help_menu_ = menuBar()->addMenu(QString());
  help_menu_->addAction(actions_["actionAbout"]);

  toolbar_ = addToolBar(QString());
  toolbar_->setObjectName("mainToolbar");
  toolbar_->setToolButtonStyle(Qt::ToolButtonTextOnly);
  toolbar_->addActions({actions_["actionGenerate"], actions_["actionExplore"], actions_["actionCancel"]});
  toolbar_->addSeparator();
  toolbar_->addActions({actions_["actionPromote"], actions_["actionPolish"], actions_["actionCompare"]});
  toolbar_->addSeparator();
  toolbar_->addActions({actions_["actionExport"], actions_["actionSettings"]});
}

void MainWindow::retranslate() {
  setWindowTitle(tr("Ripen"));
  tabs_->setTabText(0, tr("Preview"));
  tabs_->setTabText(1, tr("Variations"));
  tabs_->setTabText(2, tr("Compare"));
  tabs_->setTabText(3, tr("Start image"));
  prompt_dock_->setWindowTitle(tr("Prompt"));
  gallery_dock_->setWindowTitle(tr("Gallery"));
  library_dock_->setWindowTitle(tr("Seed library"));
  networks_dock_->setWindowTitle(tr("Networks"));
  file_menu_->setTitle(tr("&File"));
  edit_menu_->setTitle(tr("&Edit"));
  image_menu_->setTitle(tr("&Image"));
  view_menu_->setTitle(tr("&View"));
  help_menu_->setTitle(tr("&Help"));
  rating_menu_->setTitle(tr("&Rating"));
  toolbar_->setWindowTitle(tr("Main toolbar"));
  const std::pair<const char*, QString> texts[] = {
      {"actionGenerate", tr("&Generate")},
      {"actionExplore", tr("E&xplore variations")},
      {"actionCancel", tr("&Cancel")},
      {"actionPromote", tr("&Promote")},
      {"actionRerender", tr("Promote by &re-rendering")},
      {"actionPolish", tr("Po&lish")},
      {"actionCompare", tr("Co&mpare")},
      {"actionReuse", tr("Re&use settings")},
      {"actionUseAsStartImage", tr("Use as &start image")},
      {"actionCopySeed", tr("Copy &seed")},
      {"actionCopyImage", tr("&Copy image")},
      {"actionExport", tr("&Export…")},
      {"actionShowInFolder", tr("Show in &folder")},
      {"actionExportFarmPlan", tr("Export farm &plan…")},
      {"actionDelete", tr("&Delete")},
      {"actionFavourite", tr("&Favourite")},
      {"actionTags", tr("Edit &tags…")},
      {"actionAddToCollection", tr("Add to co&llection…")},
      {"actionModels", tr("&Models…")},
      {"actionSettings", tr("&Settings…")},
      {"actionQuit", tr("&Quit")},
      {"actionFocusPrompt", tr("Go to &prompt")},
      {"actionFocusGallery", tr("Go to &gallery")},
      {"actionFocusSearch", tr("&Search the gallery")},
      {"actionAbout", tr("&About Ripen")},
  };
  for (const auto& [name, text] : texts) actions_[name]->setText(text);
  actions_["actionPromote"]->setToolTip(tr("Promote the draft to quality, keeping its composition (Ctrl+P)"));
  actions_["actionPolish"]->setToolTip(tr("Re-noise the image a little and finish it in quality mode (Ctrl+Shift+P)"));
  actions_["actionCompare"]->setToolTip(tr("Compare two images, or a promoted image with its parent (Ctrl+K)"));
  actions_["actionUndo"]->setText(tr("&Undo"));
  actions_["actionRedo"]->setText(tr("&Redo"));
  actions_["actionRate0"]->setText(tr("No rating"));
  for (int r = 1; r <= 5; ++r) actions_[QStringLiteral("actionRate%1").arg(r)]->setText(QString(r, QChar(0x2605)));
  prompt_->set_models(models_, prompt_->current_model(),
                      !embedded_path_.isEmpty());
  update_status();
}

void MainWindow::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  else if (e->type() == QEvent::PaletteChange)
    prompt_->set_dark(palette().color(QPalette::Window).lightness() < 128);
  QMainWindow::changeEvent(e);
}

void MainWindow::closeEvent(QCloseEvent* e) {
  QSettings store;
  store.setValue("window/geometry", saveGeometry());
  AppSettings s = controller_->settings();
  s.model = prompt_->current_model();
  s.save(store);
  controller_->cancel_all();
  QMainWindow::closeEvent(e);
}

bool MainWindow::model_available() const {
  const QString m = prompt_->current_model();
  return m == "embedded" ? !embedded_path_.isEmpty() : QFileInfo::exists(m);
}

void MainWindow::refresh_models() {
  const models::Catalogue catalogue = scan_catalogue(controller_->settings());  // headers only, no hashing
  models_ = catalogue_entries(catalogue);
  prompt_->set_models(models_, controller_->settings().model,
                      !embedded_path_.isEmpty());
  prompt_->set_component_files(catalogue_entries(catalogue, models::ModelKind::Unet),
                               catalogue_entries(catalogue, models::ModelKind::Vae));
  networks_->rescan();
  update_network_arch();
  preview_->show_missing_model(!model_available() && last_result_ == 0);
}

// The networks panel flags LoRAs made for another family than the selected model's.
void MainWindow::update_network_arch() {
  QString arch;
  for (const ModelEntry& m : models_)
    if (m.path == prompt_->current_model()) arch = m.arch;
  if (prompt_->current_model() == "embedded") arch.clear();
  networks_->set_model_arch(arch);
}

void MainWindow::update_status() {
  const auto& s = controller_->settings();
  const bool cuda = s.device == "cuda" && at::hasCUDA();
  device_label_->setText(tr("Device: %1 (%2)").arg(cuda ? QStringLiteral("CUDA") : QStringLiteral("CPU")).arg(s.precision));
  const double gpu = cuda ? cuda_memory_mib() : -1;
  memory_label_->setText(gpu >= 0 ? tr("Memory: %1 MiB · GPU: %2 MiB").arg(resident_memory()).arg(gpu, 0, 'f', 0)
                                  : tr("Memory: %1 MiB").arg(resident_memory()));
  memory_label_->setToolTip(tr("Memory in use by Ripen (resident set) and, on CUDA, held by the engine on the GPU"));
  queue_label_->setText(tr("Queue: %1").arg(controller_->queue_length()));
}

void MainWindow::generate() {
  if (!model_available()) {
    preview_->show_missing_model(true);
    tabs_->setCurrentWidget(preview_);
    statusBar()->showMessage(tr("No model: choose a model folder first."), 8000);
    return;
  }
  std::optional<GenerationRequest> r = next_request();
  if (!r) return;
  controller_->generate(*r);
  tabs_->setCurrentWidget(preview_);
}

// The prompt panel's request with the start image attached, or nullopt (and a message) when its files cannot be
// written.
std::optional<GenerationRequest> MainWindow::next_request() {
  GenerationRequest r = prompt_->take_request();
  if (!image_input_->has_image()) return r;
  QString dir = QDir(QStandardPaths::writableLocation(QStandardPaths::CacheLocation)).filePath("inputs");
  QString image, latents;
  if (auto* lib = controller_->library(); lib && !lib->read_only()) {
    dir = QString::fromStdString((lib->dir() / "inputs").string());
    if (image_input_->library_id() >= 0)
      if (auto g = controller_->generation(image_input_->library_id())) {
        image = QString::fromStdString(lib->image_file(*g).string());
        latents = QString::fromStdString(lib->latents_file(*g).string());
      }
  }
  StartImageFiles files = start_image_input(*image_input_, dir, image, latents, r.width, r.height);
  if (!files.input) {
    statusBar()->showMessage(tr("The start image could not be used: %1").arg(files.error), 10000);
    return std::nullopt;
  }
  r.image = files.input;
  return r;
}

void MainWindow::explore(int n) {
  if (!model_available()) return generate();
  std::optional<GenerationRequest> next = next_request();
  if (!next) return;
  GenerationRequest r = *next;
  QList<quint64> jobs = controller_->explore(r, n);
  variations_->start(jobs, r.seed);
  tabs_->setCurrentWidget(variations_);
}

void MainWindow::promote(PromoteMode mode) {
  QList<qint64> ids = selected_ids();
  if (ids.isEmpty()) {
    statusBar()->showMessage(tr("Select an image to promote."), 5000);
    return;
  }
  for (qint64 id : ids) {
    if (mode == PromoteMode::Polish) controller_->polish(id);
    else controller_->promote(id, mode);
  }
  statusBar()->showMessage(tr("Promoting %n image(s)…", nullptr, int(ids.size())), 5000);
}

void MainWindow::compare_ids(qint64 a, qint64 b) {
  compare_->show_pair(controller_->compare(a, b));
  tabs_->setCurrentWidget(compare_);
}

void MainWindow::on_generated(const JobResult& r) {
  if (r.ids.isEmpty()) return;
  last_result_ = r.ids.front();
  preview_->show_missing_model(false);
  if (r.kind == JobKind::Generate) gallery_->select_id(last_result_);
}

QList<qint64> MainWindow::selected_ids() const {
  if (tabs_->currentWidget() == variations_) {
    QList<qint64> ids;
    for (auto* it : variations_->selectedItems())
      if (qint64 id = variations_->id_at(variations_->row(it))) ids << id;
    if (!ids.isEmpty()) return ids;
  }
  if (seed_library_->tree()->hasFocus() && seed_library_->current_id()) return {seed_library_->current_id()};
  QList<qint64> ids = gallery_->selected_ids();
  if (ids.isEmpty() && last_result_) ids << last_result_;
  return ids;
}

void MainWindow::export_ids(const QList<qint64>& ids, const ExportSettings& s) {
  ExportReport rep = controller_->export_images(ids, s);
  if (rep.errors.isEmpty())
    statusBar()->showMessage(tr("Exported %n image(s) to %1", nullptr, int(rep.written.size())).arg(s.destination), 8000);
  else
    QMessageBox::warning(this, tr("Export"), tr("Some images were not exported:\n%1").arg(rep.errors.join("\n")));
}

void MainWindow::open_export_dialog() {
  QList<qint64> ids = selected_ids();
  if (ids.isEmpty()) return;
  if (last_export_.destination.isEmpty())
    last_export_.destination = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation) + "/Ripen";
  ExportDialog dlg(int(ids.size()), last_export_, this);
  if (dlg.exec() != QDialog::Accepted) return;
  last_export_ = dlg.settings();
  export_ids(ids, last_export_);
}

void MainWindow::apply_settings(const AppSettings& s) {
  const AppSettings old = controller_->settings();
  controller_->apply_settings(s);
  QSettings store;
  s.save(store);
  if (s.theme != old.theme) apply_theme(s.theme);
  if (s.language != old.language) apply_language(s.language);
  if (s.model_folders != old.model_folders || s.install_folders != old.install_folders ||
      s.extra_model_paths != old.extra_model_paths || s.model != old.model)
    refresh_models();
  update_status();
}

void MainWindow::open_settings() {
  SettingsDialog dlg(controller_->settings(), this);
  if (dlg.exec() == QDialog::Accepted) apply_settings(dlg.settings());
}

CatalogueDialog* MainWindow::open_models() {
  auto* dlg = new CatalogueDialog([this] { return scan_catalogue(controller_->settings()); }, this);
  dlg->setAttribute(Qt::WA_DeleteOnClose);
  dlg->show();
  return dlg;
}

void MainWindow::choose_model_folder() {
  QString d = QFileDialog::getExistingDirectory(this, tr("Choose a model folder"));
  if (d.isEmpty()) return;
  AppSettings s = controller_->settings();
  if (!s.model_folders.contains(d)) s.model_folders << d;
  QList<ModelEntry> found = scan_models({d});
  if (!found.isEmpty()) s.model = found.front().path;
  apply_settings(s);
  if (found.isEmpty())
    QMessageBox::information(this, tr("No model found"),
                             tr("%1 holds no diffusers model folder (with model_index.json) and no .safetensors "
                                "checkpoint.")
                                 .arg(d));
}

void MainWindow::reuse_settings(qint64 id) {
  auto g = controller_->generation(id);
  if (!g) return;
  GenerationRequest r = g->request;
  r.promote = PromoteMode::None;
  r.parent_id.reset();
  prompt_->set_request(r);
  statusBar()->showMessage(tr("Settings of #%1 loaded.").arg(id), 5000);
}

void MainWindow::copy_seed() {
  QStringList seeds;
  for (qint64 id : selected_ids())
    if (auto g = controller_->generation(id)) seeds << QString::number(g->request.seed);
  if (!seeds.isEmpty()) QApplication::clipboard()->setText(seeds.join(' '));
}

void MainWindow::copy_image() {
  QList<qint64> ids = selected_ids();
  if (!ids.isEmpty()) QApplication::clipboard()->setImage(controller_->image(ids.front()));
}

void MainWindow::show_in_folder() {
  QList<qint64> ids = selected_ids();
  if (ids.isEmpty()) return;
  QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(controller_->image_path(ids.front())).absolutePath()));
}

void MainWindow::delete_selected() {
  QList<qint64> ids = selected_ids();
  if (ids.isEmpty()) return;
  controller_->remove_with_undo(ids);
  if (ids.contains(last_result_)) last_result_ = 0;
  statusBar()->showMessage(tr("Deleted %n image(s). Undo with Ctrl+Z.", nullptr, int(ids.size())), 8000);
}

void MainWindow::set_favourite() {
  for (qint64 id : selected_ids())
    if (auto g = controller_->generation(id)) controller_->set_favourite(id, !g->favourite);
  library_model_->reload();
}

void MainWindow::edit_tags() {
  const QList<qint64> ids = selected_ids();
  if (ids.isEmpty()) return;
  auto g = controller_->generation(ids.front());
  QStringList now;
  if (g)
    for (const auto& t : g->tags) now << QString::fromStdString(t);
  bool ok = false;
  const QString text = QInputDialog::getText(this, tr("Tags"),
                                             tr("Tags of %n image(s), separated by commas:", nullptr, int(ids.size())),
                                             QLineEdit::Normal, now.join(QStringLiteral(", ")), &ok);
  if (!ok) return;
  try {
    controller_->set_tags(ids, StudioController::split_tags(text));
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Tags not changed: %1").arg(QString::fromUtf8(e.what())), 8000);
  }
}

void MainWindow::add_to_collection() {
  const QList<qint64> ids = selected_ids();
  if (ids.isEmpty() || !controller_->library()) return;
  QStringList names;
  for (const auto& [id, name] : controller_->library()->collections()) names << QString::fromStdString(name);
  bool ok = false;
  const QString name = QInputDialog::getItem(this, tr("Add to collection"),
                                             tr("Collection (a new name makes a new one):"), names, 0, true, &ok);
  if (!ok || name.simplified().isEmpty()) return;
  try {
    controller_->add_to_collection(ids, name);
    statusBar()->showMessage(tr("Added %n image(s) to %1.", nullptr, int(ids.size())).arg(name.simplified()), 5000);
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Not added: %1").arg(QString::fromUtf8(e.what())), 8000);
  }
}

void MainWindow::set_rating(int r) {
  for (qint64 id : selected_ids()) controller_->set_rating(id, r);
  library_model_->reload();
}

}  // namespace ripen::ui
