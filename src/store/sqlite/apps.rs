//! [`super::super::AppStore`] on SQLite.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::SqliteStore;
use crate::store::{AppAlg, AppKey, AppRecord, AppStore, StoreError};

const COLUMNS: &str = "id, org_id, name, origins, alg, secret, public_key, jwks_url, disabled,
     max_connections, max_rooms, created_at";

fn decode_error(what: &str) -> StoreError {
    StoreError(sqlx::Error::Decode(what.to_owned().into()))
}

fn record(r: &SqliteRow) -> Result<AppRecord, StoreError> {
    let origins: String = r.get(3);
    let alg: String = r.get(4);
    let key = match (
        r.get::<Option<String>, _>(5),
        r.get::<Option<String>, _>(6),
        r.get::<Option<String>, _>(7),
    ) {
        (Some(secret), None, None) => AppKey::Secret(secret),
        (None, Some(pem), None) => AppKey::PublicKeyPem(pem),
        (None, None, Some(url)) => AppKey::JwksUrl(url),
        _ => return Err(decode_error("an app needs exactly one key")),
    };
    let limit = |i: usize| {
        r.get::<Option<i64>, _>(i)
            .map(|n| u32::try_from(n).unwrap_or(u32::MAX))
    };
    Ok(AppRecord {
        id: r.get(0),
        org: r.get(1),
        name: r.get(2),
        origins: serde_json::from_str(&origins).map_err(|_| decode_error("app origins"))?,
        alg: AppAlg::parse(&alg).ok_or_else(|| decode_error("app alg"))?,
        key,
        disabled: r.get(8),
        max_connections: limit(9),
        max_rooms: limit(10),
        created_at: u64::try_from(r.get::<i64, _>(11)).unwrap_or(0),
    })
}

#[async_trait]
impl AppStore for SqliteStore {
    async fn insert_app(&self, app: &AppRecord) -> Result<(), StoreError> {
        let (secret, pem, url) = match &app.key {
            AppKey::Secret(s) => (Some(s), None, None),
            AppKey::PublicKeyPem(p) => (None, Some(p), None),
            AppKey::JwksUrl(u) => (None, None, Some(u)),
        };
        let origins = serde_json::to_string(&app.origins).unwrap_or_else(|_| "[]".into());
        sqlx::query(&format!(
            "INSERT INTO apps ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&app.id)
        .bind(&app.org)
        .bind(&app.name)
        .bind(origins)
        .bind(app.alg.as_str())
        .bind(secret)
        .bind(pem)
        .bind(url)
        .bind(app.disabled)
        .bind(app.max_connections.map(i64::from))
        .bind(app.max_rooms.map(i64::from))
        .bind(i64::try_from(app.created_at).unwrap_or(i64::MAX))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn app(&self, id: &str) -> Result<Option<AppRecord>, StoreError> {
        sqlx::query(&format!("SELECT {COLUMNS} FROM apps WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(record)
            .transpose()
    }

    async fn apps_of_org(&self, org: &str) -> Result<Vec<AppRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {COLUMNS} FROM apps WHERE org_id = ? ORDER BY created_at, rowid"
        ))
        .bind(org)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(record)
        .collect()
    }

    async fn set_app_disabled(&self, id: &str, disabled: bool) -> Result<bool, StoreError> {
        let changed = sqlx::query("UPDATE apps SET disabled = ? WHERE id = ?")
            .bind(disabled)
            .bind(id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(changed > 0)
    }

    async fn revoke_token(
        &self,
        app: &str,
        jti: &str,
        expires_at: u64,
        now: u64,
    ) -> Result<(), StoreError> {
        let secs = |t: u64| i64::try_from(t).unwrap_or(i64::MAX);
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at < ?")
            .bind(secs(now))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO revoked_tokens (app_id, jti, expires_at) VALUES (?, ?, ?)
             ON CONFLICT (app_id, jti) DO UPDATE
             SET expires_at = MAX(expires_at, excluded.expires_at)",
        )
        .bind(app)
        .bind(jti)
        .bind(secs(expires_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn origin_listed(&self, origin: &str) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT 1 FROM apps, json_each(apps.origins)
             WHERE apps.disabled = 0 AND json_each.value = ? LIMIT 1",
        )
        .bind(origin)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    async fn revocations(&self, now: u64) -> Result<Vec<(String, String, u64)>, StoreError> {
        let rows =
            sqlx::query("SELECT app_id, jti, expires_at FROM revoked_tokens WHERE expires_at >= ?")
                .bind(i64::try_from(now).unwrap_or(i64::MAX))
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let exp: i64 = r.get(2);
                (r.get(0), r.get(1), u64::try_from(exp).unwrap_or(0))
            })
            .collect())
    }

    async fn is_revoked(&self, app: &str, jti: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT 1 FROM revoked_tokens WHERE app_id = ? AND jti = ?")
            .bind(app)
            .bind(jti)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(id: &str, org: &str, key: AppKey) -> AppRecord {
        AppRecord {
            id: id.into(),
            org: org.into(),
            name: format!("App {id}"),
            origins: vec!["https://app.example".into()],
            alg: AppAlg::HS256,
            key,
            disabled: false,
            max_connections: Some(3),
            max_rooms: None,
            created_at: 1_800_000_000,
        }
    }

    #[tokio::test]
    async fn apps_are_kept_per_organization_and_revocations_until_expiry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("db.sqlite").display());
        let store = SqliteStore::open(&url).await.expect("open");
        let a = app("app_a", "default", AppKey::Secret("s".repeat(32)));
        let b = AppRecord {
            alg: AppAlg::EdDSA,
            ..app(
                "app_b",
                "default",
                AppKey::JwksUrl("https://b.example/jwks".into()),
            )
        };
        store.insert_app(&a).await.expect("insert a");
        store.insert_app(&b).await.expect("insert b");
        assert_eq!(store.app("app_a").await.expect("read"), Some(a.clone()));
        assert_eq!(store.app("nope").await.expect("read"), None);
        let listed = store.apps_of_org("default").await.expect("list");
        assert_eq!(listed, vec![a.clone(), b.clone()]);
        assert!(store.apps_of_org("other").await.expect("list").is_empty());
        assert!(
            !format!("{a:?}").contains("sss"),
            "Debug never shows the secret"
        );
        let listed = |o: &'static str| store.origin_listed(o);
        assert!(listed("https://app.example").await.expect("origin"));
        assert!(!listed("https://evil.example").await.expect("origin"));

        assert!(
            store
                .set_app_disabled("app_a", true)
                .await
                .expect("disable")
        );
        assert!(!store.set_app_disabled("nope", true).await.expect("disable"));
        assert!(
            store
                .app("app_a")
                .await
                .expect("read")
                .is_some_and(|a| a.disabled)
        );
        assert!(
            listed("https://app.example").await.expect("origin"),
            "b lists it too"
        );
        store
            .set_app_disabled("app_b", true)
            .await
            .expect("disable");
        assert!(!listed("https://app.example").await.expect("origin"));
        store
            .set_app_disabled("app_b", false)
            .await
            .expect("enable");

        let now = 1_800_000_000;
        store
            .revoke_token("app_a", "j1", now + 60, now)
            .await
            .expect("revoke");
        store
            .revoke_token("app_a", "j1", now + 30, now)
            .await
            .expect("again");
        assert!(store.is_revoked("app_a", "j1").await.expect("check"));
        assert!(!store.is_revoked("app_b", "j1").await.expect("check"));
        // Past its expiry the row is dropped at the next revocation.
        store
            .revoke_token("app_a", "j2", now + 600, now + 61)
            .await
            .expect("revoke");
        assert!(!store.is_revoked("app_a", "j1").await.expect("check"));
        assert!(store.is_revoked("app_a", "j2").await.expect("check"));
        let kept = store.revocations(now + 61).await.expect("list");
        assert_eq!(kept, vec![("app_a".into(), "j2".into(), now + 600)]);
    }
}
