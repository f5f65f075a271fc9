//! What the store keeps of people, read from the real SQLite file after a session: the names
//! of the participants beside their results, the user id (only) of the room's creator beside
//! the session, which lets them read it, and nothing about anyone else (its host, viewers,
//! people who said hello but never joined), nor any email.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::time::Duration;

use breakroom::auth::{TokenRole, TokenSpec};
use common::{TestServer, raw_connect};
use sqlx::Row;
use sqlx::sqlite::SqliteConnectOptions;

/// A person in the test: their user id, display name and email all appear in their token.
struct Person {
    id: &'static str,
    name: &'static str,
    role: TokenRole,
}

impl Person {
    fn email(&self) -> String {
        format!("{}@mail.example", self.id)
    }

    fn token(&self, srv: &TestServer) -> String {
        let spec = TokenSpec {
            user: self.id.into(),
            name: self.name.into(),
            email: Some(self.email()),
            room: None,
            role: self.role,
            grants: None,
        };
        srv.server
            .hub()
            .keys
            .mint(spec, Duration::from_secs(600))
            .unwrap()
    }
}

const CREATOR: Person = Person {
    id: "u-creator",
    name: "Cressida Creator",
    role: TokenRole::Facilitator,
};
const HOST: Person = Person {
    id: "u-host",
    name: "Horatio Host",
    role: TokenRole::Facilitator,
};
const VIEWER: Person = Person {
    id: "u-viewer",
    name: "Valentina Viewer",
    role: TokenRole::Viewer,
};
const LURKER: Person = Person {
    id: "u-lurker",
    name: "Lucius Neverjoined",
    role: TokenRole::Participant,
};
const ADA: Person = Person {
    id: "u-ada",
    name: "Ada Participant",
    role: TokenRole::Participant,
};
const LINUS: Person = Person {
    id: "u-linus",
    name: "Linus Participant",
    role: TokenRole::Participant,
};

/// Every text cell of every table of the SQLite file, as (table, column, value).
async fn text_cells(db: &std::path::Path) -> Vec<(String, String, String)> {
    let options = SqliteConnectOptions::new().filename(db).read_only(true);
    let mut conn = sqlx::ConnectOptions::connect(&options).await.unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    let mut cells = Vec::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query(&format!("SELECT name FROM pragma_table_info('{table}')"))
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect();
        for column in columns {
            let rows = sqlx::query(&format!(
                "SELECT CAST(\"{column}\" AS BLOB) FROM \"{table}\" WHERE \"{column}\" IS NOT NULL"
            ))
            .fetch_all(&mut conn)
            .await
            .unwrap();
            for row in rows {
                let value = String::from_utf8_lossy(&row.get::<Vec<u8>, _>(0)).into_owned();
                cells.push((table.clone(), column.clone(), value));
            }
        }
    }
    cells
}

#[tokio::test]
async fn the_store_keeps_participants_names_beside_their_results_and_nothing_about_anyone_else() {
    let srv = TestServer::start().await;
    // Someone who says hello and never joins a room.
    let mut lurker = raw_connect(&srv.ws_url()).await;
    lurker.hello(&LURKER.token(&srv)).await;
    let (ended, people) = srv
        .run_session(
            &CREATOR.token(&srv),
            &HOST.token(&srv),
            &[ADA.token(&srv), LINUS.token(&srv)],
            &[VIEWER.token(&srv)],
        )
        .await;
    drop((people, lurker));
    let TestServer { server, dir } = srv;
    server.shutdown().await;

    let db = dir.path().join("breakroom.db");
    let cells = text_cells(&db).await;
    assert!(
        cells
            .iter()
            .any(|(t, _, v)| t == "sessions" && *v == ended.session),
        "the session is not stored: {cells:?}"
    );
    let tables: Vec<&str> = cells.iter().map(|(t, _, _)| t.as_str()).collect();
    assert!(!tables.contains(&"users"), "{cells:?}");

    // The participants' ids and names are there, only beside their results.
    for p in [&ADA, &LINUS] {
        let found: Vec<(&str, &str)> = cells
            .iter()
            .filter(|(_, _, v)| v == p.id || v == p.name)
            .map(|(t, c, _)| (t.as_str(), c.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("session_participants", "user_id"),
                ("session_participants", "name")
            ],
            "{}",
            p.name
        );
    }
    // The creator's user id is there once, beside the session (who may read it); never their
    // name.
    let found: Vec<(&str, &str)> = cells
        .iter()
        .filter(|(_, _, v)| v.contains(CREATOR.id))
        .map(|(t, c, _)| (t.as_str(), c.as_str()))
        .collect();
    assert_eq!(found, [("sessions", "created_by")], "{cells:?}");
    // Nothing of anyone else, and no email of anyone, in any cell.
    for p in [&CREATOR, &HOST, &VIEWER, &LURKER, &ADA, &LINUS] {
        let email = p.email();
        let mut forbidden = vec![email.as_str()];
        if ![ADA.id, LINUS.id].contains(&p.id) {
            forbidden.push(p.name);
        }
        if ![ADA.id, LINUS.id, CREATOR.id].contains(&p.id) {
            forbidden.push(p.id);
        }
        for (table, column, value) in &cells {
            for word in &forbidden {
                assert!(
                    !value.contains(word),
                    "{table}.{column} keeps {word:?}: {value:?}"
                );
            }
        }
    }
    // Nor in the bytes of the file (free pages, the journal), where a deleted row could linger.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        for p in [&HOST, &VIEWER, &LURKER] {
            for word in [p.name, p.id, p.email().as_str()] {
                let found = bytes.windows(word.len()).any(|w| w == word.as_bytes());
                assert!(!found, "{} holds {word:?}", path.display());
            }
        }
        for word in [CREATOR.name, CREATOR.email().as_str()] {
            let found = bytes.windows(word.len()).any(|w| w == word.as_bytes());
            assert!(!found, "{} holds {word:?}", path.display());
        }
    }
}
