//! The `breakroom` command: `token` mints tokens the server accepts, `serve --help` documents
//! every setting, and settings layer as flags over `BREAKROOM_*` variables over the `--config`
//! file over defaults. The binary is run for real; the layering is also checked on the library.
#![allow(missing_docs, clippy::unwrap_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use breakroom::auth::{Grants, TokenKeys, TokenRole, TokenSpec};
use breakroom::config::{Config, Settings};

const SECRET: &str = "a-cli-test-secret-of-more-than-32-bytes";

/// The binary, with no `BREAKROOM_*` variable inherited from the environment of the tests.
fn breakroom() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_breakroom"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("BREAKROOM_") {
            cmd.env_remove(name);
        }
    }
    cmd
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn token_prints_a_jwt_that_the_api_key_verifies() {
    let out = run(breakroom().args([
        "token",
        "--user",
        "u1",
        "--name",
        "Ada",
        "--role",
        "facilitator",
        "--room",
        "ABCD-EFGH",
        "--api-key",
        "k",
        "--api-secret",
        SECRET,
    ]));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.trim();
    assert_eq!(token.lines().count(), 1, "{stdout}");
    let claims = TokenKeys::new("k", SECRET).verify(token).unwrap();
    assert_eq!(claims.iss, "k");
    assert_eq!(claims.sub, "u1");
    assert_eq!(claims.name, "Ada");
    assert_eq!(claims.role, TokenRole::Facilitator);
    assert_eq!(claims.grants, Grants::for_role(TokenRole::Facilitator));
    assert_eq!(claims.room.as_deref(), Some("ABCD-EFGH"));
    assert_eq!(claims.exp - claims.iat, 3600);

    // Another secret, or another key, does not accept it.
    let other = "another-secret-of-more-than-32-bytes!!";
    assert!(TokenKeys::new("k", other).verify(token).is_err());
    assert!(TokenKeys::new("k2", SECRET).verify(token).is_err());

    // The role defaults to participant; the lifetime is a flag.
    let out = run(breakroom().args([
        "token",
        "--user",
        "u2",
        "--name",
        "Linus",
        "--ttl",
        "60",
        "--api-key",
        "k",
        "--api-secret",
        SECRET,
    ]));
    let token = String::from_utf8(out.stdout).unwrap();
    let claims = TokenKeys::new("k", SECRET).verify(token.trim()).unwrap();
    assert_eq!((claims.role, claims.room), (TokenRole::Participant, None));
    assert!(!claims.grants.control);
    assert_eq!(claims.exp - claims.iat, 60);
}

#[test]
fn token_refuses_a_ttl_the_server_would_refuse() {
    let mint = |ttl: u64, max: Option<&str>| {
        let mut cmd = breakroom();
        cmd.args(["token", "--user", "u1", "--name", "Ada", "--ttl"])
            .arg(ttl.to_string())
            .args(["--api-key", "k", "--api-secret", SECRET]);
        if let Some(max) = max {
            cmd.env("BREAKROOM_MAX_TOKEN_LIFETIME_S", max);
        }
        cmd.output().unwrap()
    };
    let default_max = breakroom::auth::DEFAULT_MAX_LIFETIME_S;
    // Over the server's default maximum: refused with the reason, and no token printed.
    let out = mint(default_max + 1, None);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("longest token lifetime") && stderr.contains(&default_max.to_string()),
        "{stderr}"
    );
    // At the maximum: minted, and a server with the default maximum accepts it.
    let out = mint(default_max, None);
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8(out.stdout).unwrap();
    assert!(TokenKeys::new("k", SECRET).verify(token.trim()).is_ok());
    // The server's setting, read from the same variable, moves the limit both ways.
    assert!(!mint(120, Some("60")).status.success());
    let out = mint(default_max + 60, Some(&(default_max + 60).to_string()));
    assert!(out.status.success(), "{out:?}");
    let token = String::from_utf8(out.stdout).unwrap();
    let longer = TokenKeys::new("k", SECRET)
        .with_max_lifetime(Duration::from_secs(default_max + 60))
        .verify(token.trim())
        .unwrap();
    assert_eq!(longer.exp - longer.iat, default_max + 60);
}

/// Every setting of `breakroom serve`, as a flag; its variable is `BREAKROOM_` and the flag in
/// upper case with underscores, and its TOML key the flag with underscores.
const FLAGS: &[&str] = &[
    "listen",
    "data-dir",
    "database-url",
    "public-url",
    "api-key",
    "api-secret",
    "allowed-origins",
    "max-connections",
    "max-connections-per-user",
    "pose-hz",
    "score-hz",
    "control-hz",
    "outbox-messages",
    "send-buffer-bytes",
    "hello-timeout-ms",
    "cue-lead-ms",
    "tick-hz",
    "grace-s",
    "idle-close-s",
    "token-ttl-s",
    "shutdown-timeout-s",
    "log-format",
    "web-dir",
    "dev",
    "config",
];

#[test]
fn serve_help_lists_every_setting_with_its_variable() {
    let out = run(breakroom().args(["serve", "--help"]));
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in FLAGS {
        assert!(
            help.contains(&format!("--{flag}")),
            "no --{flag} in:\n{help}"
        );
        let var = format!("BREAKROOM_{}", flag.to_uppercase().replace('-', "_"));
        assert!(help.contains(&var), "no {var} in:\n{help}");
    }
}

/// A TOML file in `dir`.
fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn token(key: &str, secret: &str) -> String {
    let spec = TokenSpec {
        user: "host".into(),
        name: "Host".into(),
        email: None,
        room: None,
        role: TokenRole::Facilitator,
        grants: None,
    };
    TokenKeys::new(key, secret)
        .mint(spec, Duration::from_secs(600))
        .unwrap()
}

/// Sends SIGTERM and waits (at most 30 s) for the process to end.
async fn terminate(mut child: Child) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let wait = tokio::task::spawn_blocking(move || child.wait().unwrap());
    match tokio::time::timeout(Duration::from_secs(30), wait).await {
        Ok(status) => status.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("breakroom did not stop within 30 s of SIGTERM");
        }
    }
}

#[tokio::test]
async fn serve_takes_flags_over_variables_over_the_file_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let from_file = dir.path().join("from-file");
    let from_env = dir.path().join("from-env");
    let file_secret = "the-file-secret-of-more-than-32-bytes";
    let env_secret = "the-env-secret-of-more-than-32-bytes!";
    let config = write(
        dir.path(),
        "breakroom.toml",
        &format!(
            "listen = \"127.0.0.1:0\"\napi_key = \"file-key\"\napi_secret = \"{file_secret}\"\n\
             data_dir = \"{}\"\ncue_lead_ms = 123\n",
            from_file.display()
        ),
    );
    let stderr = std::fs::File::create(dir.path().join("stderr.log")).unwrap();
    let mut child = breakroom()
        .arg("serve")
        .arg("--config")
        .arg(&config)
        .args(["--api-key", "flag-key", "--api-secret", SECRET])
        .env("BREAKROOM_CUE_LEAD_MS", "456")
        .env("BREAKROOM_DATA_DIR", &from_env)
        .env("BREAKROOM_API_KEY", "env-key")
        .env("BREAKROOM_API_SECRET", env_secret)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let log = || std::fs::read_to_string(dir.path().join("stderr.log")).unwrap();
    let addr = line
        .trim()
        .strip_prefix("breakroom listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}; stderr:\n{}", log()))
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    assert!(!addr.ends_with(":0"), "{addr}");

    let http = reqwest::Client::new();
    let health = http
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);

    // The variable's data folder beats the file's.
    assert!(from_env.join("breakroom.db").exists(), "{}", log());
    assert!(!from_file.join("breakroom.db").exists());

    // The flags' key beats the variables' and the file's.
    let body = serde_json::json!({ "program": common::program(&[("squats", 30_000, 0)]) });
    for (key, secret, status) in [
        ("flag-key", SECRET, 201),
        ("env-key", env_secret, 401),
        ("file-key", file_secret, 401),
    ] {
        let resp = http
            .post(format!("http://{addr}/v1/rooms"))
            .bearer_auth(token(key, secret))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "token of {key}");
    }
    drop(http);

    let status = terminate(child).await;
    assert!(status.success(), "exit {status:?}; stderr:\n{}", log());
}

#[test]
fn an_unknown_key_in_the_config_file_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "typo.toml",
        "listen = \"127.0.0.1:0\"\ncue_led_ms = 5\n",
    );

    let err = Settings::from_file(&path).unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(message.contains("cue_led_ms"), "{message}");

    let out = breakroom()
        .arg("serve")
        .arg("--config")
        .arg(&path)
        .args(["--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("cue_led_ms"), "{stderr}");

    // A missing file is named too.
    let missing = dir.path().join("missing.toml");
    let message = format!("{:#}", Settings::from_file(&missing).unwrap_err());
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
}

#[test]
fn every_setting_is_a_key_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "full.toml",
        r#"
listen = "127.0.0.1:9999"
data_dir = "/tmp/br"
database_url = "sqlite::memory:"
public_url = "https://breakroom.example"
api_key = "k"
api_secret = "s"
allowed_origins = ["https://app.example"]
max_connections = 1
max_connections_per_user = 2
pose_hz = 3
score_hz = 4
control_hz = 5
outbox_messages = 6
send_buffer_bytes = 65536
hello_timeout_ms = 7
cue_lead_ms = 8
tick_hz = 9
grace_s = 10
idle_close_s = 11
token_ttl_s = 12
max_token_lifetime_s = 14
shutdown_timeout_s = 13
log_format = "json"
web_dir = "/srv/breakroom/web"
workers = 2
tls_cert = "/etc/breakroom/cert.pem"
tls_key = "/etc/breakroom/key.pem"
hsts_max_age_s = 15
behind_proxy = true
session_idle_s = 16
session_max_s = 17

[oidc]
key_refetch_min_s = 18
discovery_retry_s = 19

[[oidc.providers]]
id = "microsoft"
name = "Contoso Microsoft"
issuer = "https://login.microsoftonline.com/organizations/v2.0"
client_id = "c"
client_secret = { file = "/etc/breakroom/entra-secret" }
redirect_uri = "https://breakroom.example/auth/callback/microsoft"
preset = { kind = "entra", allowed_tenants = ["t1"] }
"#,
    );
    let full = Settings::from_file(&path).unwrap();
    let shown = format!("{full:?}");
    assert!(!shown.contains("None"), "a setting has no key: {shown}");

    // Layering keeps every field: an empty layer above or below changes nothing.
    assert_eq!(format!("{:?}", Settings::default().or(full.clone())), shown);
    assert_eq!(format!("{:?}", full.or(Settings::default())), shown);
}

#[test]
fn flags_beat_variables_beat_the_file_beat_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "layers.toml",
        &format!(
            "listen = \"127.0.0.1:0\"\napi_key = \"file-key\"\napi_secret = \"{SECRET}\"\n\
             data_dir = \"{}\"\ncue_lead_ms = 123\ngrace_s = 7\ntick_hz = 20\n\
             allowed_origins = [\"https://file.example\"]\n",
            dir.path().display()
        ),
    );
    let file = Settings::from_file(&path).unwrap();
    let env = Settings {
        cue_lead_ms: Some(456),
        grace_s: Some(8),
        ..Settings::default()
    };
    let flags = Settings {
        cue_lead_ms: Some(789),
        ..Settings::default()
    };
    let config = Config::resolve(flags.or(env.clone()).or(file.clone()), false).unwrap();
    assert_eq!(config.cue_lead, Duration::from_millis(789), "flag over env");
    assert_eq!(config.grace, Duration::from_secs(8), "env over file");
    assert_eq!(config.tick_hz, 20, "file over default");
    assert_eq!(config.api_key, "file-key");
    assert_eq!(config.allowed_origins, ["https://file.example"]);
    assert_eq!(config.listen.to_string(), "127.0.0.1:0");
    assert_eq!(config.idle_close, Duration::from_secs(300), "default");
    assert_eq!(config.max_connections_per_user, 4, "default");
    assert!(!config.dev);

    let config = Config::resolve(env.or(file), true).unwrap();
    assert_eq!(config.cue_lead, Duration::from_millis(456), "env over file");
    assert!(config.dev);
}

#[test]
fn unusable_settings_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let base = common::settings(dir.path());
    // (settings, words of the error)
    let cases = [
        (
            Settings {
                api_secret: Some("short".into()),
                ..base.clone()
            },
            "at least 32 bytes",
        ),
        (
            Settings {
                api_secret: None,
                ..base.clone()
            },
            "BREAKROOM_API_SECRET",
        ),
        (
            Settings {
                log_format: Some("xml".into()),
                ..base.clone()
            },
            "`xml`",
        ),
    ];
    for (settings, why) in cases {
        let err = format!("{:#}", Config::resolve(settings, false).unwrap_err());
        assert!(err.contains(why), "{err}");
    }
}

#[test]
fn detect_counts_the_real_squats_of_a_fixture() {
    // Generated from the recording beside the checkout, as `gen-fixtures` writes it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("squats_real_5hz.json");
    let generated = breakroom_pose_data::fixture("squats_real_5hz");
    std::fs::write(
        &path,
        breakroom_pose_data::fixture::write_fixture(&generated),
    )
    .unwrap();
    let fixture = path.to_str().unwrap();
    let out = stdout(run(breakroom().args(["detect", fixture, "--json"])));
    let outcomes: serde_json::Value = serde_json::from_str(&out).unwrap();
    let reps = |id: &str| {
        outcomes
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["exercise"] == id)
            .unwrap()["reps"]
            .clone()
    };
    assert_eq!(reps("squats"), 2);
    assert_eq!(reps("jumping_jacks"), 0);
    let phases = outcomes[0]["phases"].as_array().unwrap();
    assert!(phases.len() >= 4, "phase changes over time: {phases:?}");

    // The table for people names every exercise, and only the asked ones with --exercise.
    let table = stdout(run(breakroom().args(["detect", fixture])));
    assert!(
        table.contains("squats") && table.contains("neck_stretch"),
        "{table}"
    );
    let one = stdout(run(breakroom().args([
        "detect",
        fixture,
        "--exercise",
        "squats",
    ])));
    assert!(
        one.contains("squats") && !one.contains("neck_stretch"),
        "{one}"
    );
}

fn stdout(out: Output) -> String {
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn dev_mode_names_the_file_that_keeps_the_secret_and_never_prints_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let stderr_path = dir.path().join("stderr.log");
    let stderr = std::fs::File::create(&stderr_path).unwrap();
    let mut child = breakroom()
        .args(["serve", "--dev", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    let log = || std::fs::read_to_string(&stderr_path).unwrap();
    assert!(
        first.starts_with("breakroom listening on http://127.0.0.1:"),
        "unexpected first line {first:?}; stderr:\n{}",
        log()
    );

    // The generated key is in the data folder, readable by the owner only.
    let key_file = data.join(breakroom::auth::KEY_FILE);
    let kept: breakroom::auth::ApiKey =
        serde_json::from_str(&std::fs::read_to_string(&key_file).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", key_file.display());
    }

    let status = terminate(child).await;
    assert!(status.success(), "exit {status:?}; stderr:\n{}", log());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    let printed = format!("{first}{rest}{}", log());

    // The banner names the key and the file, never the secret.
    assert!(printed.contains("DEVELOPMENT MODE"), "{printed}");
    assert!(printed.contains(&kept.key), "{printed}");
    assert!(
        printed.contains(&key_file.display().to_string()),
        "the banner does not say where the secret is:\n{printed}"
    );
    assert!(
        !printed.contains(&kept.secret),
        "the API secret was printed:\n{printed}"
    );
}
