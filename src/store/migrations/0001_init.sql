-- Breakroom's embedded store. Numbers only: no keypoint, image or audio is ever written.

CREATE TABLE users (
    id           TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    email        TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    room_code  TEXT NOT NULL,
    program    TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER NOT NULL,
    end_reason TEXT NOT NULL
);
CREATE INDEX sessions_by_room ON sessions (room_code, started_at);

CREATE TABLE session_participants (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    participant INTEGER NOT NULL,
    user_id     TEXT NOT NULL,
    name        TEXT NOT NULL,
    team        TEXT,
    PRIMARY KEY (session_id, participant)
);
CREATE INDEX session_participants_by_user ON session_participants (user_id);

CREATE TABLE results (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    participant INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    exercise    TEXT NOT NULL,
    reps        INTEGER NOT NULL,
    points      INTEGER NOT NULL,
    active_ms   INTEGER NOT NULL,
    PRIMARY KEY (session_id, participant, position)
);

CREATE TABLE flags (
    session_id  TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    participant INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    exercise    TEXT NOT NULL,
    reason      TEXT NOT NULL,
    claimed     INTEGER NOT NULL,
    accepted    INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    PRIMARY KEY (session_id, participant, position)
);
