#pragma once
// The studio window: prompt panel (left), preview / variations / compare (centre), gallery (bottom), seed library
// (right); menus, toolbar and shortcuts for the whole loop: explore fast → pick → promote → compare → export.
#include <QMainWindow>
#include <QPointer>

#include "pipeline/model_presets.h"
#include "ui/model_catalog.h"
#include "ui/studio_controller.h"

class QLabel;
class QTabWidget;
class QTimer;

namespace ripen::ui {

class CompareView;
class ImageInputPanel;
class NetworksPanel;
class GalleryModel;
class GalleryView;
class LibraryModel;
class PreviewView;
class CatalogueDialog;
class PromptPanel;
class SeedLibraryPanel;
class VariationsGrid;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);  // settings from QSettings()
  ~MainWindow() override;

  StudioController* controller() const { return controller_; }
  PromptPanel* prompt_panel() const { return prompt_; }
  PreviewView* preview() const { return preview_; }
  VariationsGrid* variations() const { return variations_; }
  CompareView* compare_view() const { return compare_; }
  ImageInputPanel* image_input() const { return image_input_; }
  NetworksPanel* networks_panel() const { return networks_; }
  GalleryView* gallery() const { return gallery_; }
  GalleryModel* gallery_model() const { return gallery_model_; }
  LibraryModel* library_model() const { return library_model_; }
  SeedLibraryPanel* seed_library() const { return seed_library_; }
  QTabWidget* tabs() const { return tabs_; }
  QAction* action(const QString& name) const;  // by objectName, e.g. "actionPromote"
  qint64 last_result() const { return last_result_; }
  bool model_available() const;

  // The same steps the menu actions take, callable by tests and the screenshot tool.
  void generate();
  void explore(int n);
  void promote(PromoteMode mode);
  void compare_ids(qint64 a, qint64 b);
  void export_ids(const QList<qint64>& ids, const ExportSettings& s);
  void apply_settings(const AppSettings& s);
  void open_settings();
  CatalogueDialog* open_models();  // the Models dialog (not modal, deletes itself on close)
  QList<qint64> selected_ids() const;

 protected:
  void changeEvent(QEvent* e) override;
  void closeEvent(QCloseEvent* e) override;

 private:
  void build_actions();
  void build_menus();
  void retranslate();
  void refresh_models();
  void update_network_arch();
  std::optional<GenerationRequest> next_request();
  void update_status();
  void on_generated(const JobResult& r);
  void open_export_dialog();
  void reuse_settings(qint64 id);
  void copy_seed();
  void copy_image();
  void show_in_folder();
  void delete_selected();
  void set_favourite();
  void set_rating(int r);
  void edit_tags();
  void add_to_collection();
  void choose_model_folder();

  StudioController* controller_;
  PromptPanel* prompt_;
  PreviewView* preview_;
  VariationsGrid* variations_;
  CompareView* compare_;
  ImageInputPanel* image_input_;
  NetworksPanel* networks_;
  QSize start_image_size_;  // the size the start image last set

  GalleryModel* gallery_model_;
  GalleryView* gallery_;
  LibraryModel* library_model_;
  SeedLibraryPanel* seed_library_;
  QTabWidget* tabs_;
  QDockWidget *prompt_dock_, *gallery_dock_, *library_dock_, *networks_dock_;
  QLabel *device_label_, *memory_label_, *queue_label_;
  QTimer* status_timer_;
  QMenu *file_menu_, *edit_menu_, *image_menu_, *view_menu_, *help_menu_, *rating_menu_;
  QToolBar* toolbar_;
  QString embedded_path_;
  ModelPresetCatalog model_presets_;
  QList<ModelEntry> models_;  // the picker's checkpoints, from the last catalogue scan
  qint64 last_result_ = 0;
  ExportSettings last_export_;
  QHash<QString, QAction*> actions_;
};

}  // namespace ripen::ui
