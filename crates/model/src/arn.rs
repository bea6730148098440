//! Function names in the three spellings the API accepts (name, partial ARN,
//! full ARN), each optionally qualified, and the ARNs laminar answers with.

use crate::error::{ApiError, ErrorKind};
use std::fmt;

/// Where a request runs: the account picked from the access key and the region
/// from the credential scope.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

impl Scope {
    pub fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.region, self.account
        )
    }
}

/// A version qualifier. Aliases arrive with the versions work; until then any
/// other qualifier is an alias name that does not exist.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Qualifier {
    Latest,
    Version(u64),
    Alias(String),
}

impl Qualifier {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        if text == "$LATEST" {
            return Ok(Self::Latest);
        }
        let valid = !text.is_empty()
            && text.len() <= 128
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(ApiError::new(
                ErrorKind::Validation,
                format!(
                    "1 validation error detected: Value '{text}' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)"
                ),
            ));
        }
        match text.parse::<u64>() {
            Ok(n) if !text.starts_with('0') || text == "0" => Ok(Self::Version(n)),
            _ => Ok(Self::Alias(text.to_string())),
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Latest => f.write_str("$LATEST"),
            Self::Version(n) => write!(f, "{n}"),
            Self::Alias(a) => f.write_str(a),
        }
    }
}

/// A function as a request names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    pub account: Option<String>,
    pub region: Option<String>,
    pub qualifier: Option<Qualifier>,
}

const NAME_MAX: usize = 64;

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= NAME_MAX
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

impl FunctionRef {
    /// Parses the `FunctionName` member. `max_len` is the model's length limit
    /// for the member in this operation (140 for most, 170 for some).
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let invalid = || {
            ApiError::new(
                ErrorKind::Validation,
                format!(
                    "1 validation error detected: Value '{text}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{{2}}(-gov)?-[a-z]+-\\d{{1}}:)?(\\d{{12}}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?"
                ),
            )
        };
        if text.is_empty() || text.len() > 170 {
            return Err(invalid());
        }
        let parts: Vec<&str> = text.split(':').collect();
        let (account, region, rest): (Option<&str>, Option<&str>, &[&str]) = match parts.as_slice()
        {
            ["arn", partition, "lambda", region, account, "function", rest @ ..]
                if partition.starts_with("aws") && is_account(account) =>
            {
                (Some(*account), Some(*region), rest)
            }
            [account, "function", rest @ ..] if is_account(account) => (Some(*account), None, rest),
            rest => (None, None, rest),
        };
        let (name, qualifier) = match rest {
            [name] => (*name, None),
            [name, qualifier] => (
                *name,
                Some(Qualifier::parse(qualifier).map_err(|_| invalid())?),
            ),
            _ => return Err(invalid()),
        };
        if !is_name(name) {
            return Err(invalid());
        }
        Ok(Self {
            name: name.to_string(),
            account: account.map(str::to_string),
            region: region.map(str::to_string),
            qualifier,
        })
    }

    /// The qualifier from the name and the `Qualifier` parameter; giving two
    /// different ones is an error, as in AWS.
    pub fn with_qualifier_param(mut self, param: Option<&str>) -> Result<Self, ApiError> {
        let Some(param) = param.filter(|p| !p.is_empty()) else {
            return Ok(self);
        };
        let param = Qualifier::parse(param)?;
        match &self.qualifier {
            Some(existing) if *existing != param => Err(ApiError::invalid_parameter(
                "The derived qualifier from the function name does not match the specified qualifier.",
            )),
            _ => {
                self.qualifier = Some(param);
                Ok(self)
            }
        }
    }

    /// Checks that an ARN-spelled name points into the caller's scope.
    pub fn check_scope(&self, scope: &Scope) -> Result<(), ApiError> {
        // AWS's own words for an ARN of another region (recorded answers).
        if let Some(region) = self.region.as_deref().filter(|r| *r != scope.region) {
            return Err(ApiError::new(
                ErrorKind::ResourceNotFound,
                format!(
                    "Functions from '{region}' are not reachable in this region ('{}')",
                    scope.region
                ),
            ));
        }
        let foreign_account = self.account.as_deref().is_some_and(|a| a != scope.account);
        if foreign_account {
            return Err(ApiError::new(
                ErrorKind::ResourceNotFound,
                format!(
                    "Function not found: {}",
                    Scope {
                        account: self
                            .account
                            .clone()
                            .unwrap_or_else(|| scope.account.clone()),
                        region: self.region.clone().unwrap_or_else(|| scope.region.clone()),
                    }
                    .function_arn(&self.name)
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_spelling() {
        let plain = FunctionRef::parse("my-fn").unwrap();
        assert_eq!(plain.name, "my-fn");
        assert_eq!(plain.qualifier, None);

        let partial = FunctionRef::parse("123456789012:function:my-fn:7").unwrap();
        assert_eq!(partial.account.as_deref(), Some("123456789012"));
        assert_eq!(partial.qualifier, Some(Qualifier::Version(7)));

        let full =
            FunctionRef::parse("arn:aws:lambda:eu-west-1:123456789012:function:f:$LATEST").unwrap();
        assert_eq!(full.region.as_deref(), Some("eu-west-1"));
        assert_eq!(full.qualifier, Some(Qualifier::Latest));

        let aliased = FunctionRef::parse("f:live").unwrap();
        assert_eq!(aliased.qualifier, Some(Qualifier::Alias("live".into())));
    }

    #[test]
    fn rejects_bad_names() {
        for bad in [
            "",
            "has space",
            "a:b:c:d",
            &"x".repeat(65),
            "f:bad/qualifier",
        ] {
            let err = FunctionRef::parse(bad).unwrap_err();
            assert_eq!(err.kind, ErrorKind::Validation, "{bad}");
        }
    }

    #[test]
    fn conflicting_qualifiers_are_rejected() {
        let r = FunctionRef::parse("f:1").unwrap();
        assert!(r.clone().with_qualifier_param(Some("1")).is_ok());
        assert_eq!(
            r.with_qualifier_param(Some("2")).unwrap_err().kind,
            ErrorKind::InvalidParameterValue
        );
    }
}
