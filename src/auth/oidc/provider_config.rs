//! What breakroom knows about one OpenID Provider: its issuer, breakroom's client there, where
//! the client secret comes from, and the rules of its preset (Entra, Google, Apple, or a generic
//! provider).

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

use super::SignInError;

/// One configured provider.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderConfig {
    /// Short name, used in the callback path and in [`super::Identity::provider`]
    /// (`microsoft`, `google`, `apple`, ...).
    pub id: String,
    /// The issuer, exactly as the provider's discovery document spells it (no trailing slash
    /// added or removed). For Entra multi-tenant: `https://login.microsoftonline.com/common/v2.0`
    /// (or `organizations`).
    pub issuer: String,
    /// breakroom's client id at the provider.
    pub client_id: String,
    /// Where the client secret comes from. Never written in the config file itself.
    pub client_secret: SecretSource,
    /// The callback URL registered at the provider: `{public origin}/auth/callback/{id}`. In
    /// the config file it may be left out: the server then uses its public URL.
    #[serde(default)]
    pub redirect_uri: String,
    /// The name on the sign-in button [default: Microsoft, Google or Apple by the preset, else
    /// the id].
    #[serde(default)]
    pub name: Option<String>,
    /// Scopes asked for besides `openid`.
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The provider's own rules.
    #[serde(default)]
    pub preset: Preset,
}

fn default_scopes() -> Vec<String> {
    vec!["profile".into(), "email".into()]
}

/// The rules that differ between providers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Preset {
    /// Any OpenID Provider: the subject is `sub`, the email is kept when `email_verified` is true.
    #[default]
    Generic,
    /// Microsoft Entra ID. With the `common` or `organizations` endpoint, the discovery document
    /// publishes the issuer template `…/{tenantid}/v2.0`; each token's `iss` must be that template
    /// with the token's `tid` filled in. Users are keyed on `tid` + `oid` (`oid` needs the
    /// `profile` scope), never on the email.
    Entra {
        /// When set, only these tenant ids may sign in.
        #[serde(default)]
        allowed_tenants: Option<Vec<String>>,
    },
    /// Google. `email_verified` must be true for the email to be kept.
    Google {
        /// When set, only accounts of this Google Workspace domain (the `hd` claim) may sign in.
        #[serde(default)]
        hosted_domain: Option<String>,
    },
    /// Sign in with Apple: `response_mode=form_post` (the callback is a cross-site POST),
    /// `email_verified` may be the string `"true"`, and the name arrives only on the first
    /// authorization, in the callback's `user` form field.
    Apple,
}

impl ProviderConfig {
    /// Microsoft Entra ID, multi-tenant (`tenant` is `common` or `organizations`) or one tenant
    /// (its id).
    pub fn entra(
        tenant: &str,
        client_id: &str,
        client_secret: SecretSource,
        redirect_uri: &str,
    ) -> Self {
        ProviderConfig {
            id: "microsoft".into(),
            issuer: format!("https://login.microsoftonline.com/{tenant}/v2.0"),
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            name: None,
            scopes: default_scopes(),
            preset: Preset::Entra {
                allowed_tenants: None,
            },
        }
    }

    /// Google.
    pub fn google(client_id: &str, client_secret: SecretSource, redirect_uri: &str) -> Self {
        ProviderConfig {
            id: "google".into(),
            issuer: "https://accounts.google.com".into(),
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            name: None,
            scopes: default_scopes(),
            preset: Preset::Google {
                hosted_domain: None,
            },
        }
    }

    /// Sign in with Apple (`client_id` is the Services ID).
    pub fn apple(client_id: &str, client_secret: SecretSource, redirect_uri: &str) -> Self {
        ProviderConfig {
            id: "apple".into(),
            issuer: "https://appleid.apple.com".into(),
            client_id: client_id.into(),
            client_secret,
            redirect_uri: redirect_uri.into(),
            name: None,
            scopes: vec!["name".into(), "email".into()],
            preset: Preset::Apple,
        }
    }

    /// The name on the sign-in button.
    pub fn display_name(&self) -> String {
        if let Some(name) = &self.name {
            return name.clone();
        }
        match self.preset {
            Preset::Entra { .. } => "Microsoft".into(),
            Preset::Google { .. } => "Google".into(),
            Preset::Apple => "Apple".into(),
            Preset::Generic => self.id.clone(),
        }
    }

    /// The preset's kind, as `GET /auth/providers` names it: `entra`, `google`, `apple` or
    /// `generic`.
    pub fn kind(&self) -> &'static str {
        match self.preset {
            Preset::Entra { .. } => "entra",
            Preset::Google { .. } => "google",
            Preset::Apple => "apple",
            Preset::Generic => "generic",
        }
    }

    /// `form_post` for Apple, the default (`query`) otherwise.
    pub fn response_mode(&self) -> Option<&'static str> {
        (self.preset == Preset::Apple).then_some("form_post")
    }
}

/// Where a client secret is read from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretSource {
    /// An environment variable's name.
    Env(String),
    /// A file holding the secret (surrounding whitespace trimmed).
    File(PathBuf),
    /// Sign in with Apple: breakroom signs the secret (an ES256 JWT) with the `.p8` key from
    /// Apple's developer account, and renews it before it expires.
    AppleKey {
        /// The Apple developer team id (the JWT's `iss`).
        team_id: String,
        /// The key's id (the JWT header's `kid`).
        key_id: String,
        /// The `.p8` file.
        key_file: PathBuf,
    },
    /// The secret itself. Only for tests: a config file should name an env var or a file.
    #[serde(skip)]
    Value(String),
}

impl SecretSource {
    /// Reads the secret. The error names the source, never the value.
    pub fn load(&self) -> Result<Secret, SignInError> {
        let value = match self {
            SecretSource::Env(name) => std::env::var(name).map_err(|_| {
                SignInError::Secret(format!("environment variable {name} is not set"))
            })?,
            SecretSource::File(path) => std::fs::read_to_string(path)
                .map_err(|e| SignInError::Secret(format!("{}: {e}", path.display())))?
                .trim()
                .to_owned(),
            SecretSource::Value(v) => v.clone(),
            SecretSource::AppleKey { .. } => {
                return Err(SignInError::Secret(
                    "an Apple key signs secrets, it is not one".into(),
                ));
            }
        };
        if value.is_empty() {
            return Err(SignInError::Secret("the client secret is empty".into()));
        }
        Ok(Secret(value))
    }
}

/// A secret whose `Debug` does not show it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value, to hand to the provider.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_come_from_a_file_trimmed_and_never_show_in_debug() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("secret");
        std::fs::write(&path, "  hunter2\n").expect("write");
        let secret = SecretSource::File(path).load().expect("load");
        assert_eq!(secret.expose(), "hunter2");
        assert!(!format!("{secret:?}").contains("hunter2"));
    }

    #[test]
    fn a_missing_env_var_is_named_in_the_error() {
        let err = SecretSource::Env("BREAKROOM_TEST_NO_SUCH_VAR".into())
            .load()
            .expect_err("unset");
        assert!(
            err.to_string().contains("BREAKROOM_TEST_NO_SUCH_VAR"),
            "{err}"
        );
    }

    #[test]
    fn a_config_file_entry_reads_with_its_preset() {
        let config: ProviderConfig = toml::from_str(
            r#"
            id = "google"
            issuer = "https://accounts.google.com"
            client_id = "abc"
            client_secret = { env = "GOOGLE_SECRET" }
            redirect_uri = "https://breakroom.example/auth/callback/google"
            preset = { kind = "google", hosted_domain = "example.com" }
            "#,
        )
        .expect("parses");
        assert_eq!(
            config.client_secret,
            SecretSource::Env("GOOGLE_SECRET".into())
        );
        assert_eq!(
            config.preset,
            Preset::Google {
                hosted_domain: Some("example.com".into())
            }
        );
        assert_eq!(config.scopes, ["profile", "email"]);
        assert_eq!(config.response_mode(), None);
        assert_eq!(
            ProviderConfig::apple("id", SecretSource::Value("x".into()), "u").response_mode(),
            Some("form_post")
        );
    }
}
