"""Schema migrations, applied in order; `PRAGMA user_version` records how far a file has got."""

from __future__ import annotations

# Triggers that keep the ranked index's plain words in step with an article's text, whoever
# writes it; migration 5 creates them and migration 6 recreates them over the rebuilt table.
_SEARCH_TERMS_TRIGGERS = """
    CREATE TRIGGER search_terms_insert AFTER INSERT ON articles BEGIN
        INSERT INTO search_terms(rowid, title, body, analysed)
        VALUES (new.id, new.title, new.lead || ' ' || new.body, 0);
    END;
    CREATE TRIGGER search_terms_delete AFTER DELETE ON articles BEGIN
        DELETE FROM search_terms WHERE rowid = old.id;
    END;
    CREATE TRIGGER search_terms_update AFTER UPDATE OF title, lead, body ON articles
    WHEN old.title IS NOT new.title OR old.lead IS NOT new.lead OR old.body IS NOT new.body
    BEGIN
        DELETE FROM search_terms WHERE rowid = old.id;
        INSERT INTO search_terms(rowid, title, body, analysed)
        VALUES (new.id, new.title, new.lead || ' ' || new.body, 0);
    END;
"""

MIGRATIONS: tuple[str, ...] = (
    # 1: the foundation schema.
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        last_run_id INTEGER,
        last_success TEXT,
        last_failure TEXT,
        last_error TEXT,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        new_articles_last_run INTEGER
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        status TEXT NOT NULL DEFAULT 'running',
        sources INTEGER NOT NULL DEFAULT 0,
        fetched INTEGER NOT NULL DEFAULT 0,
        new_articles INTEGER NOT NULL DEFAULT 0,
        relevant INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE errors (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        source TEXT,
        url TEXT NOT NULL,
        stage TEXT NOT NULL,
        error TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX errors_run ON errors(run_id);
    -- Raw pages, compressed, kept apart from what was extracted so the archive can be reprocessed.
    CREATE TABLE pages (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        final_url TEXT,
        status INTEGER,
        content_type TEXT,
        fetched_at TEXT NOT NULL,
        body_gz BLOB,
        source TEXT,
        role TEXT NOT NULL DEFAULT 'coverage',
        entry_title TEXT,
        entry_published_at TEXT,
        entry_outlet TEXT,
        entry_summary TEXT,
        entry_content TEXT,
        run_id INTEGER
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        page_id INTEGER UNIQUE REFERENCES pages(id),
        url TEXT NOT NULL UNIQUE,
        canonical_url TEXT,
        role TEXT NOT NULL DEFAULT 'coverage',
        medium TEXT NOT NULL DEFAULT 'online',
        title TEXT NOT NULL,
        lead TEXT NOT NULL DEFAULT '',
        body TEXT NOT NULL DEFAULT '',
        translation TEXT,
        published_at TEXT,
        published_date TEXT,
        date_source TEXT,
        updated_at TEXT,
        authors TEXT NOT NULL DEFAULT '[]',
        flags TEXT NOT NULL DEFAULT '[]',
        outlet TEXT,
        outlet_domain TEXT,
        tier TEXT,
        method TEXT,
        encoding TEXT,
        language TEXT,
        relevant INTEGER NOT NULL DEFAULT 0,
        relevance_score REAL,
        relevance_reason TEXT,
        topic TEXT,
        topic_reason TEXT,
        tone TEXT,
        tone_reason TEXT,
        fingerprint BLOB,
        story_id INTEGER,
        first_run_id INTEGER,
        collected_at TEXT NOT NULL,
        processed_at TEXT NOT NULL
    );
    CREATE INDEX articles_published ON articles(published_date);
    CREATE INDEX articles_story ON articles(story_id);
    CREATE INDEX articles_collected ON articles(collected_at);
    CREATE TABLE mentions (
        id INTEGER PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        entity TEXT NOT NULL,
        field TEXT NOT NULL,
        start INTEGER NOT NULL,
        "end" INTEGER NOT NULL,
        text TEXT NOT NULL,
        sentence TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX mentions_article ON mentions(article_id);
    CREATE INDEX mentions_entity ON mentions(entity, article_id);
    -- The team's corrections: stored apart from what the classifiers say, and winning over it.
    CREATE TABLE labels (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        relevant INTEGER,
        topic TEXT,
        tone TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        kind TEXT NOT NULL,
        date TEXT,
        covered_from TEXT,
        covered_until TEXT NOT NULL,
        sent INTEGER NOT NULL DEFAULT 0
    );
    -- What counts: the team's labels win over every classifier.
    CREATE VIEW effective_articles AS
    SELECT a.*,
           COALESCE(l.relevant, a.relevant) AS is_relevant,
           COALESCE(l.topic, a.topic) AS effective_topic,
           COALESCE(l.tone, a.tone) AS effective_tone,
           COALESCE(a.story_id, a.id) AS effective_story
    FROM articles a LEFT JOIN labels l ON l.article_id = a.id;
    """,
    # 2: how often a page has been fetched, so one without an article is retried a few times
    # (a maintenance page, a truncated body) and then left to `reprocess`.
    """
    ALTER TABLE pages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
    """,
    # 3: running it for real: the team's story corrections, manual (print/broadcast) items,
    # imported clipping-sheet rows and resumable backfills.
    """
    -- The team's merges and splits: stored apart from what grouping says, and winning over it.
    CREATE TABLE story_overrides (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX story_overrides_story ON story_overrides(story_id);
    ALTER TABLE articles ADD COLUMN note TEXT;
    ALTER TABLE labels ADD COLUMN note TEXT;
    -- Which row of which clipping sheet became (or matched) which article.
    CREATE TABLE imports (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        row INTEGER NOT NULL,
        article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL,
        outcome TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        UNIQUE (file_sha256, row)
    );
    -- How far a backfill of one source has got, so a stopped backfill carries on.
    CREATE TABLE backfill_state (
        source TEXT NOT NULL,
        since TEXT NOT NULL,
        cursor TEXT NOT NULL,
        done INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (source, since)
    );
    DROP VIEW effective_articles;
    -- What counts: the team's labels and story corrections win over every classifier.
    CREATE VIEW effective_articles AS
    SELECT a.*,
           COALESCE(l.relevant, a.relevant) AS is_relevant,
           COALESCE(l.topic, a.topic) AS effective_topic,
           COALESCE(l.tone, a.tone) AS effective_tone,
           COALESCE(o.story_id, a.story_id, a.id) AS effective_story
    FROM articles a
    LEFT JOIN labels l ON l.article_id = a.id
    LEFT JOIN story_overrides o ON o.article_id = a.id;
    """,
    # 4: fetching across runs: feed validators for conditional GET, metered API calls per day,
    # and each source's outcome per run (its health history).
    """
    CREATE TABLE feed_validators (
        url TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        etag TEXT,
        last_modified TEXT,
        run_id INTEGER,
        saved_at TEXT NOT NULL
    );
    -- Calls to metered APIs per KST day (the Naver search APIs share 25,000 a day).
    CREATE TABLE api_calls (
        api TEXT NOT NULL,
        day TEXT NOT NULL,
        calls INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (api, day)
    );
    CREATE TABLE source_runs (
        run_id INTEGER NOT NULL,
        source TEXT NOT NULL,
        at TEXT NOT NULL,
        error TEXT,
        new_articles INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, source)
    );
    CREATE INDEX source_runs_source ON source_runs(source, run_id);
    """,
    # 5: search of past coverage. Two FTS5 indexes over each article (see db/search.py):
    # `search_text`, trigrams of the stored text itself (substrings of 3+ characters), kept by
    # triggers whoever writes `articles`; `search_terms`, the words the ranked search matches
    # (Kiwi morphemes once analysed; plain words until then), reset to plain words by triggers
    # when the text changes so it never describes an older text.
    """
    CREATE VIRTUAL TABLE search_text USING fts5(
        title, lead, body, content='articles', content_rowid='id', tokenize='trigram'
    );
    INSERT INTO search_text(search_text) VALUES ('rebuild');
    CREATE TRIGGER search_text_insert AFTER INSERT ON articles BEGIN
        INSERT INTO search_text(rowid, title, lead, body)
        VALUES (new.id, new.title, new.lead, new.body);
    END;
    CREATE TRIGGER search_text_delete AFTER DELETE ON articles BEGIN
        INSERT INTO search_text(search_text, rowid, title, lead, body)
        VALUES ('delete', old.id, old.title, old.lead, old.body);
    END;
    CREATE TRIGGER search_text_update AFTER UPDATE OF title, lead, body ON articles
    WHEN old.title IS NOT new.title OR old.lead IS NOT new.lead OR old.body IS NOT new.body
    BEGIN
        INSERT INTO search_text(search_text, rowid, title, lead, body)
        VALUES ('delete', old.id, old.title, old.lead, old.body);
        INSERT INTO search_text(rowid, title, lead, body)
        VALUES (new.id, new.title, new.lead, new.body);
    END;
    -- analysed: 0 plain words (as stored by SQL), 1 plain words with suffixes, 2 Kiwi morphemes.
    CREATE VIRTUAL TABLE search_terms USING fts5(
        title, body, analysed UNINDEXED, tokenize='unicode61', prefix='1 2'
    );
    INSERT INTO search_terms(rowid, title, body, analysed)
    SELECT id, title, lead || ' ' || body, 0 FROM articles;
    """
    + _SEARCH_TERMS_TRIGGERS,
    # 6: speed at a million articles. Tallies read the counted articles from one small covering
    # index (relevant coverage only) instead of the table's rows, and an article's entities from
    # the mentions index alone; search checks its filters in a covering index keyed by id, and
    # the ranked index gets prefix indexes for 3- and 4-character words (rebuilt in place: FTS5
    # cannot add a prefix index to an existing table).
    """
    CREATE INDEX articles_counted ON articles(
        published_date, outlet, outlet_domain, url, story_id, medium, tier, topic, tone,
        relevant, role
    ) WHERE relevant = 1 AND role = 'coverage';
    DROP INDEX mentions_article;
    CREATE INDEX mentions_article ON mentions(article_id, entity);
    CREATE INDEX articles_search ON articles(
        id, relevant, role, published_date, tier, topic, tone, outlet, outlet_domain
    );
    DROP TRIGGER search_terms_insert;
    DROP TRIGGER search_terms_delete;
    DROP TRIGGER search_terms_update;
    ALTER TABLE search_terms RENAME TO search_terms_5;
    CREATE VIRTUAL TABLE search_terms USING fts5(
        title, body, analysed UNINDEXED, tokenize='unicode61', prefix='1 2 3 4'
    );
    INSERT INTO search_terms(rowid, title, body, analysed)
    SELECT rowid, title, body, analysed FROM search_terms_5;
    DROP TABLE search_terms_5;
    """
    + _SEARCH_TERMS_TRIGGERS,
    # 7: a stored article's other addresses, so the known-URL check knows them without a fetch:
    # where its page's redirect landed ('landing') and an old address found to redirect to it
    # ('redirect'). Stored pages' recorded landings (final_url, fragment cut) seed it.
    """
    CREATE TABLE article_addresses (
        url TEXT PRIMARY KEY,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    );
    CREATE INDEX article_addresses_article ON article_addresses(article_id);
    INSERT OR IGNORE INTO article_addresses (url, article_id, kind, recorded_at)
    SELECT landed, id, 'landing', fetched_at FROM (
        SELECT a.id, p.fetched_at,
               substr(p.final_url, 1, instr(p.final_url || '#', '#') - 1) AS landed
        FROM articles a JOIN pages p ON p.id = a.page_id
        WHERE p.final_url LIKE 'http://%' OR p.final_url LIKE 'https://%'
        ORDER BY a.id
    ) WHERE landed NOT IN (SELECT url FROM articles);
    """,
    # 8: a search's date range narrows its index walk to the ids published in that range, read
    # from one row a day instead of a walk of the date index (three seeks a day: 1.3 ms for a
    # year at a million articles). A day's bounds only ever widen: an article that changes its
    # date or is deleted leaves them loose, which the search's own date filter makes good.
    """
    CREATE TABLE article_days (
        day TEXT PRIMARY KEY,
        low INTEGER NOT NULL,
        high INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO article_days (day, low, high)
    SELECT published_date, MIN(id), MAX(id) FROM articles
    WHERE published_date IS NOT NULL GROUP BY published_date;
    CREATE TRIGGER article_days_insert AFTER INSERT ON articles
    WHEN new.published_date IS NOT NULL BEGIN
        INSERT INTO article_days (day, low, high) VALUES (new.published_date, new.id, new.id)
        ON CONFLICT (day) DO UPDATE
        SET low = MIN(low, excluded.low), high = MAX(high, excluded.high);
    END;
    CREATE TRIGGER article_days_update AFTER UPDATE OF published_date ON articles
    WHEN new.published_date IS NOT NULL BEGIN
        INSERT INTO article_days (day, low, high) VALUES (new.published_date, new.id, new.id)
        ON CONFLICT (day) DO UPDATE
        SET low = MIN(low, excluded.low), high = MAX(high, excluded.high);
    END;
    """,
)
