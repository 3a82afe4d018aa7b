// The start-image tab: the mask canvas's tools (brush, eraser, hardness, invert, clear, undo, outpaint handles)
// driven with real mouse events, masks read from files of each kind, and the panel's settings and summary.
#include <QApplication>
#include <QDoubleSpinBox>
#include <QPainter>
#include <QSpinBox>
#include <QtTest>

#include <QCryptographicHash>
#include <QTemporaryDir>

#include "ui/image_input_panel.h"
#include "ui/start_image.h"
#include "ui/mask_canvas.h"

using namespace ripen::ui;

namespace {
QImage pattern(int w, int h) {
  QImage img(w, h, QImage::Format_RGB32);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) img.setPixel(x, y, qRgb(x % 256, y % 256, (x + y) % 256));
  return img;
}

int mask_at(const MaskCanvas& c, int x, int y) { return qGray(c.mask().pixel(x, y)); }

QPoint widget_point(const MaskCanvas& c, double x, double y) { return c.to_widget({x, y}).toPoint(); }

void drag(MaskCanvas& c, QPoint from, QPoint to) {
  QTest::mousePress(&c, Qt::LeftButton, {}, from);
  const int n = 12;
  for (int i = 1; i <= n; ++i) {
    const QPoint p = from + (to - from) * i / n;
    QMouseEvent move(QEvent::MouseMove, p, c.mapToGlobal(p), Qt::NoButton, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&c, &move);
  }
  QTest::mouseRelease(&c, Qt::LeftButton, {}, to);
}
}  // namespace

class ImageInputTest : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void brush_paints_the_stroke_and_only_it() {
    MaskCanvas c;
    c.resize(400, 400);
    c.set_image(pattern(200, 200));  // shown at 2x
    QVERIFY(c.mask_empty());
    c.set_brush_size(20);
    c.set_hardness(1.0);
    drag(c, widget_point(c, 40, 100), widget_point(c, 160, 100));
    QCOMPARE(c.mask().size(), QSize(200, 200));
    QCOMPARE(c.mask().format(), QImage::Format_Grayscale8);
    QCOMPARE(mask_at(c, 100, 100), 255);  // on the stroke
    QCOMPARE(mask_at(c, 40, 100), 255);
    QCOMPARE(mask_at(c, 100, 130), 0);  // well outside the 10-pixel radius
    QCOMPARE(mask_at(c, 10, 10), 0);
    QVERIFY(!c.mask_empty());
  }

  void soft_brush_leaves_grey_at_its_rim() {
    MaskCanvas c;
    c.resize(200, 200);
    c.set_image(pattern(200, 200));
    c.set_brush_size(40);
    c.set_hardness(0.0);
    QTest::mouseClick(&c, Qt::LeftButton, {}, widget_point(c, 100, 100));
    const int centre = mask_at(c, 100, 100), rim = mask_at(c, 100, 114);
    QVERIFY2(centre > 200, qPrintable(QString::number(centre)));
    QVERIFY2(rim > 0 && rim < centre, qPrintable(QString("%1 %2").arg(rim).arg(centre)));
  }

  void eraser_invert_clear_and_undo() {
    MaskCanvas c;
    c.resize(200, 200);
    c.set_image(pattern(100, 100));
    c.set_brush_size(30);
    c.set_hardness(1.0);
    QTest::mouseClick(&c, Qt::LeftButton, {}, widget_point(c, 50, 50));
    QCOMPARE(mask_at(c, 50, 50), 255);
    c.set_tool(MaskCanvas::Tool::Eraser);
    c.set_brush_size(10);
    QTest::mouseClick(&c, Qt::LeftButton, {}, widget_point(c, 50, 50));
    QCOMPARE(mask_at(c, 50, 50), 0);
    QCOMPARE(mask_at(c, 50, 38), 255);  // erased only under the smaller eraser
    c.invert();
    QCOMPARE(mask_at(c, 50, 50), 255);
    QCOMPARE(mask_at(c, 2, 2), 255);
    QCOMPARE(mask_at(c, 50, 38), 0);
    QVERIFY(c.undo());  // invert
    QCOMPARE(mask_at(c, 50, 50), 0);
    QVERIFY(c.undo());  // eraser
    QCOMPARE(mask_at(c, 50, 50), 255);
    c.clear();
    QVERIFY(c.mask_empty());
    QVERIFY(c.undo());
    QVERIFY(!c.mask_empty());
    QVERIFY(c.undo());  // the brush
    QVERIFY(c.mask_empty());
    QVERIFY(!c.undo());
  }

  void outpaint_handles_snap_to_eight_and_undo() {
    MaskCanvas c;
    c.resize(300, 300);
    c.set_image(pattern(100, 100));
    c.set_tool(MaskCanvas::Tool::Outpaint);
    QSignalSpy spy(&c, &MaskCanvas::outpaint_changed);
    // Grab the right edge and drag 45 image pixels outwards: the margin snaps to 48.
    const QPoint from = widget_point(c, 99, 50);
    const double s = c.to_widget({1, 0}).x() - c.to_widget({0, 0}).x();
    drag(c, from, from + QPoint(int(45 * s), 0));
    QCOMPARE(c.outpaint().right(), 48);
    QCOMPARE(c.outpaint().left(), 0);
    QVERIFY(spy.count() > 0);
    QCOMPARE(c.composite().size(), QSize(148, 100));
    QCOMPARE(c.mask().size(), QSize(100, 100));  // the mask stays at the picture's size
    QVERIFY(c.undo());
    QVERIFY(c.outpaint().isNull());
    c.set_outpaint(QMargins(3, 13, 0, 100));
    QCOMPARE(c.outpaint(), QMargins(0, 16, 0, 104));
  }

  void keys_on_the_focused_canvas() {
    MaskCanvas c;
    c.resize(200, 200);
    c.set_image(pattern(100, 100));
    c.set_brush_size(40);
    QTest::mouseClick(&c, Qt::LeftButton, {}, widget_point(c, 50, 50));
    QVERIFY(!c.mask_empty());
    QTest::keyClick(&c, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(c.mask_empty());
    QSignalSpy size(&c, &MaskCanvas::brush_size_changed);
    QTest::keyClick(&c, Qt::Key_BracketRight);
    QCOMPARE(c.brush_size(), 51);
    QTest::keyClick(&c, Qt::Key_BracketLeft);
    QCOMPARE(c.brush_size(), 40);
    QCOMPARE(size.count(), 2);
  }

  void mask_files_of_each_kind() {
    MaskCanvas c;
    c.set_image(pattern(64, 64));
    QImage grey(32, 32, QImage::Format_Grayscale8);  // another size: scaled to the picture
    grey.fill(0);
    for (int y = 0; y < 16; ++y)
      for (int x = 0; x < 32; ++x) grey.scanLine(y)[x] = 255;
    c.set_mask(grey);
    QCOMPARE(c.mask().size(), QSize(64, 64));
    QCOMPARE(mask_at(c, 10, 5), 255);
    QCOMPARE(mask_at(c, 10, 60), 0);
    // With an alpha channel the alpha is the mask, whatever the colour (A1111's and Krita's exports).
    QImage alpha(64, 64, QImage::Format_ARGB32);
    alpha.fill(qRgba(0, 0, 0, 0));
    for (int x = 0; x < 64; ++x) alpha.setPixel(x, 40, qRgba(0, 0, 0, 200));
    c.set_mask(alpha);
    QCOMPARE(mask_at(c, 5, 40), 200);
    QCOMPARE(mask_at(c, 5, 5), 0);
  }

  void panel_settings_and_summary() {
    ImageInputPanel p;
    p.resize(500, 700);
    QVERIFY(!p.has_image());
    QSignalSpy changed(&p, &ImageInputPanel::changed);
    p.set_image(pattern(96, 64), "/tmp/photo.png");
    QVERIFY(p.has_image());
    QVERIFY(!p.has_mask());
    QVERIFY(changed.count() > 0);
    QVERIFY(p.summary().startsWith("img2img from photo.png"));
    p.set_strength(0.6);
    QCOMPARE(p.strength(), 0.6);
    QCOMPARE(p.findChild<QDoubleSpinBox*>("strength")->value(), 0.6);
    p.canvas()->set_outpaint(QMargins(0, 0, 64, 0));
    QVERIFY(p.summary().startsWith("outpaint photo.png (+64 px)"));
    p.canvas()->set_outpaint({});
    QImage m(96, 64, QImage::Format_Grayscale8);
    m.fill(255);
    p.canvas()->set_mask(m);
    QVERIFY(p.has_mask());
    QVERIFY(p.summary().startsWith("inpaint photo.png"));
    QCOMPARE(p.masked_content(), QString("original"));
    QCOMPARE(p.mask_blur(), 4);
    QVERIFY(p.findChild<QSpinBox*>("maskBlur")->isEnabled());
    QVERIFY(!p.open_file("/nonexistent/x.png"));
    QVERIFY(p.has_image());  // a failed open keeps the picture
    p.clear_image();
    QVERIFY(!p.has_image());
  }

  void start_image_files_are_stored_by_content() {
    QTemporaryDir dir;
    ImageInputPanel p;
    p.set_image(pattern(96, 64), "/tmp/photo.png");
    p.set_strength(0.55);
    StartImageFiles f = start_image_input(p, dir.filePath("inputs"), QString(), QString(), 96, 64);
    QVERIFY2(f.input, qPrintable(f.error));
    QCOMPARE(f.input->strength, 0.55);
    QVERIFY(f.input->mask.empty());
    const QString image = QString::fromStdString(f.input->image);
    QFile file(image);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QCOMPARE(QString::fromStdString(f.input->image_hash),
             QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex()));
    QCOMPARE(QFileInfo(image).completeBaseName(), QString::fromStdString(f.input->image_hash));
    QCOMPARE(QImage(image).convertToFormat(QImage::Format_RGB32), pattern(96, 64));  // lossless
    // The same picture again: the same file, nothing new written.
    StartImageFiles again = start_image_input(p, dir.filePath("inputs"), QString(), QString(), 96, 64);
    QCOMPARE(again.input->image, f.input->image);
    QCOMPARE(QDir(dir.filePath("inputs")).entryList(QDir::Files).size(), 1);

    QImage m(96, 64, QImage::Format_Grayscale8);
    m.fill(0);
    for (int x = 10; x < 40; ++x) m.scanLine(20)[x] = 255;
    p.canvas()->set_mask(m);
    f = start_image_input(p, dir.filePath("inputs"), QString(), "/lib/x.latents.safetensors", 96, 64);
    QVERIFY(f.input);
    QVERIFY(QString::fromStdString(f.input->image).endsWith(".png"));  // a mask: the pixels, not the latents
    QCOMPARE(QImage(QString::fromStdString(f.input->mask)).pixelColor(20, 20).value(), 255);
    QCOMPARE(QImage(QString::fromStdString(f.input->mask)).pixelColor(20, 40).value(), 0);

    // A library result used unchanged at its own size starts from its stored latents.
    p.canvas()->clear();
    p.set_library_id(7);
    f = start_image_input(p, dir.filePath("inputs"), QString(), "/lib/x.latents.safetensors", 96, 64);
    QCOMPARE(f.input->image, std::string("/lib/x.latents.safetensors"));
    QVERIFY(!f.input->image_hash.empty());
    f = start_image_input(p, dir.filePath("inputs"), QString(), "/lib/x.latents.safetensors", 128, 64);  // another size
    QVERIFY(QString::fromStdString(f.input->image).endsWith(".png"));
    // With the library's own image file, the run names it (the library then records the lineage).
    const QString stored = dir.filePath("stored.png");
    QVERIFY(pattern(96, 64).save(stored));
    f = start_image_input(p, dir.filePath("inputs"), stored, QString(), 128, 64);
    QCOMPARE(QString::fromStdString(f.input->image), stored);
    // A folder that cannot be made is a message, not a crash.
    f = start_image_input(p, "/proc/no/such/inputs", QString(), QString(), 96, 64);
    QVERIFY(!f.input);
    QVERIFY(f.error.contains("/proc/no/such/inputs"));
  }
};

QTEST_MAIN(ImageInputTest)
#include "test_ui_image_input.moc"
