//! What both examples need: flags, a token, and the server's REST API.

use std::collections::HashMap;

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// Command-line arguments: positionals and `--flag value` pairs.
pub(crate) struct Args {
    pub(crate) positional: Vec<String>,
    flags: HashMap<String, String>,
}

impl Args {
    pub(crate) fn parse() -> anyhow::Result<Args> {
        let mut args = Args {
            positional: Vec::new(),
            flags: HashMap::new(),
        };
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            if arg == "-h" || arg == "--help" {
                args.flags.insert("help".to_owned(), String::new());
            } else if let Some(name) = arg.strip_prefix("--") {
                let value = it
                    .next()
                    .with_context(|| format!("--{name} needs a value"))?;
                args.flags.insert(name.to_owned(), value);
            } else {
                args.positional.push(arg);
            }
        }
        Ok(args)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.flags.get(name).map(String::as_str)
    }

    pub(crate) fn help(&self) -> bool {
        self.flags.contains_key("help")
    }

    /// The server's HTTP base URL (`--server`, default `http://127.0.0.1:7878`).
    pub(crate) fn server(&self) -> String {
        self.get("server")
            .unwrap_or("http://127.0.0.1:7878")
            .trim_end_matches('/')
            .to_owned()
    }
}

/// `--token`, else `$BREAKROOM_TOKEN`, else a dev token from `POST /v1/dev/token` (dev mode).
pub(crate) async fn token(
    args: &Args,
    http: &reqwest::Client,
    name: &str,
    role: &str,
    room: Option<&str>,
) -> anyhow::Result<String> {
    if let Some(token) = args.get("token") {
        return Ok(token.to_owned());
    }
    if let Ok(token) = std::env::var("BREAKROOM_TOKEN") {
        return Ok(token);
    }
    let mut body = json!({ "name": name, "role": role });
    if let Some(room) = room {
        body["room"] = json!(room);
    }
    let url = format!("{}/v1/dev/token", args.server());
    let reply: Value = post(http, &url, None, &body)
        .await
        .context("getting a dev token")?;
    reply["token"]
        .as_str()
        .map(str::to_owned)
        .context("no `token` in the dev token reply")
}

/// POSTs JSON, optionally with a bearer token, and returns the JSON reply.
pub(crate) async fn post(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
    body: &Value,
) -> anyhow::Result<Value> {
    let mut request = http.post(url).json(body);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let status = response.status();
    if !status.is_success() {
        let text = response.text().await.unwrap_or_default();
        bail!("POST {url}: {status}: {text}");
    }
    Ok(response.json().await?)
}

/// GETs JSON.
#[allow(dead_code)] // Only the facilitator reads the summary back.
pub(crate) async fn get(
    http: &reqwest::Client,
    url: &str,
    bearer: Option<&str>,
) -> anyhow::Result<Value> {
    let mut request = http.get(url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.with_context(|| format!("GET {url}"))?;
    let status = response.status();
    if !status.is_success() {
        bail!("GET {url}: {status}");
    }
    Ok(response.json().await?)
}
