//! [`super::super::IdentityStore`] on SQLite.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::SqliteStore;
use crate::auth::OrgRole;
use crate::store::identity::{
    Admission, DerivedOrg, Facilitators, Invitation, Organization, Person, User, WebSession,
};
use crate::store::{IdentityStore, StoreError};

const USER_COLUMNS: &str =
    "u.id, u.provider, u.subject, u.name, u.email, u.language, u.org_id, u.role";

fn user_of(row: &SqliteRow) -> User {
    User {
        id: row.get(0),
        provider: row.get(1),
        subject: row.get(2),
        name: row.get(3),
        email: row.get(4),
        language: row.get(5),
        org: row.get(6),
        // A role the store does not know is the least one.
        role: OrgRole::parse(row.get::<&str, _>(7)).unwrap_or(OrgRole::Member),
    }
}

fn org_of(row: &SqliteRow) -> Organization {
    Organization {
        id: row.get(0),
        name: row.get(1),
        source: row.get(2),
        external_key: row.get(3),
        facilitators: Facilitators::parse(row.get::<&str, _>(4)),
    }
}

fn invitation_of(row: &SqliteRow) -> Invitation {
    Invitation {
        id: row.get(0),
        org: row.get(1),
        role: OrgRole::parse(row.get::<&str, _>(2)).unwrap_or(OrgRole::Member),
        created_by: row.get(3),
        created_at: row.get(4),
        expires_at: row.get(5),
    }
}

/// The name of a person who gave none: the part of their email before the `@`, else a
/// placeholder they see on their own page.
fn fallback_name(person: &Person<'_>) -> String {
    person
        .email
        .and_then(|e| e.split('@').next())
        .filter(|n| !n.is_empty())
        .unwrap_or("Member")
        .to_owned()
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn admit(
        &self,
        person: &Person<'_>,
        invitation_hash: Option<&str>,
        derived: Option<&DerivedOrg<'_>>,
        now: i64,
    ) -> Result<Admission, StoreError> {
        // IMMEDIATE: the write lock is taken now, so that two first sign-ins of one tenant
        // cannot both find it empty and both become its admin.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let known = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.provider = ? AND u.subject = ?"
        ))
        .bind(person.provider)
        .bind(person.subject)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = known {
            let mut user = user_of(&row);
            if let Some(name) = person.name {
                user.name = name.to_owned();
            }
            user.email = person.email.map(str::to_owned);
            user.language = person.language.map(str::to_owned);
            sqlx::query("UPDATE users SET name = ?, email = ?, language = ? WHERE id = ?")
                .bind(&user.name)
                .bind(&user.email)
                .bind(&user.language)
                .bind(&user.id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(Admission::Known(user));
        }
        let invited = match invitation_hash {
            Some(hash) => sqlx::query(
                "UPDATE invitations SET revoked = 1
                 WHERE id_hash = ? AND revoked = 0 AND expires_at > ?
                 RETURNING org_id, role",
            )
            .bind(hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| {
                let role = OrgRole::parse(r.get::<&str, _>(1)).unwrap_or(OrgRole::Member);
                (r.get::<String, _>(0), role)
            }),
            None => None,
        };
        let (org, role) = match (invited, derived) {
            (Some(placed), _) => placed,
            (None, Some(d)) => {
                let existing: Option<String> =
                    sqlx::query_scalar("SELECT id FROM organizations WHERE external_key = ?")
                        .bind(d.external_key)
                        .fetch_optional(&mut *tx)
                        .await?;
                let org = match existing {
                    Some(id) => id,
                    None => {
                        let id = format!("o_{}", crate::auth::random_token(12));
                        sqlx::query(
                            "INSERT INTO organizations (id, name, source, external_key, created_at)
                             VALUES (?, ?, ?, ?, ?)",
                        )
                        .bind(&id)
                        .bind(d.name)
                        .bind(d.source)
                        .bind(d.external_key)
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                        id
                    }
                };
                let members: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE org_id = ?")
                        .bind(&org)
                        .fetch_one(&mut *tx)
                        .await?;
                let role = if members == 0 {
                    OrgRole::Admin
                } else {
                    OrgRole::Member
                };
                (org, role)
            }
            (None, None) => {
                tx.rollback().await?;
                return Ok(Admission::NoOrganization);
            }
        };
        let user = User {
            id: format!("u_{}", crate::auth::random_token(12)),
            provider: person.provider.to_owned(),
            subject: person.subject.to_owned(),
            name: person
                .name
                .map_or_else(|| fallback_name(person), str::to_owned),
            email: person.email.map(str::to_owned),
            language: person.language.map(str::to_owned),
            org,
            role,
        };
        sqlx::query(
            "INSERT INTO users (id, provider, subject, name, email, language, org_id, role,
                                created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&user.id)
        .bind(&user.provider)
        .bind(&user.subject)
        .bind(&user.name)
        .bind(&user.email)
        .bind(&user.language)
        .bind(&user.org)
        .bind(user.role.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Admission::New(user))
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        Ok(sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| user_of(&r)))
    }

    async fn organization(&self, id: &str) -> Result<Option<Organization>, StoreError> {
        Ok(sqlx::query(
            "SELECT id, name, source, external_key, facilitators FROM organizations WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| org_of(&r)))
    }

    async fn organization_by_key(&self, key: &str) -> Result<Option<Organization>, StoreError> {
        Ok(sqlx::query(
            "SELECT id, name, source, external_key, facilitators FROM organizations
             WHERE external_key = ?",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| org_of(&r)))
    }

    async fn create_organization(&self, org: &Organization, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO organizations (id, name, source, external_key, facilitators, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&org.id)
        .bind(&org.name)
        .bind(&org.source)
        .bind(&org.external_key)
        .bind(org.facilitators.as_str())
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_facilitators(&self, org: &str, who: Facilitators) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE organizations SET facilitators = ? WHERE id = ?")
            .bind(who.as_str())
            .bind(org)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn create_web_session(
        &self,
        id_hash: &str,
        user: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO web_sessions (id_hash, user_id, created_at, last_seen_at, expires_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id_hash)
        .bind(user)
        .bind(now)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn web_session(
        &self,
        id_hash: &str,
        now: i64,
        idle_s: i64,
    ) -> Result<Option<WebSession>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, o.name, o.facilitators, s.last_seen_at, s.expires_at
             FROM web_sessions s
             JOIN users u ON u.id = s.user_id
             JOIN organizations o ON o.id = u.org_id
             WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND s.last_seen_at + ?3 > ?2"
        ))
        .bind(id_hash)
        .bind(now)
        .bind(idle_s)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| WebSession {
            user: user_of(&r),
            org_name: r.get(8),
            facilitators: Facilitators::parse(r.get::<&str, _>(9)),
            last_seen_at: r.get(10),
            expires_at: r.get(11),
        }))
    }

    async fn touch_web_session(&self, id_hash: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE web_sessions SET last_seen_at = MAX(last_seen_at, ?) WHERE id_hash = ?",
        )
        .bind(now)
        .bind(id_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn revoke_web_session(&self, id_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE id_hash = ?")
            .bind(id_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn revoke_web_sessions_of(&self, user: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM web_sessions WHERE user_id = ?")
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn create_invitation(&self, inv: &Invitation, id_hash: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO invitations (id, id_hash, org_id, role, created_by, created_at,
                                      expires_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&inv.id)
        .bind(id_hash)
        .bind(&inv.org)
        .bind(inv.role.as_str())
        .bind(&inv.created_by)
        .bind(inv.created_at)
        .bind(inv.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn invitation(&self, id_hash: &str, now: i64) -> Result<Option<Invitation>, StoreError> {
        Ok(sqlx::query(
            "SELECT id, org_id, role, created_by, created_at, expires_at FROM invitations
             WHERE id_hash = ? AND revoked = 0 AND expires_at > ?",
        )
        .bind(id_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?
        .map(|r| invitation_of(&r)))
    }

    async fn invitations(&self, org: &str, now: i64) -> Result<Vec<Invitation>, StoreError> {
        Ok(sqlx::query(
            "SELECT id, org_id, role, created_by, created_at, expires_at FROM invitations
             WHERE org_id = ? AND revoked = 0 AND expires_at > ?
             ORDER BY created_at DESC, id",
        )
        .bind(org)
        .bind(now)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(invitation_of)
        .collect())
    }

    async fn revoke_invitation(&self, org: &str, id: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE invitations SET revoked = 1 WHERE org_id = ? AND id = ?")
            .bind(org)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn members(&self, org: &str) -> Result<Vec<User>, StoreError> {
        Ok(sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = ? ORDER BY u.name, u.id"
        ))
        .bind(org)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(user_of)
        .collect())
    }

    async fn set_role(&self, org: &str, user: &str, role: OrgRole) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE users SET role = ? WHERE org_id = ? AND id = ?")
            .bind(role.as_str())
            .bind(org)
            .bind(user)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let store = SqliteStore::open(&url).await.expect("open");
        (dir, store)
    }

    fn person<'a>(subject: &'a str, name: Option<&'a str>) -> Person<'a> {
        Person {
            provider: "microsoft",
            subject,
            name,
            email: Some("ada@a.example"),
            language: Some("en"),
        }
    }

    const TENANT_A: DerivedOrg<'static> = DerivedOrg {
        external_key: "entra:tenant-a",
        source: "entra",
        name: "a.example",
    };

    fn new_user(a: Admission) -> User {
        match a {
            Admission::New(u) => u,
            other => panic!("expected a new user, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_first_user_of_a_derived_organization_is_its_admin_and_known_users_stay_current() {
        let (_dir, s) = store().await;
        let ada = new_user(
            s.admit(&person("ta:1", Some("Ada")), None, Some(&TENANT_A), 10)
                .await
                .expect("admit"),
        );
        assert_eq!(ada.role, OrgRole::Admin);
        let bob = new_user(
            s.admit(&person("ta:2", Some("Bob")), None, Some(&TENANT_A), 11)
                .await
                .expect("admit"),
        );
        assert_eq!((bob.role, &bob.org), (OrgRole::Member, &ada.org));
        let org = s
            .organization_by_key("entra:tenant-a")
            .await
            .expect("read")
            .expect("created");
        assert_eq!(
            (org.id.as_str(), org.facilitators),
            (ada.org.as_str(), Facilitators::All)
        );

        // Known again: the name is updated when given, kept when not (Apple gives it once).
        let mut again = person("ta:1", Some("Ada L."));
        again.email = None;
        let Admission::Known(known) = s.admit(&again, None, None, 12).await.expect("admit") else {
            panic!("known")
        };
        assert_eq!(
            (known.id.as_str(), known.name.as_str(), known.email),
            (ada.id.as_str(), "Ada L.", None)
        );
        let Admission::Known(known) = s
            .admit(&person("ta:1", None), None, None, 13)
            .await
            .expect("admit")
        else {
            panic!("known")
        };
        assert_eq!(known.name, "Ada L.");
        assert_eq!(s.user(&ada.id).await.expect("read"), Some(known));

        // Unknown, no invitation, nothing derived: refused.
        assert_eq!(
            s.admit(&person("personal", None), None, None, 14)
                .await
                .expect("admit"),
            Admission::NoOrganization
        );
        let members = s.members(&ada.org).await.expect("members");
        assert_eq!(members.len(), 2);
        assert!(
            s.set_role(&ada.org, &bob.id, OrgRole::Facilitator)
                .await
                .expect("role")
        );
        assert!(
            !s.set_role("default", &bob.id, OrgRole::Admin)
                .await
                .expect("role")
        );
        assert_eq!(
            s.user(&bob.id).await.expect("read").map(|u| u.role),
            Some(OrgRole::Facilitator)
        );
        assert!(
            s.set_facilitators(&ada.org, Facilitators::Listed)
                .await
                .expect("set")
        );
    }

    #[tokio::test]
    async fn an_invitation_brings_one_new_person_in_until_it_expires_or_is_revoked() {
        let (_dir, s) = store().await;
        let inv = |id: &str, expires_at| Invitation {
            id: id.into(),
            org: "default".into(),
            role: OrgRole::Facilitator,
            created_by: "u_admin".into(),
            created_at: 100,
            expires_at,
        };
        s.create_invitation(&inv("i1", 200), "hash1")
            .await
            .expect("create");
        s.create_invitation(&inv("i2", 200), "hash2")
            .await
            .expect("create");
        s.create_invitation(&inv("i3", 150), "hash3")
            .await
            .expect("create");
        assert_eq!(s.invitations("default", 120).await.expect("list").len(), 3);
        assert_eq!(
            s.invitation("hash1", 120).await.expect("read"),
            Some(inv("i1", 200))
        );
        let pat = new_user(
            s.admit(&person("pat", Some("Pat")), Some("hash1"), None, 120)
                .await
                .expect("admit"),
        );
        assert_eq!(
            (pat.org.as_str(), pat.role),
            ("default", OrgRole::Facilitator)
        );
        // Used: it brings nobody else in.
        assert_eq!(s.invitation("hash1", 121).await.expect("read"), None);
        assert_eq!(
            s.admit(&person("sam", None), Some("hash1"), None, 121)
                .await
                .expect("admit"),
            Admission::NoOrganization
        );
        // Expired.
        assert_eq!(
            s.admit(&person("sam", None), Some("hash3"), None, 150)
                .await
                .expect("admit"),
            Admission::NoOrganization
        );
        // Revoked.
        assert!(s.revoke_invitation("default", "i2").await.expect("revoke"));
        assert!(
            !s.revoke_invitation("other-org", "i3")
                .await
                .expect("revoke")
        );
        assert_eq!(s.invitation("hash2", 121).await.expect("read"), None);
        assert!(
            s.invitations("default", 160)
                .await
                .expect("list")
                .is_empty()
        );
    }

    #[tokio::test]
    async fn web_sessions_end_on_idle_on_their_maximum_and_on_revocation() {
        let (_dir, s) = store().await;
        let ada = new_user(
            s.admit(&person("ta:1", Some("Ada")), None, Some(&TENANT_A), 0)
                .await
                .expect("admit"),
        );
        s.create_web_session("h1", &ada.id, 1000, 1000 + 7 * 86_400)
            .await
            .expect("create");
        s.create_web_session("h2", &ada.id, 1000, 1000 + 7 * 86_400)
            .await
            .expect("create");
        let idle = 8 * 3600;
        let found = s
            .web_session("h1", 1001, idle)
            .await
            .expect("read")
            .expect("valid");
        assert_eq!(
            (found.user.id.as_str(), found.org_name.as_str()),
            (ada.id.as_str(), "a.example")
        );
        // Idle past 8 h: gone; used in between: alive.
        assert!(
            s.web_session("h1", 1000 + idle, idle)
                .await
                .expect("read")
                .is_none()
        );
        s.touch_web_session("h1", 1000 + idle - 1)
            .await
            .expect("touch");
        assert!(
            s.web_session("h1", 1000 + idle, idle)
                .await
                .expect("read")
                .is_some()
        );
        // The absolute end holds however busy the session is.
        s.touch_web_session("h1", 1000 + 7 * 86_400 - 1)
            .await
            .expect("touch");
        assert!(
            s.web_session("h1", 1000 + 7 * 86_400, idle)
                .await
                .expect("read")
                .is_none()
        );
        assert!(s.revoke_web_session("h2").await.expect("revoke"));
        assert!(!s.revoke_web_session("h2").await.expect("revoke"));
        assert!(
            s.web_session("h2", 1001, idle)
                .await
                .expect("read")
                .is_none()
        );
        s.create_web_session("h3", &ada.id, 1000, 2000)
            .await
            .expect("create");
        assert_eq!(s.revoke_web_sessions_of(&ada.id).await.expect("revoke"), 2);
    }
}
