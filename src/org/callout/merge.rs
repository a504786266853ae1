//! `{!$Credential.<ExternalCredential>.<Parameter>}` merge fields in the custom headers of a
//! Named or External Credential: replacing each with the principal's stored value, and saying
//! why one found none — nothing stored for the principal yet, a value stored under another
//! name, or a merge field that names another External Credential.
//!
//! Implementation notes: the org matches both names of a merge field exactly, case included.
//! [U] Salesforce's documentation does not say whether a real org matches the names in
//! `{!$Credential.Ext.Param}` regardless of case (its own examples of the legacy fields write
//! both `{!$Credential.Username}` and `{!$Credential.UserName}`); sflab keeps exact matching,
//! and when a name differs from what the org holds only in case, its error says so.

use super::invoke::CalloutError;

/// The merge-field prefix.
const PREFIX: &str = "{!$Credential.";

/// A merge field as written in a header's value: `{!$Credential.Ext.Param}` (a field with one
/// name only has an empty `external`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeField {
    pub external: String,
    pub parameter: String,
}

impl MergeField {
    fn written(&self) -> String {
        if self.external.is_empty() {
            format!("{PREFIX}{}}}", self.parameter)
        } else {
            format!("{PREFIX}{}.{}}}", self.external, self.parameter)
        }
    }
}

/// Replaces the merge fields of `value` with what `lookup(external, parameter)` finds; the
/// first field it finds nothing for is the error.
pub fn merge_fields(
    value: &str,
    lookup: &dyn Fn(&str, &str) -> Option<String>,
) -> Result<String, MergeField> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(at) = rest.find(PREFIX) {
        out.push_str(&rest[..at]);
        let tail = &rest[at + PREFIX.len()..];
        let Some(end) = tail.find('}') else {
            out.push_str(&rest[at..]);
            return Ok(out);
        };
        let path = &tail[..end];
        let (external, parameter) = path.split_once('.').unwrap_or(("", path));
        match lookup(external, parameter) {
            Some(v) => out.push_str(&v),
            None => {
                return Err(MergeField {
                    external: external.to_string(),
                    parameter: parameter.to_string(),
                })
            }
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Where a custom header is defined: `Named Credential Inventory` or `External Credential
/// Inventory_Auth`, with the file that deploys it.
pub fn defined_in(kind: &str, name: &str) -> String {
    let suffix = match kind {
        "External Credential" => "externalCredential",
        _ => "namedCredential",
    };
    format!("{kind} {name} ({name}.{suffix}-meta.xml)")
}

/// What the org knew when a header's merge field found no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved<'a> {
    pub field: MergeField,
    /// The header's name (`X-Api-Key`).
    pub header: &'a str,
    /// From [`defined_in`].
    pub defined_in: &'a str,
    /// The External Credential the callout draws on, and its principal for this user.
    pub external: &'a str,
    pub principal: &'a str,
    /// The names of the parameters stored for that principal (never their values).
    pub held: Vec<&'a str>,
}

/// Why the merge field found no value, as the error the callout ends with.
pub fn explain(u: &Unresolved) -> CalloutError {
    let merges = format!(
        "header {} of {} merges {}",
        u.header,
        u.defined_in,
        u.field.written()
    );
    let exactly = |a: &str, b: &str| {
        if a.eq_ignore_ascii_case(b) {
            "merge-field names are matched exactly, case included"
        } else {
            "merge-field names are matched exactly"
        }
    };
    if u.field.external != u.external {
        let right = MergeField {
            external: u.external.to_string(),
            parameter: u.field.parameter.clone(),
        };
        return CalloutError::MergeFieldMismatch(format!(
            "{merges}, but the External Credential it draws on is {}: {}. Write {}",
            u.external,
            exactly(&u.field.external, u.external),
            right.written()
        ));
    }
    let asked = u.field.parameter.as_str();
    let holder = format!(
        "principal {} of External Credential {}",
        u.principal, u.external
    );
    if let Some(held) = u.held.iter().find(|h| h.eq_ignore_ascii_case(asked)) {
        let right = MergeField {
            external: u.external.to_string(),
            parameter: held.to_string(),
        };
        return CalloutError::MergeFieldMismatch(format!(
            "{merges}, but {holder} holds '{held}', not '{asked}': {}. Spell the merge field \
             as the stored parameter, {}, or store the value as '{asked}'",
            exactly(held, asked),
            right.written()
        ));
    }
    if u.held.is_empty() {
        return CalloutError::MissingSecret {
            external: u.external.to_string(),
            principal: u.principal.to_string(),
            parameter: asked.to_string(),
        };
    }
    let held: Vec<String> = u.held.iter().map(|h| format!("'{h}'")).collect();
    CalloutError::MergeFieldMismatch(format!(
        "{merges}, but {holder} holds only {}: {}. Merge a parameter it holds, or store \
         '{asked}' with POST /services/data/vXX.X/named-credentials/credential",
        held.join(", "),
        exactly("", asked)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_fields_take_secrets_and_name_the_missing_one() {
        let lookup = |e: &str, p: &str| (e == "Wx" && p == "ApiKey").then(|| "k-1".to_string());
        assert_eq!(
            merge_fields("key {!$Credential.Wx.ApiKey}!", &lookup).unwrap(),
            "key k-1!"
        );
        assert_eq!(
            merge_fields("{!$Credential.Wx.Nope}", &lookup).unwrap_err(),
            MergeField {
                external: "Wx".into(),
                parameter: "Nope".into()
            }
        );
        assert_eq!(merge_fields("plain", &lookup).unwrap(), "plain");
    }

    fn unresolved<'a>(external: &str, parameter: &str, held: Vec<&'a str>) -> Unresolved<'a> {
        Unresolved {
            field: MergeField {
                external: external.into(),
                parameter: parameter.into(),
            },
            header: "X-Api-Key",
            defined_in: "Named Credential Inventory (Inventory.namedCredential-meta.xml)",
            external: "Inventory_Auth",
            principal: "StockChecker",
            held,
        }
    }

    #[test]
    fn a_merge_field_spelt_in_another_case_than_the_stored_parameter_names_both_and_the_file() {
        let e = explain(&unresolved("Inventory_Auth", "Apikey", vec!["ApiKey"])).to_string();
        assert_eq!(
            e,
            "header X-Api-Key of Named Credential Inventory (Inventory.namedCredential-meta.xml) \
             merges {!$Credential.Inventory_Auth.Apikey}, but principal StockChecker of External \
             Credential Inventory_Auth holds 'ApiKey', not 'Apikey': merge-field names are \
             matched exactly, case included. Spell the merge field as the stored parameter, \
             {!$Credential.Inventory_Auth.ApiKey}, or store the value as 'Apikey'"
        );
        assert!(!e.to_lowercase().contains("no 'apikey' set"), "{e}");
    }

    #[test]
    fn a_principal_holding_nothing_is_told_to_store_the_parameter() {
        let e = explain(&unresolved("Inventory_Auth", "ApiKey", vec![]));
        assert!(
            matches!(&e, CalloutError::MissingSecret { parameter, .. } if parameter == "ApiKey"),
            "{e}"
        );
    }

    #[test]
    fn a_principal_holding_other_parameters_names_them_without_their_values() {
        let e = explain(&unresolved(
            "Inventory_Auth",
            "ApiKey",
            vec!["Key", "Token"],
        ))
        .to_string();
        assert!(
            e.contains(
                "StockChecker of External Credential Inventory_Auth holds only 'Key', 'Token'"
            ),
            "{e}"
        );
        assert!(e.contains("store 'ApiKey' with POST"), "{e}");
    }

    #[test]
    fn a_merge_field_naming_another_external_credential_says_which_one_the_credential_uses() {
        let e = explain(&unresolved("Inventory_auth", "ApiKey", vec!["ApiKey"])).to_string();
        assert!(
            e.ends_with(
                "merges {!$Credential.Inventory_auth.ApiKey}, but the External Credential it \
                 draws on is Inventory_Auth: merge-field names are matched exactly, case \
                 included. Write {!$Credential.Inventory_Auth.ApiKey}"
            ),
            "{e}"
        );
    }
}
