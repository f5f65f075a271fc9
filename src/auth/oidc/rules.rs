//! From a verified ID token's claims to an [`Identity`], by each provider's rules: the Entra
//! issuer template and tenant allowlist, Google's hosted domain, when an email is kept, and
//! Apple's first-authorization `user` field. Pure functions over hand-made claims in the tests.

use openidconnect::AdditionalClaims;
use serde::{Deserialize, Serialize};

use super::provider_config::Preset;
use super::{Identity, SignInError};

/// How a token's `iss` is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum IssuerRule {
    /// Equal to the discovered issuer, byte for byte.
    Exact(String),
    /// Entra multi-tenant: the template `…/{tenantid}/v2.0` with the token's `tid` filled in.
    TenantTemplate(String),
}

/// The placeholder in Entra's multi-tenant issuer.
pub(crate) const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// The claims breakroom reads beyond the standard ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraClaims {
    /// Entra: the tenant id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    /// Entra: the user's object id, stable across applications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
    /// Google: the Workspace (hosted) domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hd: Option<String>,
    /// Entra optional claim: the email's domain owner is verified (`true` or `"true"` or `1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xms_edov: Option<serde_json::Value>,
}

impl AdditionalClaims for ExtraClaims {}

/// What the rules look at: the few claims read from a verified token.
#[derive(Debug, Clone, Default)]
pub(crate) struct Facts {
    pub(crate) iss: String,
    pub(crate) sub: String,
    pub(crate) name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) email_verified: Option<bool>,
    pub(crate) locale: Option<String>,
    pub(crate) extra: ExtraClaims,
}

/// Checks `iss` against the rule. Entra's template needs the token's `tid`.
pub(crate) fn check_issuer(rule: &IssuerRule, facts: &Facts) -> Result<(), SignInError> {
    let expected = match rule {
        IssuerRule::Exact(issuer) => issuer.clone(),
        IssuerRule::TenantTemplate(template) => {
            let tid = facts
                .extra
                .tid
                .as_deref()
                .ok_or(SignInError::MissingClaim("tid"))?;
            if tid.is_empty() || !tid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                return Err(SignInError::WrongIssuer);
            }
            template.replace(TENANT_PLACEHOLDER, tid)
        }
    };
    if facts.iss == expected {
        Ok(())
    } else {
        Err(SignInError::WrongIssuer)
    }
}

/// The identity a verified token gives, or why it is refused.
pub(crate) fn identity(
    provider: &str,
    preset: &Preset,
    facts: Facts,
    apple_user: Option<&str>,
) -> Result<Identity, SignInError> {
    let verified = facts.email_verified == Some(true);
    let mut org_key = None;
    let (subject, email_kept, name) = match preset {
        Preset::Generic => (facts.sub.clone(), verified, facts.name.clone()),
        Preset::Entra { allowed_tenants } => {
            let tid = facts
                .extra
                .tid
                .as_deref()
                .ok_or(SignInError::MissingClaim("tid"))?;
            let oid = facts
                .extra
                .oid
                .as_deref()
                .ok_or(SignInError::MissingClaim("oid"))?;
            if let Some(allowed) = allowed_tenants
                && !allowed.iter().any(|t| t.eq_ignore_ascii_case(tid))
            {
                return Err(SignInError::TenantNotAllowed);
            }
            let edov = matches!(&facts.extra.xms_edov, Some(serde_json::Value::Bool(true)))
                || facts.extra.xms_edov.as_ref().and_then(|v| v.as_str()) == Some("true")
                || facts.extra.xms_edov.as_ref().and_then(|v| v.as_i64()) == Some(1);
            org_key = Some(format!("entra:{}", tid.to_ascii_lowercase()));
            (format!("{tid}:{oid}"), verified || edov, facts.name.clone())
        }
        Preset::Google { hosted_domain } => {
            if let Some(domain) = hosted_domain
                && facts.extra.hd.as_deref() != Some(domain.as_str())
            {
                return Err(SignInError::HostedDomainNotAllowed);
            }
            org_key = facts
                .extra
                .hd
                .as_deref()
                .filter(|hd| !hd.is_empty())
                .map(|hd| format!("google:{}", hd.to_ascii_lowercase()));
            (facts.sub.clone(), verified, facts.name.clone())
        }
        Preset::Apple => (
            facts.sub.clone(),
            verified,
            facts
                .name
                .clone()
                .or_else(|| apple_user.and_then(apple_name)),
        ),
    };
    Ok(Identity {
        provider: provider.to_owned(),
        subject,
        name: name.filter(|n| !n.trim().is_empty()),
        email: if email_kept { facts.email } else { None },
        language: facts.locale,
        org_key,
    })
}

/// The name in Apple's `user` form field (`{"name":{"firstName":…,"lastName":…},"email":…}`),
/// sent on the first authorization only.
fn apple_name(user: &str) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Name {
        first_name: Option<String>,
        last_name: Option<String>,
    }
    #[derive(Deserialize)]
    struct User {
        name: Option<Name>,
    }
    let name = serde_json::from_str::<User>(user).ok()?.name?;
    let full = [name.first_name, name.last_name]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    (!full.trim().is_empty()).then_some(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::oidc::verify::facts_from_claims;

    const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
    const TENANT_A: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
    const TENANT_B: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    fn entra_facts(iss_tenant: &str, tid: &str) -> Facts {
        Facts {
            iss: format!("https://login.microsoftonline.com/{iss_tenant}/v2.0"),
            sub: "per-app-sub".into(),
            name: Some("Ada Lovelace".into()),
            email: Some("ada@a.example".into()),
            extra: ExtraClaims {
                tid: Some(tid.into()),
                oid: Some("oid-1".into()),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn entra_issuer_is_the_template_with_the_tokens_own_tenant() {
        let rule = IssuerRule::TenantTemplate(TEMPLATE.into());
        assert!(check_issuer(&rule, &entra_facts(TENANT_A, TENANT_A)).is_ok());
        assert!(check_issuer(&rule, &entra_facts(TENANT_B, TENANT_B)).is_ok());
        // A token from tenant B claiming tenant A's id (or the reverse) is refused.
        assert!(matches!(
            check_issuer(&rule, &entra_facts(TENANT_B, TENANT_A)),
            Err(SignInError::WrongIssuer)
        ));
        // The literal template is no tenant.
        assert!(matches!(
            check_issuer(&rule, &entra_facts("{tenantid}", "{tenantid}")),
            Err(SignInError::WrongIssuer)
        ));
        let mut no_tid = entra_facts(TENANT_A, TENANT_A);
        no_tid.extra.tid = None;
        assert!(matches!(
            check_issuer(&rule, &no_tid),
            Err(SignInError::MissingClaim("tid"))
        ));
        // Exact issuers: no trailing-slash or host leniency.
        let exact = IssuerRule::Exact("http://127.0.0.1:4000".into());
        let mut facts = Facts {
            iss: "http://127.0.0.1:4000".into(),
            ..Default::default()
        };
        assert!(check_issuer(&exact, &facts).is_ok());
        facts.iss = "http://127.0.0.1:4000/".into();
        assert!(matches!(
            check_issuer(&exact, &facts),
            Err(SignInError::WrongIssuer)
        ));
    }

    #[test]
    fn entra_users_are_keyed_on_tenant_and_object_id_and_the_allowlist_holds() {
        let open = Preset::Entra {
            allowed_tenants: None,
        };
        let id =
            identity("microsoft", &open, entra_facts(TENANT_A, TENANT_A), None).expect("accepted");
        assert_eq!(id.subject, format!("{TENANT_A}:oid-1"));
        assert_eq!(id.org_key, Some(format!("entra:{TENANT_A}")));
        // No email_verified and no xms_edov: the email is not kept.
        assert_eq!(id.email, None);
        let mut edov = entra_facts(TENANT_A, TENANT_A);
        edov.extra.xms_edov = Some(serde_json::json!(true));
        assert_eq!(
            identity("microsoft", &open, edov, None)
                .expect("ok")
                .email
                .as_deref(),
            Some("ada@a.example")
        );

        let only_a = Preset::Entra {
            allowed_tenants: Some(vec![TENANT_A.into()]),
        };
        assert!(identity("microsoft", &only_a, entra_facts(TENANT_A, TENANT_A), None).is_ok());
        assert!(matches!(
            identity("microsoft", &only_a, entra_facts(TENANT_B, TENANT_B), None),
            Err(SignInError::TenantNotAllowed)
        ));
        let mut no_oid = entra_facts(TENANT_A, TENANT_A);
        no_oid.extra.oid = None;
        assert!(matches!(
            identity("microsoft", &open, no_oid, None),
            Err(SignInError::MissingClaim("oid"))
        ));
    }

    fn google_facts(hd: Option<&str>, email_verified: Option<bool>) -> Facts {
        Facts {
            iss: "https://accounts.google.com".into(),
            sub: "1234567890".into(),
            email: Some("grace@example.com".into()),
            email_verified,
            locale: Some("de".into()),
            extra: ExtraClaims {
                hd: hd.map(Into::into),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn google_keeps_the_email_only_when_verified_and_holds_the_hosted_domain() {
        let any = Preset::Google {
            hosted_domain: None,
        };
        let id = identity("google", &any, google_facts(None, Some(true)), None).expect("ok");
        assert_eq!(
            (
                id.subject.as_str(),
                id.email.as_deref(),
                id.language.as_deref()
            ),
            ("1234567890", Some("grace@example.com"), Some("de"))
        );
        // A personal account: no organization.
        assert_eq!(id.org_key, None);
        let workspace = identity(
            "google",
            &any,
            google_facts(Some("Example.com"), Some(true)),
            None,
        )
        .expect("ok");
        assert_eq!(workspace.org_key.as_deref(), Some("google:example.com"));
        assert_eq!(
            identity("google", &any, google_facts(None, Some(false)), None)
                .expect("ok")
                .email,
            None
        );
        assert_eq!(
            identity("google", &any, google_facts(None, None), None)
                .expect("ok")
                .email,
            None
        );

        let corp = Preset::Google {
            hosted_domain: Some("example.com".into()),
        };
        assert!(
            identity(
                "google",
                &corp,
                google_facts(Some("example.com"), Some(true)),
                None
            )
            .is_ok()
        );
        for hd in [None, Some("other.com"), Some("example.com.evil")] {
            assert!(
                matches!(
                    identity("google", &corp, google_facts(hd, Some(true)), None),
                    Err(SignInError::HostedDomainNotAllowed)
                ),
                "{hd:?}"
            );
        }
    }

    /// Parses hand-made claims the way a real token's payload is parsed.
    fn parsed(claims: serde_json::Value) -> Facts {
        let claims: openidconnect::IdTokenClaims<
            ExtraClaims,
            openidconnect::core::CoreGenderClaim,
        > = serde_json::from_value(claims).expect("claims parse");
        facts_from_claims(&claims)
    }

    fn apple_claims(email_verified: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "iss": "https://appleid.apple.com", "aud": "com.example.breakroom", "sub": "001234.abcd",
            "exp": 2_000_000_000, "iat": 1_700_000_000,
            "email": "x7@privaterelay.appleid.com", "email_verified": email_verified,
        })
    }

    #[test]
    fn apple_email_verified_may_be_the_string_true_and_the_name_comes_from_the_user_field() {
        let user = r#"{"name":{"firstName":"Tim","lastName":"Apple"},"email":"x7@privaterelay.appleid.com"}"#;
        let id = identity(
            "apple",
            &Preset::Apple,
            parsed(apple_claims("true".into())),
            Some(user),
        )
        .expect("ok");
        assert_eq!(id.email.as_deref(), Some("x7@privaterelay.appleid.com"));
        assert_eq!(id.name.as_deref(), Some("Tim Apple"));
        assert_eq!((id.subject.as_str(), id.org_key), ("001234.abcd", None));
        let id = identity(
            "apple",
            &Preset::Apple,
            parsed(apple_claims(true.into())),
            None,
        )
        .expect("ok");
        assert_eq!((id.email.is_some(), id.name), (true, None));
        let id = identity(
            "apple",
            &Preset::Apple,
            parsed(apple_claims("false".into())),
            Some("not json"),
        )
        .expect("ok");
        assert_eq!((id.email, id.name), (None, None));
    }
}
