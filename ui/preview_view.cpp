#include "ui/preview_view.h"

#include <QEvent>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QStackedLayout>
#include <QVBoxLayout>

#include "ui/convert.h"

namespace ripen::ui {

ImageCanvas::ImageCanvas(QWidget* parent) : QWidget(parent) {
  setMinimumSize(128, 128);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
}

void ImageCanvas::set_image(const QImage& img) {
  image_ = img;
  update();
}

void ImageCanvas::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().base());
  if (image_.isNull()) return;
  QSize s = image_.size().scaled(size(), Qt::KeepAspectRatio);
  QRect r(QPoint((width() - s.width()) / 2, (height() - s.height()) / 2), s);
  // Small previews are upscaled without smoothing, so the latent preview stays crisp and cheap to draw.
  p.setRenderHint(QPainter::SmoothPixmapTransform, image_.width() >= 256);
  p.drawImage(r, image_);
}

PreviewView::PreviewView(QWidget* parent) : QWidget(parent) {
  setObjectName("PreviewView");
  auto* lay = new QVBoxLayout(this);
  stack_ = new QStackedLayout;
  canvas_ = new ImageCanvas(this);
  stack_->addWidget(canvas_);
  missing_ = new QWidget(this);
  auto* ml = new QVBoxLayout(missing_);
  missing_text_ = new QLabel(missing_);
  missing_text_->setWordWrap(true);
  missing_text_->setAlignment(Qt::AlignCenter);
  missing_text_->setObjectName("firstRunMessage");
  missing_button_ = new QPushButton(missing_);
  missing_button_->setObjectName("chooseModel");
  ml->addStretch();
  ml->addWidget(missing_text_);
  ml->addWidget(missing_button_, 0, Qt::AlignCenter);
  ml->addStretch();
  stack_->addWidget(missing_);
  connect(missing_button_, &QPushButton::clicked, this, &PreviewView::choose_model_requested);
  lay->addLayout(stack_, 1);
  progress_ = new QLabel(this);
  progress_->setObjectName("previewProgress");
  reason_ = new QLabel(this);
  reason_->setObjectName("stopReason");
  reason_->setWordWrap(true);
  lay->addWidget(progress_);
  lay->addWidget(reason_);
  retranslate();
}

void PreviewView::retranslate() {
  missing_text_->setText(
      tr("<h3>No model is installed yet</h3><p>The embedded default model is not installed on this computer. "
         "Choose a model folder: a folder that holds Stable Diffusion models (diffusers folders or .safetensors "
         "checkpoints), or pick a model in the prompt panel.</p>"));
  missing_button_->setText(tr("Choose a model folder…"));
  canvas_->setAccessibleName(tr("Preview"));
  missing_button_->setAccessibleName(tr("Choose a model folder"));
  if (job_) on_step(job_, last_);
  if (has_result_) on_finished(last_result_);
}

void PreviewView::changeEvent(QEvent* e) {
  if (e->type() == QEvent::LanguageChange) retranslate();
  QWidget::changeEvent(e);
}

void PreviewView::show_missing_model(bool missing) { stack_->setCurrentIndex(missing ? 1 : 0); }

const QImage& PreviewView::current_image() const { return canvas_->image(); }
QString PreviewView::status_text() const { return progress_->text() + "\n" + reason_->text(); }

void PreviewView::on_started(quint64 job, int) {
  job_ = job;
  steps_seen_ = 0;
  has_result_ = false;
  last_ = StepEvent{};
  last_.step = 0;
  stack_->setCurrentIndex(0);
  progress_->setText(tr("Starting…"));
  reason_->clear();
}

void PreviewView::on_step(quint64 job, const StepEvent& s) {
  if (job != job_) return;
  last_ = s;
  if (!s.preview.empty()) {
    ++steps_seen_;
    canvas_->set_image(to_qimage(s.preview));
  }
  if (s.phase == Phase::Decode) {
    progress_->setText(tr("Decoding… %1 steps used").arg(s.step));
    return;
  }
  if (s.step == 0) return;
  const double left = s.eta();
  QString eta = left >= 0 ? tr("ETA %1 s").arg(left, 0, 'f', 1) : QString();
  progress_->setText(tr("Step %1 / %2 · σ %3 · %4 s · %5")
                         .arg(s.step)
                         .arg(s.planned)
                         .arg(s.sigma, 0, 'f', 3)
                         .arg(s.elapsed, 0, 'f', 1)
                         .arg(eta));
}

void PreviewView::on_finished(const JobResult& r) {
  if (r.job != job_ && r.job != last_result_.job) return;
  last_result_ = r;
  has_result_ = true;
  if (r.ok()) {
    if (!r.images.isEmpty()) canvas_->set_image(r.images.front());
    progress_->setText(tr("Done: %1 of %2 steps planned, %3 UNet evaluations, %4 s")
                           .arg(r.record.steps_used)
                           .arg(r.record.steps_planned)
                           .arg(r.record.unet_evals)
                           .arg(r.record.seconds_total, 0, 'f', 2));
    reason_->setText(r.record.stop_reason.empty()
                         ? QString()
                         : tr("Stop reason: %1").arg(QString::fromStdString(r.record.stop_reason)));
  } else if (r.status == JobResult::Status::Cancelled) {
    progress_->setText(tr("Cancelled"));
    reason_->clear();
  } else {
    progress_->setText(tr("Failed"));
    reason_->setText(r.error);
  }
}

void PreviewView::show_image(const QImage& img, const QString& caption) {
  stack_->setCurrentIndex(0);
  canvas_->set_image(img);
  progress_->setText(caption);
  reason_->clear();
}

}  // namespace ripen::ui
