//! An answer as the query protocol writes it: members in the model's order,
//! lists of `member` items, policy documents (URL-encoded on the wire).

/// One value of an answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Out {
    Text(String),
    /// A policy document: JSON text, URL-encoded when written.
    Document(String),
    Number(i64),
    Flag(bool),
    List(Vec<Out>),
    Members(Vec<(&'static str, Out)>),
}

impl Out {
    /// An empty structure to add members to.
    pub fn members() -> Self {
        Out::Members(Vec::new())
    }

    pub fn with(mut self, name: &'static str, value: Out) -> Self {
        if let Out::Members(members) = &mut self {
            members.push((name, value));
        }
        self
    }

    pub fn text(self, name: &'static str, value: impl Into<String>) -> Self {
        self.with(name, Out::Text(value.into()))
    }

    pub fn opt_text(self, name: &'static str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.text(name, v),
            None => self,
        }
    }

    pub fn number(self, name: &'static str, value: i64) -> Self {
        self.with(name, Out::Number(value))
    }

    pub fn flag(self, name: &'static str, value: bool) -> Self {
        self.with(name, Out::Flag(value))
    }

    pub fn document(self, name: &'static str, value: impl Into<String>) -> Self {
        self.with(name, Out::Document(value.into()))
    }

    pub fn list(self, name: &'static str, items: Vec<Out>) -> Self {
        self.with(name, Out::List(items))
    }

    /// `IsTruncated` and, when there is more, `Marker`.
    pub fn paged(self, next: Option<String>) -> Self {
        let this = self.flag("IsTruncated", next.is_some());
        this.opt_text("Marker", next)
    }

    /// A member by name (tests and callers that read one field).
    pub fn get(&self, name: &str) -> Option<&Out> {
        match self {
            Out::Members(members) => members.iter().find(|(n, _)| *n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Out::Text(s) | Out::Document(s) => Some(s),
            _ => None,
        }
    }
}
