//! The real binary: `breakroom serve` as a child process, its log, signals to it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use breakroom::auth::{TokenKeys, TokenRole, TokenSpec};
use breakroom::tls::TlsFiles;

use crate::common::SECRET;
use crate::pki::BOUND;

pub(crate) fn token(user: &str) -> String {
    let spec = TokenSpec {
        user: user.into(),
        name: format!("{user} Secretname"),
        email: None,
        room: None,
        role: TokenRole::Participant,
        grants: None,
    };
    TokenKeys::new("test-key", SECRET)
        .mint(spec, Duration::from_secs(600))
        .unwrap()
}

/// A running `breakroom serve`, killed when dropped.
pub(crate) struct Process {
    /// `None` once stopped.
    pub(crate) child: Option<std::process::Child>,
    /// `http` or `https`, from the listening line.
    pub(crate) scheme: String,
    pub(crate) addr: String,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub(crate) fn serve_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_breakroom"));
    cmd.arg("serve")
        .args(args)
        .env("BREAKROOM_DATA_DIR", dir)
        .env("BREAKROOM_API_KEY", "test-key")
        .env("BREAKROOM_API_SECRET", SECRET)
        .env("BREAKROOM_LOG", "info")
        .env_remove("BREAKROOM_LISTEN")
        .env_remove("BREAKROOM_BEHIND_PROXY");
    cmd
}

/// Starts the binary and waits (bounded) for its "listening" line.
pub(crate) async fn spawn(args: &[&str]) -> Process {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let mut child = serve_command(dir.path(), args)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::time::timeout(
        BOUND,
        tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).unwrap();
            line
        }),
    )
    .await
    .expect("the server did not start in time")
    .unwrap();
    assert!(
        line.starts_with("breakroom listening on "),
        "no listening line: {line:?}; log: {}",
        std::fs::read_to_string(&log).unwrap()
    );
    let (scheme, addr) = line.trim()["breakroom listening on ".len()..]
        .split_once("://")
        .unwrap();
    let (scheme, addr) = (scheme.to_owned(), addr.to_owned());
    Process {
        child: Some(child),
        scheme,
        addr,
        log,
        _dir: dir,
    }
}

impl Process {
    pub(crate) fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }

    /// Waits (bounded) until the log holds `needle` `times` times.
    pub(crate) async fn until_logged(&self, needle: &str, times: usize) {
        let deadline = tokio::time::Instant::now() + BOUND;
        while self.logs().matches(needle).count() < times {
            assert!(
                tokio::time::Instant::now() < deadline,
                "`{needle}` not logged {times} times within {BOUND:?}: {}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub(crate) fn signal(&self, name: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        let status = Command::new("kill").args([name, &pid]).status().unwrap();
        assert!(status.success());
    }

    pub(crate) fn hangup(&self) {
        self.signal("-HUP");
    }

    /// The same process still runs (its pid is the one the signals went to).
    pub(crate) fn still_running(&mut self) {
        let exited = self.child.as_mut().unwrap().try_wait().unwrap();
        assert!(exited.is_none(), "the server exited: {}", self.logs());
    }

    /// Stops the server with SIGTERM and returns its log.
    pub(crate) async fn stop(mut self) -> String {
        self.signal("-TERM");
        let mut child = self.child.take().unwrap();
        let exit = tokio::time::timeout(
            BOUND,
            tokio::task::spawn_blocking(move || child.wait().unwrap()),
        )
        .await
        .expect("the server did not stop in time")
        .unwrap();
        assert!(exit.success(), "{exit:?}");
        self.logs()
    }
}

pub(crate) fn tls_args(files: &TlsFiles) -> Vec<String> {
    vec![
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--tls-cert".into(),
        files.cert.display().to_string(),
        "--tls-key".into(),
        files.key.display().to_string(),
    ]
}

pub(crate) fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
