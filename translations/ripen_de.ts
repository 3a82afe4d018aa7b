<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>ripen::ui::CatalogueDialog</name>
    <message numerus="yes">
        <source>%n file(s) found, %1 not usable, %2 problem(s) with the folders; read in %3 ms.</source>
        <translation><numerusform>%n Datei gefunden, %1 nicht verwendbar, %2 Problem(e) mit den Ordnern; gelesen in %3 ms.</numerusform><numerusform>%n Dateien gefunden, %1 nicht verwendbar, %2 Problem(e) mit den Ordnern; gelesen in %3 ms.</numerusform></translation>
    </message>
    <message>
        <source>Models</source>
        <translation>Modelle</translation>
    </message>
    <message>
        <source>&amp;Rescan</source>
        <translation>&amp;Neu einlesen</translation>
    </message>
    <message>
        <source>Models found, by kind</source>
        <translation>Gefundene Modelle, nach Art</translation>
    </message>
</context>
<context>
    <name>ripen::ui::CatalogueModel</name>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>Checkpoints</source>
        <translation>Checkpoints</translation>
    </message>
    <message>
        <source>UNet only</source>
        <translation>Nur UNet</translation>
    </message>
    <message>
        <source>VAEs</source>
        <translation>VAEs</translation>
    </message>
    <message>
        <source>Preview decoders (TAESD)</source>
        <translation>Vorschau-Decoder (TAESD)</translation>
    </message>
    <message>
        <source>LoRAs</source>
        <translation>LoRAs</translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation>Embeddings</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>Probleme</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Architecture</source>
        <translation>Architektur</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>Pfad</translation>
    </message>
</context>
<context>
    <name>ripen::ui::CompareView</name>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>Side by side</source>
        <translation>Nebeneinander</translation>
    </message>
    <message>
        <source>Swipe</source>
        <translation>Wischen</translation>
    </message>
    <message>
        <source>Difference (×4)</source>
        <translation>Differenz (×4)</translation>
    </message>
    <message>
        <source>S&amp;wipe</source>
        <translation>&amp;Wischen</translation>
    </message>
    <message>
        <source>Compare view mode</source>
        <translation>Vergleichsmodus</translation>
    </message>
    <message>
        <source>Swipe position</source>
        <translation>Wischposition</translation>
    </message>
    <message>
        <source>Compared images</source>
        <translation>Verglichene Bilder</translation>
    </message>
    <message>
        <source>Wheel or +/− zooms, drag or arrow keys pan, 0 resets</source>
        <translation>Mausrad oder +/− zoomt, Ziehen oder Pfeiltasten verschieben, 0 setzt zurück</translation>
    </message>
    <message>
        <source>Select two images and choose Compare, or promote a draft.</source>
        <translation>Wählen Sie zwei Bilder und dann „Vergleichen“, oder veredeln Sie einen Entwurf.</translation>
    </message>
    <message>
        <source>A: %1 — %2 s, %3 steps    B: %4 — %5 s, %6 steps</source>
        <translation>A: %1 — %2 s, %3 Schritte    B: %4 — %5 s, %6 Schritte</translation>
    </message>
    <message>
        <source>Equivalence (SSIM): %1</source>
        <translation>Übereinstimmung (SSIM): %1</translation>
    </message>
    <message>
        <source>Time ratio B/A: %1×</source>
        <translation>Zeitverhältnis B/A: %1×</translation>
    </message>
</context>
<context>
    <name>ripen::ui::ExportDialog</name>
    <message>
        <source>Export to</source>
        <translation>Exportieren nach</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message numerus="yes">
        <source>Export %n image(s)</source>
        <translation>
            <numerusform>%n Bild exportieren</numerusform>
            <numerusform>%n Bilder exportieren</numerusform>
        </translation>
    </message>
    <message>
        <source>&amp;Format</source>
        <translation>&amp;Format</translation>
    </message>
    <message>
        <source>&amp;Bit depth</source>
        <translation>&amp;Bittiefe</translation>
    </message>
    <message>
        <source>&amp;Quality</source>
        <translation>&amp;Qualität</translation>
    </message>
    <message>
        <source>Include generation &amp;metadata (prompt, seed, settings)</source>
        <translation>Generierungs-&amp;Metadaten einbetten (Prompt, Seed, Einstellungen)</translation>
    </message>
    <message>
        <source>File &amp;name</source>
        <translation>Datei&amp;name</translation>
    </message>
    <message>
        <source>Fields: {id} {seed} {mode} {prompt:20} {negative:20} {width} {height} {sampler} {steps} {model} {hash} {index}</source>
        <translation>Felder: {id} {seed} {mode} {prompt:20} {negative:20} {width} {height} {sampler} {steps} {model} {hash} {index}</translation>
    </message>
    <message>
        <source>&amp;Destination</source>
        <translation>&amp;Ziel</translation>
    </message>
    <message>
        <source>Choose the destination folder</source>
        <translation>Zielordner wählen</translation>
    </message>
    <message>
        <source>Format</source>
        <translation>Format</translation>
    </message>
    <message>
        <source>Bit depth</source>
        <translation>Bittiefe</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Qualität</translation>
    </message>
    <message>
        <source>Include metadata</source>
        <translation>Metadaten einbetten</translation>
    </message>
    <message>
        <source>File name template</source>
        <translation>Dateinamen-Vorlage</translation>
    </message>
    <message>
        <source>Destination folder</source>
        <translation>Zielordner</translation>
    </message>
    <message>
        <source>8 bits per channel</source>
        <translation>8 Bit pro Kanal</translation>
    </message>
    <message>
        <source>16 bits per channel</source>
        <translation>16 Bit pro Kanal</translation>
    </message>
    <message>
        <source>16-bit half float (linear)</source>
        <translation>16-Bit-Halbfließkomma (linear)</translation>
    </message>
</context>
<context>
    <name>ripen::ui::GalleryModel</name>
    <message>
        <source>#%1 · seed %2 · %3 · %4 steps · %5 s
%6</source>
        <translation>#%1 · Seed %2 · %3 · %4 Schritte · %5 s
%6</translation>
    </message>
    <message>
        <source>Image %1, seed %2, %3</source>
        <translation>Bild %1, Seed %2, %3</translation>
    </message>
    <message>
        <source>LoRA %1: %2</source>
        <translation>LoRA %1: %2</translation>
    </message>
    <message>
        <source>LoRA %1: text %2, UNet %3</source>
        <translation>LoRA %1: Text %2, UNet %3</translation>
    </message>
</context>
<context>
    <name>ripen::ui::GalleryView</name>
    <message>
        <source>%1+ images</source>
        <translation>%1+ Bilder</translation>
    </message>
    <message numerus="yes">
        <source>%n image(s)</source>
        <translation>
            <numerusform>%n Bild</numerusform>
            <numerusform>%n Bilder</numerusform>
        </translation>
    </message>
    <message>
        <source>Search prompts…</source>
        <translation>Prompts durchsuchen…</translation>
    </message>
    <message>
        <source>Search the gallery</source>
        <translation>Galerie durchsuchen</translation>
    </message>
    <message>
        <source>All modes</source>
        <translation>Alle Modi</translation>
    </message>
    <message>
        <source>Fast</source>
        <translation>Schnell</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Qualität</translation>
    </message>
    <message>
        <source>Lightning</source>
        <translation>Blitz</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Benutzerdefiniert</translation>
    </message>
    <message>
        <source>Filter by mode</source>
        <translation>Nach Modus filtern</translation>
    </message>
    <message>
        <source>Any rating</source>
        <translation>Jede Bewertung</translation>
    </message>
    <message>
        <source>%1 or more</source>
        <translation>%1 oder mehr</translation>
    </message>
    <message>
        <source>Filter by rating</source>
        <translation>Nach Bewertung filtern</translation>
    </message>
    <message>
        <source>Show images rated at least this</source>
        <translation>Bilder mit mindestens dieser Bewertung zeigen</translation>
    </message>
    <message>
        <source>All tags</source>
        <translation>Alle Schlagwörter</translation>
    </message>
    <message>
        <source>Filter by tag</source>
        <translation>Nach Schlagwort filtern</translation>
    </message>
    <message>
        <source>Show images with this tag (edit tags with Ctrl+T)</source>
        <translation>Bilder mit diesem Schlagwort zeigen (Schlagwörter bearbeiten mit Strg+T)</translation>
    </message>
    <message>
        <source>All collections</source>
        <translation>Alle Sammlungen</translation>
    </message>
    <message>
        <source>Filter by collection</source>
        <translation>Nach Sammlung filtern</translation>
    </message>
    <message>
        <source>Show the images of one collection</source>
        <translation>Die Bilder einer Sammlung zeigen</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>Beliebiger Zeitraum</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Heute</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>Letzte 7 Tage</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>Letzte 30 Tage</translation>
    </message>
    <message>
        <source>Last 12 months</source>
        <translation>Letzte 12 Monate</translation>
    </message>
    <message>
        <source>Date range…</source>
        <translation>Zeitraum…</translation>
    </message>
    <message>
        <source>Filter by date</source>
        <translation>Nach Datum filtern</translation>
    </message>
    <message>
        <source>From date</source>
        <translation>Von Datum</translation>
    </message>
    <message>
        <source>First day shown</source>
        <translation>Erster angezeigter Tag</translation>
    </message>
    <message>
        <source>To date</source>
        <translation>Bis Datum</translation>
    </message>
    <message>
        <source>Last day shown</source>
        <translation>Letzter angezeigter Tag</translation>
    </message>
    <message>
        <source>&amp;Favourites</source>
        <translation>&amp;Favoriten</translation>
    </message>
    <message>
        <source>Show favourites only</source>
        <translation>Nur Favoriten zeigen</translation>
    </message>
    <message>
        <source>Number of images shown</source>
        <translation>Anzahl der angezeigten Bilder</translation>
    </message>
    <message>
        <source>Gallery</source>
        <translation>Galerie</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Entwurf</translation>
    </message>
</context>
<context>
    <name>ripen::ui::LibraryModel</name>
    <message>
        <source>%1 of #%2</source>
        <translation>%1 von #%2</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Modus</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>Sekunden</translation>
    </message>
    <message>
        <source>Rating</source>
        <translation>Bewertung</translation>
    </message>
    <message>
        <source>Lineage</source>
        <translation>Abstammung</translation>
    </message>
</context>
<context>
    <name>ripen::ui::MainWindow</name>
    <message>
        <source>Generation failed: %1</source>
        <translation>Generierung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>This model cannot be used: %1</source>
        <translation>Dieses Modell kann nicht verwendet werden: %1</translation>
    </message>
    <message>
        <source>Image #%1</source>
        <translation>Bild #%1</translation>
    </message>
    <message>
        <source>Some presets were not loaded: %1</source>
        <translation>Einige Voreinstellungen wurden nicht geladen: %1</translation>
    </message>
    <message>
        <source>The library could not be opened: %1</source>
        <translation>Die Bibliothek konnte nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>Select two images, or a promoted image, to compare.</source>
        <translation>Wählen Sie zum Vergleichen zwei Bilder oder ein veredeltes Bild.</translation>
    </message>
    <message>
        <source>About Ripen</source>
        <translation>Über Ripen</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Ripen %1&lt;/h3&gt;&lt;p&gt;Explore fast, pick, promote, compare, export.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Ripen %1&lt;/h3&gt;&lt;p&gt;Schnell erkunden, auswählen, veredeln, vergleichen, exportieren.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Ripen</source>
        <translation>Ripen</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>Vorschau</translation>
    </message>
    <message>
        <source>Variations</source>
        <translation>Variationen</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>Vergleichen</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>Gallery</source>
        <translation>Galerie</translation>
    </message>
    <message>
        <source>Seed library</source>
        <translation>Seed-Bibliothek</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Bearbeiten</translation>
    </message>
    <message>
        <source>&amp;Image</source>
        <translation>B&amp;ild</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;Rating</source>
        <translation>&amp;Bewertung</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>Hauptwerkzeugleiste</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>&amp;Erzeugen</translation>
    </message>
    <message>
        <source>E&amp;xplore variations</source>
        <translation>Variationen e&amp;rkunden</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>&amp;Abbrechen</translation>
    </message>
    <message>
        <source>&amp;Promote</source>
        <translation>&amp;Veredeln</translation>
    </message>
    <message>
        <source>Promote by &amp;re-rendering</source>
        <translation>Durch &amp;Neuberechnung veredeln</translation>
    </message>
    <message>
        <source>Po&amp;lish</source>
        <translation>&amp;Polieren</translation>
    </message>
    <message>
        <source>Co&amp;mpare</source>
        <translation>Ver&amp;gleichen</translation>
    </message>
    <message>
        <source>Re&amp;use settings</source>
        <translation>Einstellungen &amp;übernehmen</translation>
    </message>
    <message>
        <source>Copy &amp;seed</source>
        <translation>&amp;Seed kopieren</translation>
    </message>
    <message>
        <source>&amp;Copy image</source>
        <translation>Bild &amp;kopieren</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>&amp;Exportieren…</translation>
    </message>
    <message>
        <source>Show in &amp;folder</source>
        <translation>Im &amp;Ordner zeigen</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>&amp;Favourite</source>
        <translation>&amp;Favorit</translation>
    </message>
    <message>
        <source>Edit &amp;tags…</source>
        <translation>Schlag&amp;wörter bearbeiten…</translation>
    </message>
    <message>
        <source>Add to co&amp;llection…</source>
        <translation>Zu &amp;Sammlung hinzufügen…</translation>
    </message>
    <message>
        <source>&amp;Models…</source>
        <translation>&amp;Modelle…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>Go to &amp;prompt</source>
        <translation>Zum &amp;Prompt</translation>
    </message>
    <message>
        <source>Go to &amp;gallery</source>
        <translation>Zur &amp;Galerie</translation>
    </message>
    <message>
        <source>&amp;Search the gallery</source>
        <translation>Galerie &amp;durchsuchen</translation>
    </message>
    <message>
        <source>&amp;About Ripen</source>
        <translation>Ü&amp;ber Ripen</translation>
    </message>
    <message>
        <source>Promote the draft to quality, keeping its composition (Ctrl+P)</source>
        <translation>Den Entwurf in Qualität veredeln, die Komposition bleibt (Strg+P)</translation>
    </message>
    <message>
        <source>Re-noise the image a little and finish it in quality mode (Ctrl+Shift+P)</source>
        <translation>Dem Bild etwas Rauschen hinzufügen und im Qualitätsmodus fertigstellen (Strg+Umschalt+P)</translation>
    </message>
    <message>
        <source>Compare two images, or a promoted image with its parent (Ctrl+K)</source>
        <translation>Zwei Bilder vergleichen, oder ein veredeltes Bild mit seinem Ursprung (Strg+K)</translation>
    </message>
    <message>
        <source>&amp;Undo</source>
        <translation>&amp;Rückgängig</translation>
    </message>
    <message>
        <source>&amp;Redo</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <source>No rating</source>
        <translation>Keine Bewertung</translation>
    </message>
    <message>
        <source>Device: %1 (%2)</source>
        <translation>Gerät: %1 (%2)</translation>
    </message>
    <message>
        <source>Memory: %1 MiB · GPU: %2 MiB</source>
        <translation>Speicher: %1 MiB · GPU: %2 MiB</translation>
    </message>
    <message>
        <source>Memory: %1 MiB</source>
        <translation>Speicher: %1 MiB</translation>
    </message>
    <message>
        <source>Memory in use by Ripen (resident set) and, on CUDA, held by the engine on the GPU</source>
        <translation>Von Ripen belegter Speicher (Resident Set) und, bei CUDA, von der Engine auf der GPU gehaltener Speicher</translation>
    </message>
    <message>
        <source>Queue: %1</source>
        <translation>Warteschlange: %1</translation>
    </message>
    <message>
        <source>No model: choose a model folder first.</source>
        <translation>Kein Modell: Wählen Sie zuerst einen Modellordner.</translation>
    </message>
    <message>
        <source>Select an image to promote.</source>
        <translation>Wählen Sie ein Bild zum Veredeln.</translation>
    </message>
    <message numerus="yes">
        <source>Promoting %n image(s)…</source>
        <translation>
            <numerusform>%n Bild wird veredelt…</numerusform>
            <numerusform>%n Bilder werden veredelt…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n image(s) to %1</source>
        <translation>
            <numerusform>%n Bild nach %1 exportiert</numerusform>
            <numerusform>%n Bilder nach %1 exportiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Exportieren</translation>
    </message>
    <message>
        <source>Some images were not exported:
%1</source>
        <translation>Einige Bilder wurden nicht exportiert:
%1</translation>
    </message>
    <message>
        <source>Choose a model folder</source>
        <translation>Modellordner wählen</translation>
    </message>
    <message>
        <source>No model found</source>
        <translation>Kein Modell gefunden</translation>
    </message>
    <message>
        <source>%1 holds no diffusers model folder (with model_index.json) and no .safetensors checkpoint.</source>
        <translation>%1 enthält keinen diffusers-Modellordner (mit model_index.json) und keinen .safetensors-Checkpoint.</translation>
    </message>
    <message>
        <source>Settings of #%1 loaded.</source>
        <translation>Einstellungen von #%1 geladen.</translation>
    </message>
    <message numerus="yes">
        <source>Deleted %n image(s). Undo with Ctrl+Z.</source>
        <translation>
            <numerusform>%n Bild gelöscht. Rückgängig mit Strg+Z.</numerusform>
            <numerusform>%n Bilder gelöscht. Rückgängig mit Strg+Z.</numerusform>
        </translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>Schlagwörter</translation>
    </message>
    <message numerus="yes">
        <source>Tags of %n image(s), separated by commas:</source>
        <translation>
            <numerusform>Schlagwörter von %n Bild, durch Kommas getrennt:</numerusform>
            <numerusform>Schlagwörter von %n Bildern, durch Kommas getrennt:</numerusform>
        </translation>
    </message>
    <message>
        <source>Tags not changed: %1</source>
        <translation>Schlagwörter nicht geändert: %1</translation>
    </message>
    <message>
        <source>Add to collection</source>
        <translation>Zu Sammlung hinzufügen</translation>
    </message>
    <message>
        <source>Collection (a new name makes a new one):</source>
        <translation>Sammlung (ein neuer Name legt eine neue an):</translation>
    </message>
    <message numerus="yes">
        <source>Added %n image(s) to %1.</source>
        <translation>
            <numerusform>%n Bild zu %1 hinzugefügt.</numerusform>
            <numerusform>%n Bilder zu %1 hinzugefügt.</numerusform>
        </translation>
    </message>
    <message>
        <source>Not added: %1</source>
        <translation>Nicht hinzugefügt: %1</translation>
    </message>
    <message>
        <source>result #%1</source>
        <translation>Ergebnis #%1</translation>
    </message>
    <message>
        <source>Select the drafts to render on the farm.</source>
        <translation>Wählen Sie die Entwürfe, die auf der Farm gerendert werden sollen.</translation>
    </message>
    <message>
        <source>Export farm plan</source>
        <translation>Farm-Plan exportieren</translation>
    </message>
    <message>
        <source>Ripen plans (*.json)</source>
        <translation>Ripen-Pläne (*.json)</translation>
    </message>
    <message numerus="yes">
        <source>Wrote a farm plan of %n quality re-render(s) to %1</source>
        <translation><numerusform>Farm-Plan mit %n Qualitäts-Neuberechnung nach %1 geschrieben</numerusform><numerusform>Farm-Plan mit %n Qualitäts-Neuberechnungen nach %1 geschrieben</numerusform></translation>
    </message>
    <message>
        <source>Start image</source>
        <translation>Startbild</translation>
    </message>
    <message>
        <source>Networks</source>
        <translation>Netzwerke</translation>
    </message>
    <message>
        <source>Use as &amp;start image</source>
        <translation>Als &amp;Startbild verwenden</translation>
    </message>
    <message>
        <source>Export farm &amp;plan…</source>
        <translation>Farm-&amp;Plan exportieren…</translation>
    </message>
    <message>
        <source>The start image could not be used: %1</source>
        <translation>Das Startbild konnte nicht verwendet werden: %1</translation>
    </message>
</context>
<context>
    <name>ripen::ui::PreviewView</name>
    <message>
        <source>&lt;h3&gt;No model is installed yet&lt;/h3&gt;&lt;p&gt;The embedded default model is not installed on this computer. Choose a model folder: a folder that holds Stable Diffusion models (diffusers folders or .safetensors checkpoints), or pick a model in the prompt panel.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Noch kein Modell installiert&lt;/h3&gt;&lt;p&gt;Das eingebaute Standardmodell ist auf diesem Rechner nicht installiert. Wählen Sie einen Modellordner (model folder): einen Ordner mit Stable-Diffusion-Modellen (diffusers-Ordner oder .safetensors-Checkpoints), oder wählen Sie im Prompt-Bereich ein Modell.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Choose a model folder…</source>
        <translation>Modellordner wählen…</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>Vorschau</translation>
    </message>
    <message>
        <source>Choose a model folder</source>
        <translation>Modellordner wählen</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Startet…</translation>
    </message>
    <message>
        <source>Decoding… %1 steps used</source>
        <translation>Dekodiere… %1 Schritte verwendet</translation>
    </message>
    <message>
        <source>ETA %1 s</source>
        <translation>noch %1 s</translation>
    </message>
    <message>
        <source>Step %1 / %2 · σ %3 · %4 s · %5</source>
        <translation>Schritt %1 / %2 · σ %3 · %4 s · %5</translation>
    </message>
    <message>
        <source>Done: %1 of %2 steps planned, %3 UNet evaluations, %4 s</source>
        <translation>Fertig: %1 von %2 geplanten Schritten, %3 UNet-Auswertungen, %4 s</translation>
    </message>
    <message>
        <source>Stop reason: %1</source>
        <translation>Abbruchgrund: %1</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>ripen::ui::PromptPanel</name>
    <message>
        <source>&amp;Prompt</source>
        <translation>&amp;Prompt</translation>
    </message>
    <message>
        <source>&amp;Negative prompt</source>
        <translation>&amp;Negativer Prompt</translation>
    </message>
    <message>
        <source>Describe the image: (word:1.3) weights, [word] lowers, BREAK starts a new chunk</source>
        <translation>Beschreiben Sie das Bild: (Wort:1.3) gewichtet, [Wort] schwächt ab, BREAK beginnt einen neuen Abschnitt</translation>
    </message>
    <message>
        <source>What to avoid</source>
        <translation>Was vermieden werden soll</translation>
    </message>
    <message>
        <source>S&amp;eed</source>
        <translation>S&amp;eed</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>Zufällig</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Fest</translation>
    </message>
    <message>
        <source>+1 each run</source>
        <translation>+1 pro Lauf</translation>
    </message>
    <message>
        <source>New random seed</source>
        <translation>Neuer zufälliger Seed</translation>
    </message>
    <message>
        <source>Si&amp;ze</source>
        <translation>&amp;Größe</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Benutzerdefiniert</translation>
    </message>
    <message>
        <source>&amp;Mode</source>
        <translation>&amp;Modus</translation>
    </message>
    <message>
        <source>Fast (adaptive)</source>
        <translation>Schnell (adaptiv)</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>Qualität</translation>
    </message>
    <message>
        <source>Lightning</source>
        <translation>Blitz</translation>
    </message>
    <message>
        <source>M&amp;odel</source>
        <translation>M&amp;odell</translation>
    </message>
    <message>
        <source>&amp;UNet</source>
        <translation>&amp;UNet</translation>
    </message>
    <message>
        <source>&amp;VAE</source>
        <translation>&amp;VAE</translation>
    </message>
    <message>
        <source>The model's own</source>
        <translation>Die des Modells</translation>
    </message>
    <message>
        <source>A UNet-only file used with the model's text encoders and VAE</source>
        <translation>Eine reine UNet-Datei, verwendet mit den Text-Encodern und dem VAE des Modells</translation>
    </message>
    <message>
        <source>A VAE file used instead of the model's</source>
        <translation>Eine VAE-Datei anstelle der des Modells</translation>
    </message>
    <message>
        <source>Add a model folder…</source>
        <translation>Modellordner hinzufügen…</translation>
    </message>
    <message>
        <source>Custom sampler settings</source>
        <translation>Eigene Sampler-Einstellungen</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>Sampler</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>Zeitplan</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <source>CFG scale</source>
        <translation>CFG-Stärke</translation>
    </message>
    <message>
        <source>Eta</source>
        <translation>Eta</translation>
    </message>
    <message>
        <source>S noise</source>
        <translation>S-Rauschen</translation>
    </message>
    <message>
        <source>CLIP skip</source>
        <translation>CLIP-Skip</translation>
    </message>
    <message>
        <source>Noise source</source>
        <translation>Rauschquelle</translation>
    </message>
    <message>
        <source>2× hires pass</source>
        <translation>2×-Verfeinerungsdurchgang</translation>
    </message>
    <message>
        <source>After the first pass, upscale 2×, re-noise and finish with 20 more steps (hires fix)</source>
        <translation>Nach dem ersten Durchgang 2× hochskalieren, neu verrauschen und mit 20 weiteren Schritten fertigstellen (Hires-Fix)</translation>
    </message>
    <message>
        <source>Image (Lanczos)</source>
        <translation>Bild (Lanczos)</translation>
    </message>
    <message>
        <source>Latent (needs strength ≥ 0.5)</source>
        <translation>Latent (braucht Stärke ≥ 0,5)</translation>
    </message>
    <message>
        <source>Strength</source>
        <translation>Stärke</translation>
    </message>
    <message>
        <source>Upscale</source>
        <translation>Hochskalieren</translation>
    </message>
    <message>
        <source>&amp;Variations</source>
        <translation>&amp;Variationen</translation>
    </message>
    <message>
        <source>E&amp;xplore variations</source>
        <translation>Variationen e&amp;rkunden</translation>
    </message>
    <message>
        <source>Generate N seeds in fast mode into the variations grid (Ctrl+Shift+Return)</source>
        <translation>N Seeds im Schnellmodus in das Variationenraster erzeugen (Strg+Umschalt+Eingabe)</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>&amp;Erzeugen</translation>
    </message>
    <message>
        <source>Generate (Ctrl+Return)</source>
        <translation>Erzeugen (Strg+Eingabe)</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>&amp;Abbrechen</translation>
    </message>
    <message>
        <source>Cancel the running generation (Esc)</source>
        <translation>Laufende Generierung abbrechen (Esc)</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>Prompt</translation>
    </message>
    <message>
        <source>UNet file</source>
        <translation>UNet-Datei</translation>
    </message>
    <message>
        <source>VAE file</source>
        <translation>VAE-Datei</translation>
    </message>
    <message>
        <source>Negative prompt</source>
        <translation>Negativer Prompt</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <source>Seed mode</source>
        <translation>Seed-Modus</translation>
    </message>
    <message>
        <source>Size preset</source>
        <translation>Größenvorgabe</translation>
    </message>
    <message>
        <source>Width</source>
        <translation>Breite</translation>
    </message>
    <message>
        <source>Height</source>
        <translation>Höhe</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Modus</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Add a model folder</source>
        <translation>Modellordner hinzufügen</translation>
    </message>
    <message>
        <source>Number of variations</source>
        <translation>Anzahl der Variationen</translation>
    </message>
    <message>
        <source>Explore variations</source>
        <translation>Variationen erkunden</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>Erzeugen</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Embedded default model</source>
        <translation>Eingebautes Standardmodell</translation>
    </message>
    <message>
        <source>This model looks like %1: &lt;a href="%2"&gt;use its preset&lt;/a&gt;</source>
        <translation>Dieses Modell sieht nach %1 aus: &lt;a href="%2"&gt;seine Voreinstellung verwenden&lt;/a&gt;</translation>
    </message>
    <message>
        <source>Not installed yet</source>
        <translation>Noch nicht installiert</translation>
    </message>
    <message>
        <source>LoRA networks</source>
        <translation>LoRA-Netzwerke</translation>
    </message>
    <message>
        <source>edit</source>
        <translation>bearbeiten</translation>
    </message>
    <message>
        <source>remove</source>
        <translation>entfernen</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>Entwurf</translation>
    </message>
    <message>
        <source>The model&apos;s distilled student: a draft in 2-4 steps, one network call each; promote it to render the same seed in quality mode</source>
        <translation>Der destillierte Schüler des Modells: ein Entwurf in 2–4 Schritten, je ein Netzaufruf; befördern rendert denselben Seed im Qualitätsmodus</translation>
    </message>
    <message>
        <source>Unavailable: the model&apos;s student cannot be used: %1</source>
        <translation>Nicht verfügbar: der Schüler des Modells ist nicht nutzbar: %1</translation>
    </message>
    <message>
        <source>Unavailable: this model has no distilled student (student/student.json beside it); make one with ripen-cli train distill</source>
        <translation>Nicht verfügbar: dieses Modell hat keinen destillierten Schüler (student/student.json daneben); erstellen Sie einen mit ripen-cli train distill</translation>
    </message>
</context>
<context>
    <name>ripen::ui::SeedLibraryPanel</name>
    <message>
        <source>Seed library</source>
        <translation>Seed-Bibliothek</translation>
    </message>
</context>
<context>
    <name>ripen::ui::SettingsDialog</name>
    <message>
        <source>Model folder</source>
        <translation>Modellordner</translation>
    </message>
    <message>
        <source>AUTOMATIC1111 or ComfyUI folder</source>
        <translation>AUTOMATIC1111- oder ComfyUI-Ordner</translation>
    </message>
    <message>
        <source>extra_model_paths.yaml</source>
        <translation>extra_model_paths.yaml</translation>
    </message>
    <message>
        <source>YAML files (*.yaml *.yml)</source>
        <translation>YAML-Dateien (*.yaml *.yml)</translation>
    </message>
    <message>
        <source>Library folder</source>
        <translation>Bibliotheksordner</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>&amp;Model folders</source>
        <translation>&amp;Modellordner</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>&amp;Hinzufügen…</translation>
    </message>
    <message>
        <source>A1111 / &amp;ComfyUI install folders</source>
        <translation>A1111- / &amp;ComfyUI-Installationen</translation>
    </message>
    <message>
        <source>Add &amp;install…</source>
        <translation>&amp;Installation hinzufügen…</translation>
    </message>
    <message>
        <source>Remo&amp;ve</source>
        <translation>Ent&amp;fernen</translation>
    </message>
    <message>
        <source>e&amp;xtra_model_paths.yaml</source>
        <translation>e&amp;xtra_model_paths.yaml</translation>
    </message>
    <message>
        <source>Previe&amp;w decoder</source>
        <translation>&amp;Vorschau-Decoder</translation>
    </message>
    <message>
        <source>Automatic (TAESD beside the model)</source>
        <translation>Automatisch (TAESD neben dem Modell)</translation>
    </message>
    <message>
        <source>ComfyUI's extra_model_paths.yaml (optional)</source>
        <translation>extra_model_paths.yaml von ComfyUI (optional)</translation>
    </message>
    <message>
        <source>AUTOMATIC1111 or ComfyUI install folders</source>
        <translation>AUTOMATIC1111- oder ComfyUI-Installationsordner</translation>
    </message>
    <message>
        <source>Add an AUTOMATIC1111 or ComfyUI install folder</source>
        <translation>Einen AUTOMATIC1111- oder ComfyUI-Installationsordner hinzufügen</translation>
    </message>
    <message>
        <source>Remove the selected install folder</source>
        <translation>Den gewählten Installationsordner entfernen</translation>
    </message>
    <message>
        <source>ComfyUI extra_model_paths.yaml</source>
        <translation>extra_model_paths.yaml von ComfyUI</translation>
    </message>
    <message>
        <source>Choose the extra_model_paths.yaml file</source>
        <translation>Die Datei extra_model_paths.yaml wählen</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>&amp;Entfernen</translation>
    </message>
    <message>
        <source>&amp;Device</source>
        <translation>&amp;Gerät</translation>
    </message>
    <message>
        <source>&amp;Precision</source>
        <translation>&amp;Genauigkeit</translation>
    </message>
    <message>
        <source>bf16 is about twice as fast on recent CPUs; fp16 needs CUDA</source>
        <translation>bf16 ist auf neueren CPUs etwa doppelt so schnell; fp16 braucht CUDA</translation>
    </message>
    <message>
        <source>&amp;Threads</source>
        <translation>&amp;Threads</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>Automatisch</translation>
    </message>
    <message>
        <source>&amp;Library folder</source>
        <translation>&amp;Bibliotheksordner</translation>
    </message>
    <message>
        <source>T&amp;heme</source>
        <translation>&amp;Design</translation>
    </message>
    <message>
        <source>Follow system</source>
        <translation>Wie das System</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Dunkel</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Hell</translation>
    </message>
    <message>
        <source>L&amp;anguage</source>
        <translation>&amp;Sprache</translation>
    </message>
    <message>
        <source>Model folders</source>
        <translation>Modellordner</translation>
    </message>
    <message>
        <source>Add a model folder</source>
        <translation>Modellordner hinzufügen</translation>
    </message>
    <message>
        <source>Remove the selected model folder</source>
        <translation>Ausgewählten Modellordner entfernen</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>Gerät</translation>
    </message>
    <message>
        <source>Precision</source>
        <translation>Genauigkeit</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>Threads</translation>
    </message>
    <message>
        <source>Choose the library folder</source>
        <translation>Bibliotheksordner wählen</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Design</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
</context>
<context>
    <name>ripen::ui::StudioController</name>
    <message numerus="yes">
        <source>Delete %n image(s)</source>
        <translation>
            <numerusform>%n Bild löschen</numerusform>
            <numerusform>%n Bilder löschen</numerusform>
        </translation>
    </message>
    <message>
        <source>One of the images is no longer in the library.</source>
        <translation>Eines der Bilder ist nicht mehr in der Bibliothek.</translation>
    </message>
    <message>
        <source>An image file could not be read.</source>
        <translation>Eine Bilddatei konnte nicht gelesen werden.</translation>
    </message>
    <message>
        <source>#%1: not in the library</source>
        <translation>#%1: nicht in der Bibliothek</translation>
    </message>
</context>
<context>
    <name>ripen::ui::VariationsGrid</name>
    <message>
        <source>Variations</source>
        <translation>Variationen</translation>
    </message>
    <message>
        <source>seed %1 …</source>
        <translation>Seed %1 …</translation>
    </message>
    <message>
        <source>seed %1 · %2 steps</source>
        <translation>Seed %1 · %2 Schritte</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
</context>
<context>
    <name>ripen::ui::ActiveNetworks</name>
    <message>
        <source>No LoRA. Add one from the Networks panel, or write &lt;lora:name:weight&gt; in the prompt.</source>
        <translation>Kein LoRA. Fügen Sie eines im Netzwerke-Bereich hinzu oder schreiben Sie &lt;lora:name:gewicht&gt; in den Prompt.</translation>
    </message>
    <message>
        <source>Weight of %1</source>
        <translation>Gewicht von %1</translation>
    </message>
    <message>
        <source>text %1</source>
        <translation>Text %1</translation>
    </message>
    <message>
        <source>Text-encoder multiplier; moving the weight sets both</source>
        <translation>Faktor des Text-Encoders; das Gewicht zu ändern setzt beide</translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation>%1 entfernen</translation>
    </message>
</context>
<context>
    <name>ripen::ui::ImageInputPanel</name>
    <message>
        <source>Start image</source>
        <translation>Startbild</translation>
    </message>
    <message>
        <source>Pictures (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)</source>
        <translation>Bilder (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff)</translation>
    </message>
    <message>
        <source>%1 is not a picture Ripen can open: %2</source>
        <translation>%1 ist kein Bild, das Ripen öffnen kann: %2</translation>
    </message>
    <message>
        <source>result #%1</source>
        <translation>Ergebnis #%1</translation>
    </message>
    <message>
        <source>outpaint %1 (+%2 px), strength %3</source>
        <translation>Outpainting von %1 (+%2 px), Stärke %3</translation>
    </message>
    <message>
        <source>inpaint %1, strength %2</source>
        <translation>Inpainting von %1, Stärke %2</translation>
    </message>
    <message>
        <source>img2img from %1, strength %2</source>
        <translation>img2img aus %1, Stärke %2</translation>
    </message>
    <message>
        <source>No start image: the run starts from noise</source>
        <translation>Kein Startbild: der Lauf beginnt mit Rauschen</translation>
    </message>
    <message>
        <source>dropped picture</source>
        <translation>abgelegtes Bild</translation>
    </message>
    <message>
        <source>&amp;Open…</source>
        <translation>Ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Leeren</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>Pinsel</translation>
    </message>
    <message>
        <source>Paint the area to repaint (B)</source>
        <translation>Den neu zu malenden Bereich malen (B)</translation>
    </message>
    <message>
        <source>Eraser</source>
        <translation>Radierer</translation>
    </message>
    <message>
        <source>Take area out of the mask (E)</source>
        <translation>Bereich aus der Maske nehmen (E)</translation>
    </message>
    <message>
        <source>Extend</source>
        <translation>Erweitern</translation>
    </message>
    <message>
        <source>Drag an edge outwards to extend the canvas (O)</source>
        <translation>Eine Kante nach außen ziehen, um die Leinwand zu erweitern (O)</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>Umkehren</translation>
    </message>
    <message>
        <source>Clear mask</source>
        <translation>Maske leeren</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Rückgängig</translation>
    </message>
    <message>
        <source>Undo the last stroke (Ctrl+Z on the canvas)</source>
        <translation>Den letzten Strich rückgängig machen (Strg+Z auf der Leinwand)</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Hardness</source>
        <translation>Härte</translation>
    </message>
    <message>
        <source>Denoising strength</source>
        <translation>Entrauschungsstärke</translation>
    </message>
    <message>
        <source>How far the picture is re-noised: 1 repaints from noise, 0.3 keeps most of it</source>
        <translation>Wie stark das Bild neu verrauscht wird: 1 malt aus Rauschen neu, 0,3 behält das meiste</translation>
    </message>
    <message>
        <source>Mask blur</source>
        <translation>Maskenunschärfe</translation>
    </message>
    <message>
        <source>Inpaint area</source>
        <translation>Inpainting-Bereich</translation>
    </message>
    <message>
        <source>Whole picture</source>
        <translation>Ganzes Bild</translation>
    </message>
    <message>
        <source>Only masked</source>
        <translation>Nur maskiert</translation>
    </message>
    <message>
        <source>Only masked: pixels of context around the mask's box</source>
        <translation>Nur maskiert: Pixel Umgebung um das Rechteck der Maske</translation>
    </message>
    <message>
        <source>Masked content</source>
        <translation>Maskierter Inhalt</translation>
    </message>
    <message>
        <source>fill</source>
        <translation>füllen</translation>
    </message>
    <message>
        <source>original</source>
        <translation>Original</translation>
    </message>
    <message>
        <source>latent noise</source>
        <translation>latentes Rauschen</translation>
    </message>
    <message>
        <source>latent nothing</source>
        <translation>latent leer</translation>
    </message>
    <message>
        <source>Extend (L, R, T, B)</source>
        <translation>Erweitern (L, R, O, U)</translation>
    </message>
    <message>
        <source>edge colours</source>
        <translation>Randfarben</translation>
    </message>
    <message>
        <source>noise</source>
        <translation>Rauschen</translation>
    </message>
    <message>
        <source>What fills the new area before it is painted</source>
        <translation>Womit der neue Bereich vor dem Malen gefüllt wird</translation>
    </message>
    <message>
        <source>Brush size</source>
        <translation>Pinselgröße</translation>
    </message>
    <message>
        <source>Brush hardness</source>
        <translation>Pinselhärte</translation>
    </message>
    <message>
        <source>Masked area padding</source>
        <translation>Rand um den maskierten Bereich</translation>
    </message>
    <message>
        <source>Outpaint fill</source>
        <translation>Füllung beim Outpainting</translation>
    </message>
    <message>
        <source>Extend left</source>
        <translation>Links erweitern</translation>
    </message>
    <message>
        <source>Extend right</source>
        <translation>Rechts erweitern</translation>
    </message>
    <message>
        <source>Extend top</source>
        <translation>Oben erweitern</translation>
    </message>
    <message>
        <source>Extend bottom</source>
        <translation>Unten erweitern</translation>
    </message>
    <message>
        <source>Start image and mask</source>
        <translation>Startbild und Maske</translation>
    </message>
</context>
<context>
    <name>ripen::ui::MaskCanvas</name>
    <message>
        <source>Open or drop a picture to start from</source>
        <translation>Ein Bild öffnen oder hierher ziehen, um davon auszugehen</translation>
    </message>
</context>
<context>
    <name>ripen::ui::NetworksPanel</name>
    <message numerus="yes">
        <source>%n file(s)</source>
        <translation><numerusform>%n Datei</numerusform><numerusform>%n Dateien</numerusform></translation>
    </message>
    <message>
        <source>No LoRA found. Ripen looks in the models/Lora, models/LyCORIS and models/loras folders of the AUTOMATIC1111 or ComfyUI installs set in Settings, and in extra_model_paths.yaml.</source>
        <translation>Kein LoRA gefunden. Ripen sucht in den Ordnern models/Lora, models/LyCORIS und models/loras der in den Einstellungen angegebenen AUTOMATIC1111- oder ComfyUI-Installationen und in extra_model_paths.yaml.</translation>
    </message>
    <message>
        <source>No embedding found. Ripen looks in the embeddings and models/embeddings folders of the installs set in Settings, and in extra_model_paths.yaml.</source>
        <translation>Keine Einbettung gefunden. Ripen sucht in den Ordnern embeddings und models/embeddings der in den Einstellungen angegebenen Installationen und in extra_model_paths.yaml.</translation>
    </message>
    <message>
        <source>Add to the run</source>
        <translation>Zum Lauf hinzufügen</translation>
    </message>
    <message>
        <source>Add to prompt</source>
        <translation>Zum Prompt hinzufügen</translation>
    </message>
    <message>
        <source>no preview</source>
        <translation>keine Vorschau</translation>
    </message>
    <message numerus="yes">
        <source>%n vector(s) in the prompt</source>
        <translation><numerusform>%n Vektor im Prompt</numerusform><numerusform>%n Vektoren im Prompt</numerusform></translation>
    </message>
    <message>
        <source>Base model: not stated</source>
        <translation>Basismodell: nicht angegeben</translation>
    </message>
    <message>
        <source>Base model: %1</source>
        <translation>Basismodell: %1</translation>
    </message>
    <message>
        <source>made for %1, the current model is %2</source>
        <translation>für %1 gemacht, das aktuelle Modell ist %2</translation>
    </message>
    <message>
        <source>LoRA</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation>Einbettungen</translation>
    </message>
    <message>
        <source>Search names, folders and trigger words</source>
        <translation>Namen, Ordner und Auslösewörter suchen</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>Neu einlesen</translation>
    </message>
    <message>
        <source>Trigger words (click to add to the prompt):</source>
        <translation>Auslösewörter (klicken, um sie zum Prompt hinzuzufügen):</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>Gewicht</translation>
    </message>
    <message>
        <source>Add to negative</source>
        <translation>Zum Negativ-Prompt hinzufügen</translation>
    </message>
    <message>
        <source>Networks found</source>
        <translation>Gefundene Netzwerke</translation>
    </message>
    <message>
        <source>Kind of network</source>
        <translation>Art des Netzwerks</translation>
    </message>
    <message>
        <source>Search networks</source>
        <translation>Netzwerke suchen</translation>
    </message>
    <message>
        <source>Weight of the network to add</source>
        <translation>Gewicht des hinzuzufügenden Netzwerks</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <source>could not encode the start image as PNG</source>
        <translation>das Startbild konnte nicht als PNG kodiert werden</translation>
    </message>
    <message>
        <source>could not write %1: %2</source>
        <translation>%1 konnte nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>could not create the folder %1 for start images</source>
        <translation>der Ordner %1 für Startbilder konnte nicht angelegt werden</translation>
    </message>
    <message>
        <source>could not read %1: %2</source>
        <translation>%1 konnte nicht gelesen werden: %2</translation>
    </message>
</context>
</TS>
