#pragma once
// The live preview: the current x0 estimate every step, with step, σ, steps planned/used, ETA and, when the run
// ends, the adaptive controller's stop reason. Also shows the first-run message when no model is usable.
#include <QWidget>

#include "ui/types.h"

class QLabel;
class QPushButton;
class QStackedLayout;

namespace ripen::ui {

class ImageCanvas : public QWidget {
  Q_OBJECT
 public:
  explicit ImageCanvas(QWidget* parent = nullptr);
  void set_image(const QImage& img);
  const QImage& image() const { return image_; }
  QSize sizeHint() const override { return {512, 512}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  QImage image_;
};

class PreviewView : public QWidget {
  Q_OBJECT
 public:
  explicit PreviewView(QWidget* parent = nullptr);
  void on_started(quint64 job, int kind);
  void on_step(quint64 job, const StepEvent& e);
  void on_finished(const JobResult& r);
  void show_image(const QImage& img, const QString& caption);
  void show_missing_model(bool missing);
  int steps_seen() const { return steps_seen_; }
  const QImage& current_image() const;
  QString status_text() const;

 Q_SIGNALS:
  void choose_model_requested();

 protected:
  void changeEvent(QEvent* e) override;

 private:
  void retranslate();
  ImageCanvas* canvas_;
  QLabel *progress_, *reason_, *missing_text_;
  QPushButton* missing_button_;
  QWidget* missing_;
  QStackedLayout* stack_;
  int steps_seen_ = 0;
  quint64 job_ = 0;
  StepEvent last_;
  JobResult last_result_;
  bool has_result_ = false;
};

}  // namespace ripen::ui
