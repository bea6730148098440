//! A query-protocol request's parameters: `Name=value`, lists as
//! `Name.member.N`, tags as `Tags.member.N.Key` / `.Value`.

use laminar_iam::{IamError, Tags};

pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// The query string's and the form body's parameters.
    pub fn parse(query: &str, body: &[u8]) -> Self {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query).unwrap_or_default();
        pairs.extend(
            serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default(),
        );
        Self { pairs }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn owned(&self, name: &str) -> Option<String> {
        self.get(name).map(str::to_string)
    }

    /// A member the model requires.
    pub fn required(&self, name: &str) -> Result<&str, IamError> {
        self.get(name).ok_or_else(|| IamError::missing(name))
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, IamError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| {
                IamError::validation(format!(
                    "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must be a number",
                    lower_first(name)
                ))
            }),
        }
    }

    pub fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    /// `Name.member.1`, `Name.member.2`, … in order.
    pub fn list(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}.member.");
        let mut items: Vec<(u32, String)> = self
            .pairs
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix(&prefix)?.parse().ok()?, v.clone())))
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// `Tags.member.N.Key` / `Tags.member.N.Value`.
    pub fn tags(&self) -> Tags {
        let key_of = |n: u32| self.get(&format!("Tags.member.{n}.Key"));
        let mut tags = Vec::new();
        let mut n = 1;
        while let Some(key) = key_of(n) {
            let value = self
                .get(&format!("Tags.member.{n}.Value"))
                .unwrap_or_default();
            tags.push((key.to_string(), value.to_string()));
            n += 1;
        }
        tags
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
