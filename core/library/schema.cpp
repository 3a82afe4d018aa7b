#include "library/schema.h"

#include <algorithm>

#include "tensors/error.h"

namespace ripen::library {
namespace {
// Never edit a shipped migration; append a new one.
const char* const kMigrations[] = {
    // 0 -> 1: generations, models, collections, full-text search.
    R"sql(
CREATE TABLE models(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL DEFAULT '',
  path TEXT NOT NULL DEFAULT '',
  UNIQUE(name, hash)
);
CREATE TABLE generations(
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,            -- unix time, milliseconds
  prompt TEXT NOT NULL,
  negative_prompt TEXT NOT NULL,
  seed INTEGER NOT NULL,                  -- uint64 stored as its int64 bit pattern
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  mode TEXT NOT NULL,                     -- preset: fast | quality | lightning | custom
  sampler TEXT NOT NULL,
  schedule TEXT NOT NULL,
  steps INTEGER NOT NULL,
  cfg REAL NOT NULL,
  model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
  model_hash TEXT NOT NULL DEFAULT '',
  parent_id INTEGER REFERENCES generations(id) ON DELETE SET NULL,
  promote TEXT NOT NULL DEFAULT 'none',   -- how this row was made from its parent
  steps_used INTEGER NOT NULL DEFAULT 0,
  unet_evals INTEGER NOT NULL DEFAULT 0,
  seconds_total REAL NOT NULL DEFAULT 0,
  stop_reason TEXT NOT NULL DEFAULT '',
  favourite INTEGER NOT NULL DEFAULT 0 CHECK(favourite IN (0, 1)),
  rating INTEGER NOT NULL DEFAULT 0 CHECK(rating BETWEEN 0 AND 5),
  batch_index INTEGER NOT NULL DEFAULT 0,
  image_path TEXT NOT NULL UNIQUE,        -- relative to the library folder
  source TEXT NOT NULL DEFAULT 'ripen',   -- ripen | a1111 | comfyui
  request_json TEXT NOT NULL,
  record_json TEXT NOT NULL
);
CREATE INDEX generations_by_time ON generations(created_at DESC, id DESC);
CREATE INDEX generations_by_model ON generations(model_id, created_at DESC, id DESC);
CREATE INDEX generations_by_mode ON generations(mode, created_at DESC, id DESC);
CREATE INDEX generations_favourites ON generations(favourite, created_at DESC, id DESC);
CREATE INDEX generations_by_seed ON generations(seed);
CREATE INDEX generations_by_parent ON generations(parent_id);
CREATE TABLE tags(
  generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY(generation_id, tag)
) WITHOUT ROWID;
CREATE INDEX tags_by_tag ON tags(tag);
CREATE TABLE collections(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE collection_items(
  collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
  generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
  position INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(collection_id, generation_id)
) WITHOUT ROWID;
CREATE INDEX collection_items_by_generation ON collection_items(generation_id);
CREATE VIRTUAL TABLE generations_fts USING fts5(
  prompt, negative_prompt, content='generations', content_rowid='id', tokenize='unicode61', prefix='2 3 4'
);
CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN
  INSERT INTO generations_fts(rowid, prompt, negative_prompt) VALUES (new.id, new.prompt, new.negative_prompt);
END;
CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN
  INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
    VALUES ('delete', old.id, old.prompt, old.negative_prompt);
END;
CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt, negative_prompt ON generations BEGIN
  INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
    VALUES ('delete', old.id, old.prompt, old.negative_prompt);
  INSERT INTO generations_fts(rowid, prompt, negative_prompt) VALUES (new.id, new.prompt, new.negative_prompt);
END;
)sql",
    // 1 -> 2: content hash of imported files, so importing a folder twice adds nothing.
    R"sql(
ALTER TABLE generations ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX generations_by_content ON generations(content_hash) WHERE content_hash != '';
)sql",
    // 2 -> 3: full-text search in gallery order, and statistics from an index.
    // gallery_key orders rows exactly like the gallery, (created_at, id): created_at * 65536 plus the row's rank
    // among the rows of the same millisecond (ids only grow, so a new row ranks last in its millisecond). The FTS
    // rowid is this key, so a search walks its matches newest first and stops after one page, instead of
    // collecting every match (a prefix like "drag" matches 12% of the rows) and sorting them. created_at is
    // clamped to +-2^47 ms (+-4400 years) so the key fits 64 bits; the library clamps what it stores the same way.
    R"sql(
ALTER TABLE generations ADD COLUMN gallery_key INTEGER;
UPDATE generations SET gallery_key = k.key FROM (
  SELECT id, max(-140737488355328, min(created_at, 140737488355327)) * 65536
             + row_number() OVER (PARTITION BY max(-140737488355328, min(created_at, 140737488355327)) ORDER BY id)
             - 1 AS key
  FROM generations) k
WHERE generations.id = k.id;
CREATE UNIQUE INDEX generations_by_gallery_key ON generations(gallery_key);
DROP TRIGGER generations_fts_insert;
DROP TRIGGER generations_fts_delete;
DROP TRIGGER generations_fts_update;
DROP TABLE generations_fts;
CREATE VIRTUAL TABLE generations_fts USING fts5(
  prompt, negative_prompt, content='generations', content_rowid='gallery_key', tokenize='unicode61', prefix='2 3 4'
);
INSERT INTO generations_fts(generations_fts) VALUES ('rebuild');
CREATE TRIGGER generations_fts_insert AFTER INSERT ON generations BEGIN
  SELECT RAISE(ABORT, 'library: more than 65536 generations in one millisecond')
    FROM generations
    WHERE gallery_key = max(-140737488355328, min(new.created_at, 140737488355327)) * 65536 + 65535;
  UPDATE generations SET gallery_key = (
    SELECT coalesce(max(gallery_key) + 1, max(-140737488355328, min(new.created_at, 140737488355327)) * 65536)
    FROM generations
    WHERE gallery_key BETWEEN max(-140737488355328, min(new.created_at, 140737488355327)) * 65536
                          AND max(-140737488355328, min(new.created_at, 140737488355327)) * 65536 + 65535)
  WHERE id = new.id;
  INSERT INTO generations_fts(rowid, prompt, negative_prompt)
    SELECT gallery_key, new.prompt, new.negative_prompt FROM generations WHERE id = new.id;
END;
CREATE TRIGGER generations_fts_delete AFTER DELETE ON generations BEGIN
  INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
    VALUES ('delete', old.gallery_key, old.prompt, old.negative_prompt);
END;
CREATE TRIGGER generations_fts_update AFTER UPDATE OF prompt, negative_prompt ON generations BEGIN
  INSERT INTO generations_fts(generations_fts, rowid, prompt, negative_prompt)
    VALUES ('delete', old.gallery_key, old.prompt, old.negative_prompt);
  INSERT INTO generations_fts(rowid, prompt, negative_prompt) VALUES (new.gallery_key, new.prompt, new.negative_prompt);
END;
-- A row's place in the gallery is fixed when it is stored (the library never changes created_at).
CREATE TRIGGER generations_created_at_fixed BEFORE UPDATE OF created_at ON generations
  WHEN new.created_at IS NOT old.created_at BEGIN
  SELECT RAISE(ABORT, 'library: created_at of a stored generation cannot change');
END;
-- Statistics scan this instead of the table (whose rows carry the JSON).
CREATE INDEX generations_stats ON generations(source, mode, model_id, favourite, steps_used, seconds_total);
)sql",
    // 3 -> 4: the final (and, for fast runs, composition) latents kept beside the image, so promote continue and
    // polish work after a restart; '' when none were kept. The gallery's rating filter gets an index that
    // answers it (with the gallery's order) without reading the rows.
    R"sql(
ALTER TABLE generations ADD COLUMN latents_path TEXT NOT NULL DEFAULT '';
CREATE INDEX generations_by_rating ON generations(rating, created_at DESC, id DESC);
)sql",
    // 4 -> 5: the render-farm job (core/farm) a row was made by, '' for everything else: a batch re-run skips
    // jobs that have their row, and a merge recognises the same job rendered by two shards.
    R"sql(
ALTER TABLE generations ADD COLUMN job_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX generations_by_job ON generations(job_id) WHERE job_id != '';
)sql",
};
static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion);
}  // namespace

int schema_version(Db& db) {
  Stmt s(db, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.i64(0)) : 0;
}

void refuse_newer(int version, const std::string& where) {
  if (version > kSchemaVersion)
    throw Error(where + ": this library was written by a newer Ripen (schema version " + std::to_string(version) +
                ", this build understands up to " + std::to_string(kSchemaVersion) +
                "); it was left untouched — update Ripen to open it");
}

void migrate(Db& db, const std::string& where, int target) {
  target = std::min(target, kSchemaVersion);
  int v = schema_version(db);
  refuse_newer(v, where);
  if (v >= target) return;
  Transaction tx(db);
  v = schema_version(db);  // another process may have migrated while we waited for the write lock
  refuse_newer(v, where);
  if (v >= target) return;
  for (; v < target; ++v) db.exec(kMigrations[v]);
  db.exec("PRAGMA user_version = " + std::to_string(target));
  tx.commit();
}

}  // namespace ripen::library
