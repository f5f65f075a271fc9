//! [`super::super::AccessStore`] on SQLite: table `guest_links`, and the organization's view
//! of `sessions`.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, micros};
use crate::store::{AccessStore, GuestLink, OrgSessionListing, SessionScope, StoreError};

const LINK_COLUMNS: &str =
    "id, id_hash, org_id, room_code, created_by, created_at, expires_at, revoked";

fn seconds(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

fn link(r: &SqliteRow) -> GuestLink {
    GuestLink {
        id: r.get(0),
        id_hash: r.get(1),
        org: r.get(2),
        room: r.get(3),
        created_by: r.get(4),
        created_at: seconds(r.get(5)),
        expires_at: seconds(r.get(6)),
        revoked: r.get::<i64, _>(7) != 0,
    }
}

/// Unix seconds as SQLite stores them (saturating: no time is past `i64::MAX`).
fn stored(t: u64) -> i64 {
    i64::try_from(t).unwrap_or(i64::MAX)
}

#[async_trait]
impl AccessStore for SqliteStore {
    async fn insert_guest_link(&self, l: &GuestLink) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO guest_links
             (id, id_hash, org_id, room_code, created_by, created_at, expires_at, revoked)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&l.id)
        .bind(&l.id_hash)
        .bind(&l.org)
        .bind(&l.room)
        .bind(&l.created_by)
        .bind(stored(l.created_at))
        .bind(stored(l.expires_at))
        .bind(l.revoked)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn guest_link(&self, id: &str) -> Result<Option<GuestLink>, StoreError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM guest_links WHERE id = ?");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(link))
    }

    async fn guest_link_by_hash(&self, id_hash: &str) -> Result<Option<GuestLink>, StoreError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM guest_links WHERE id_hash = ?");
        let row = sqlx::query(&sql)
            .bind(id_hash)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(link))
    }

    async fn guest_links_of_room(
        &self,
        org: &str,
        room: &str,
        now: u64,
    ) -> Result<Vec<GuestLink>, StoreError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM guest_links
             WHERE org_id = ? AND room_code = ? AND revoked = 0 AND expires_at > ?
             ORDER BY created_at DESC, id"
        );
        let rows = sqlx::query(&sql)
            .bind(org)
            .bind(room)
            .bind(stored(now))
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(link).collect())
    }

    async fn revoke_guest_link(&self, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE guest_links SET revoked = 1 WHERE id = ? AND revoked = 0")
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(done > 0)
    }

    async fn org_sessions(
        &self,
        org: &str,
        scope: SessionScope<'_>,
        limit: u32,
    ) -> Result<Vec<OrgSessionListing>, StoreError> {
        let (everything, joined, hosted) = match scope {
            SessionScope::Org => (true, None, None),
            SessionScope::Person { joined, hosted } => (false, Some(joined), hosted),
        };
        let rows = sqlx::query(
            "SELECT s.id, s.room_code, s.program, s.started_at, s.ended_at,
                    (SELECT COUNT(*) FROM session_participants p WHERE p.session_id = s.id)
             FROM sessions s
             WHERE s.org_id = ?1
               AND (?2
                    OR (?4 IS NOT NULL AND s.created_by = ?4)
                    OR EXISTS (SELECT 1 FROM session_participants p
                               WHERE p.session_id = s.id AND p.user_id = ?3))
             ORDER BY s.started_at DESC, s.id
             LIMIT ?5",
        )
        .bind(org)
        .bind(everything)
        .bind(joined)
        .bind(hosted)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| OrgSessionListing {
                session: r.get(0),
                room: r.get(1),
                program: r.get(2),
                started_at: micros(r.get(3)),
                ended_at: micros(r.get(4)),
                participants: r.get::<i64, _>(5) as u32,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use breakroom_protocol::{EndReason, ParticipantId, ParticipantSummary, SessionSummary};

    use super::*;
    use crate::store::Store;

    fn session(id: &str, started_at: u64, people: &[&str]) -> SessionSummary {
        SessionSummary {
            session: id.into(),
            room: "ABCD-EFGH".into(),
            program: "Quick".into(),
            started_at,
            ended_at: started_at + 10,
            end: EndReason::Completed,
            participants: people
                .iter()
                .enumerate()
                .map(|(i, user)| ParticipantSummary {
                    p: ParticipantId(i as u32 + 1),
                    user: (*user).into(),
                    name: format!("Name of {user}"),
                    team: None,
                    results: vec![],
                    flags: vec![],
                })
                .collect(),
        }
    }

    async fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let store = SqliteStore::open(&url).await.expect("open");
        sqlx::query(
            "INSERT INTO organizations (id, name, source, created_at)
             VALUES ('org-a', 'A', 'invitation', 0), ('org-b', 'B', 'invitation', 0)",
        )
        .execute(&store.pool)
        .await
        .expect("orgs");
        (dir, store)
    }

    /// Each scope lists exactly its sessions, newest first, never another organization's.
    #[tokio::test]
    async fn session_lists_follow_their_scope_and_stay_in_their_org() {
        let (_dir, store) = store().await;
        for (s, host, org) in [
            (session("s1", 100, &["ada", "bo"]), "hana", "org-a"),
            (session("s2", 200, &["bo"]), "ada", "org-a"),
            (session("s3", 300, &["cy"]), "hana", "org-a"),
            (session("s4", 400, &["ada"]), "hana", "org-b"),
        ] {
            store.save_summary(&s, host, org).await.expect("save");
        }
        let ids = |list: Vec<OrgSessionListing>| -> Vec<String> {
            list.into_iter().map(|l| l.session).collect()
        };
        let person = |joined, hosted| SessionScope::Person { joined, hosted };
        let cases: [(&str, SessionScope<'_>, u32, &[&str]); 7] = [
            ("org-a", SessionScope::Org, 20, &["s3", "s2", "s1"]),
            ("org-a", SessionScope::Org, 2, &["s3", "s2"]),
            ("org-a", person("ada", None), 20, &["s1"]),
            ("org-a", person("ada", Some("ada")), 20, &["s2", "s1"]),
            ("org-a", person("hana", Some("hana")), 20, &["s3", "s1"]),
            ("org-a", person("zed", Some("zed")), 20, &[]),
            ("org-b", person("ada", None), 20, &["s4"]),
        ];
        for (org, scope, limit, want) in cases {
            let got = ids(store.org_sessions(org, scope, limit).await.expect("list"));
            assert_eq!(got, want, "{org} {scope:?} limit {limit}");
        }
        let first = store
            .org_sessions("org-a", SessionScope::Org, 1)
            .await
            .expect("list");
        assert_eq!(
            (first[0].room.as_str(), first[0].participants),
            ("ABCD-EFGH", 1)
        );
    }

    #[tokio::test]
    async fn guest_links_are_found_by_hash_listed_while_active_and_revoked_once() {
        let (_dir, store) = store().await;
        let make = |id: &str, org: &str, created_at: u64, expires_at: u64| GuestLink {
            id: id.into(),
            id_hash: format!("hash-{id}"),
            org: org.into(),
            room: "ABCD-EFGH".into(),
            created_by: "hana".into(),
            created_at,
            expires_at,
            revoked: false,
        };
        for l in [
            make("g1", "org-a", 10, 1_000),
            make("g2", "org-a", 20, 1_000),
            make("g3", "org-a", 30, 50),
            make("g4", "org-b", 40, 1_000),
        ] {
            store.insert_guest_link(&l).await.expect("insert");
        }
        let s = &store;
        let listed = |now| async move {
            s.guest_links_of_room("org-a", "ABCD-EFGH", now)
                .await
                .expect("list")
                .into_iter()
                .map(|l| l.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(listed(40).await, ["g3", "g2", "g1"]);
        // g3 has expired by 60.
        assert_eq!(listed(60).await, ["g2", "g1"]);
        let by_hash = store.guest_link_by_hash("hash-g2").await.expect("read");
        assert_eq!(by_hash, Some(make("g2", "org-a", 20, 1_000)));
        assert!(store.revoke_guest_link("g2").await.expect("revoke"));
        assert!(!store.revoke_guest_link("g2").await.expect("again"));
        assert!(!store.revoke_guest_link("nope").await.expect("missing"));
        assert_eq!(listed(60).await, ["g1"]);
        let revoked = store.guest_link("g2").await.expect("read").expect("kept");
        assert!(revoked.revoked && !revoked.is_active(60));
        assert!(store.guest_link("nope").await.expect("read").is_none());
    }
}
