//! The embedded default store: SQLite through sqlx, migrations compiled in.

mod access;
mod apps;
mod identity;

use std::str::FromStr;

use async_trait::async_trait;
use breakroom_protocol::{
    EndReason, ExerciseResult, FlagReason, ParticipantId, ParticipantSummary, ScoreFlag,
    SessionSummary,
};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

use super::{Saved, SessionListing, Store, StoreError, StoredSummary};

/// SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `url` and runs the embedded migrations.
    pub async fn open(url: &str) -> anyhow::Result<SqliteStore> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("src/store/migrations").run(&pool).await?;
        Ok(SqliteStore { pool })
    }

    /// Closes the pool, flushing everything.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

fn enum_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn enum_parse<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|e| StoreError(sqlx::Error::Decode(Box::new(e))))
}

fn micros(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

#[async_trait]
impl Store for SqliteStore {
    async fn save_summary(
        &self,
        s: &SessionSummary,
        created_by: &str,
        org: &str,
    ) -> Result<Saved, StoreError> {
        let mut tx = self.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO sessions
             (id, room_code, program, started_at, ended_at, end_reason, created_by, org_id)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&s.session)
        .bind(&s.room)
        .bind(&s.program)
        .bind(s.started_at as i64)
        .bind(s.ended_at as i64)
        .bind(enum_text(&s.end))
        .bind(created_by)
        .bind(org)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(Saved::AlreadyPresent);
        }
        for p in &s.participants {
            sqlx::query(
                "INSERT INTO session_participants (session_id, participant, user_id, name, team)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(&s.session)
            .bind(i64::from(p.p.0))
            .bind(&p.user)
            .bind(&p.name)
            .bind(&p.team)
            .execute(&mut *tx)
            .await?;
            for (i, r) in p.results.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO results
                     (session_id, participant, position, exercise, reps, points, active_ms,
                      verified)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(&s.session)
                .bind(i64::from(p.p.0))
                .bind(i as i64)
                .bind(&r.exercise)
                .bind(i64::from(r.reps))
                .bind(i64::from(r.points))
                .bind(i64::from(r.active_ms))
                .bind(r.verified)
                .execute(&mut *tx)
                .await?;
            }
            for (i, f) in p.flags.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO flags
                     (session_id, participant, position, exercise, reason, claimed, accepted,
                      detected, at)
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(&s.session)
                .bind(i64::from(p.p.0))
                .bind(i as i64)
                .bind(&f.exercise)
                .bind(enum_text(&f.reason))
                .bind(i64::from(f.claimed))
                .bind(i64::from(f.accepted))
                .bind(f.detected.map(i64::from))
                .bind(f.at as i64)
                .execute(&mut *tx)
                .await?;
            }
        }
        tx.commit().await?;
        Ok(Saved::Inserted)
    }

    async fn summary(&self, session: &str) -> Result<Option<StoredSummary>, StoreError> {
        let Some(row) = sqlx::query(
            "SELECT room_code, program, started_at, ended_at, end_reason, created_by, org_id
             FROM sessions WHERE id = ?",
        )
        .bind(session)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let mut participants = Vec::new();
        let rows = sqlx::query(
            "SELECT participant, user_id, name, team FROM session_participants
             WHERE session_id = ? ORDER BY participant",
        )
        .bind(session)
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            let p: i64 = r.get(0);
            let results = sqlx::query(
                "SELECT exercise, reps, points, active_ms, verified FROM results
                 WHERE session_id = ? AND participant = ? ORDER BY position",
            )
            .bind(session)
            .bind(p)
            .fetch_all(&self.pool)
            .await?
            .into_iter()
            .map(|r| ExerciseResult {
                exercise: r.get(0),
                reps: r.get::<i64, _>(1) as u32,
                points: r.get::<i64, _>(2) as u32,
                active_ms: r.get::<i64, _>(3) as u32,
                verified: r.get(4),
            })
            .collect();
            let mut flags = Vec::new();
            let flag_rows = sqlx::query(
                "SELECT exercise, reason, claimed, accepted, at, detected FROM flags
                 WHERE session_id = ? AND participant = ? ORDER BY position",
            )
            .bind(session)
            .bind(p)
            .fetch_all(&self.pool)
            .await?;
            for f in flag_rows {
                flags.push(ScoreFlag {
                    p: ParticipantId(p as u32),
                    exercise: f.get(0),
                    reason: enum_parse::<FlagReason>(f.get::<&str, _>(1))?,
                    claimed: f.get::<i64, _>(2) as u32,
                    accepted: f.get::<i64, _>(3) as u32,
                    at: micros(f.get(4)),
                    detected: f.get::<Option<i64>, _>(5).map(|d| d as u32),
                });
            }
            participants.push(ParticipantSummary {
                p: ParticipantId(p as u32),
                user: r.get(1),
                name: r.get(2),
                team: r.get(3),
                results,
                flags,
            });
        }
        Ok(Some(StoredSummary {
            summary: SessionSummary {
                session: session.to_owned(),
                room: row.get(0),
                program: row.get(1),
                started_at: micros(row.get(2)),
                ended_at: micros(row.get(3)),
                end: enum_parse::<EndReason>(row.get::<&str, _>(4))?,
                participants,
            },
            created_by: row.get(5),
            org: row.get(6),
        }))
    }

    async fn sessions_of_room(
        &self,
        org: &str,
        room: &str,
        created_by: Option<&str>,
    ) -> Result<Vec<SessionListing>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.id, s.program, s.started_at, s.ended_at,
                    (SELECT COUNT(*) FROM session_participants p WHERE p.session_id = s.id)
             FROM sessions s
             WHERE s.org_id = ?1 AND s.room_code = ?2 AND (?3 IS NULL OR s.created_by = ?3)
             ORDER BY s.started_at",
        )
        .bind(org)
        .bind(room)
        .bind(created_by)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| SessionListing {
                session: r.get(0),
                program: r.get(1),
                started_at: micros(r.get(2)),
                ended_at: micros(r.get(3)),
                participants: r.get::<i64, _>(4) as u32,
            })
            .collect())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use breakroom_protocol::{
        EndReason, ExerciseResult, FlagReason, ParticipantId, ParticipantSummary, ScoreFlag,
        SessionSummary,
    };

    use super::*;

    fn summary(reps: u32) -> SessionSummary {
        SessionSummary {
            session: "s-1".into(),
            room: "ABCD-EFGH".into(),
            program: "Quick".into(),
            started_at: 1_000,
            ended_at: 2_000,
            end: EndReason::Completed,
            participants: vec![ParticipantSummary {
                p: ParticipantId(1),
                user: "u1".into(),
                name: "Ada".into(),
                team: None,
                results: vec![ExerciseResult {
                    exercise: "squats".into(),
                    reps,
                    points: reps * 3,
                    active_ms: 0,
                    verified: true,
                }],
                flags: vec![ScoreFlag {
                    p: ParticipantId(1),
                    exercise: "squats".into(),
                    reason: FlagReason::Mismatch,
                    claimed: 30,
                    accepted: reps,
                    detected: Some(2),
                    at: 1_500,
                }],
            }],
        }
    }

    #[tokio::test]
    async fn a_summary_is_written_once_and_retries_change_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let store = SqliteStore::open(&url).await.expect("open");
        assert_eq!(
            store
                .save_summary(&summary(5), "u-host", "org-a")
                .await
                .expect("save"),
            Saved::Inserted
        );
        // A retry, even one carrying other numbers, leaves the first write as it was.
        assert_eq!(
            store
                .save_summary(&summary(9), "u-other", "org-b")
                .await
                .expect("retry"),
            Saved::AlreadyPresent
        );
        let stored = StoredSummary {
            summary: summary(5),
            created_by: Some("u-host".into()),
            org: "org-a".into(),
        };
        assert_eq!(
            store.summary("s-1").await.expect("read"),
            Some(stored.clone())
        );
        let listed = store
            .sessions_of_room("org-a", "ABCD-EFGH", None)
            .await
            .expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].participants, 1);
        // The same code in another organization lists nothing.
        let elsewhere = store
            .sessions_of_room("org-b", "ABCD-EFGH", None)
            .await
            .expect("list");
        assert!(elsewhere.is_empty());
        // Filtered by creator: the room's creator sees it, another user sees nothing.
        let by_host = store
            .sessions_of_room("org-a", "ABCD-EFGH", Some("u-host"))
            .await
            .expect("list");
        assert_eq!(by_host, listed);
        let by_other = store
            .sessions_of_room("org-a", "ABCD-EFGH", Some("u-other"))
            .await
            .expect("list");
        assert!(by_other.is_empty());
        store.close().await;

        // It is on disk: a new store on the same file reads it back, creator included.
        let again = SqliteStore::open(&url).await.expect("reopen");
        assert_eq!(again.summary("s-1").await.expect("read"), Some(stored));
        assert_eq!(again.summary("nope").await.expect("read"), None);
    }

    #[tokio::test]
    async fn an_older_store_loses_its_users_and_their_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        // A store as the previous version left it: the first two migrations, and a user.
        let old = tempfile::tempdir().expect("tempdir");
        for (name, sql) in [
            ("0001_init.sql", include_str!("migrations/0001_init.sql")),
            (
                "0002_verification.sql",
                include_str!("migrations/0002_verification.sql"),
            ),
        ] {
            std::fs::write(old.path().join(name), sql).expect("write");
        }
        let pool = SqlitePool::connect(&url).await.expect("connect");
        sqlx::migrate::Migrator::new(old.path())
            .await
            .expect("migrator")
            .run(&pool)
            .await
            .expect("old migrations");
        sqlx::query(
            "INSERT INTO users (id, display_name, email, created_at, updated_at)
             VALUES ('u-zelda', 'Zelda Oldrow', 'zelda@mail.example', 0, 0)",
        )
        .execute(&pool)
        .await
        .expect("insert");
        pool.close().await;

        let store = SqliteStore::open(&url).await.expect("open");
        store.close().await;
        for entry in std::fs::read_dir(dir.path()).expect("dir") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("read");
            for word in ["Zelda Oldrow", "zelda@mail.example"] {
                let found = bytes.windows(word.len()).any(|w| w == word.as_bytes());
                assert!(!found, "{} still holds {word:?}", path.display());
            }
        }
    }
}
