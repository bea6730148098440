//! Filter patterns: term patterns (`ERROR "disk full" -debug ?WARN`) and JSON
//! patterns (`{ $.level = "error" && $.latency > 100 }`).

use crate::error::{LogsError, LogsResult};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum FilterPattern {
    /// Matches every event (an empty pattern).
    All,
    Terms(Terms),
    Json(JsonExpr),
}

/// Required terms must all appear, excluded ones none, and when optional
/// (`?`) terms are given at least one of them. Matching is case sensitive.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Terms {
    required: Vec<String>,
    excluded: Vec<String>,
    optional: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JsonExpr {
    And(Box<JsonExpr>, Box<JsonExpr>),
    Or(Box<JsonExpr>, Box<JsonExpr>),
    Compare {
        selector: Vec<Step>,
        op: Op,
        value: Literal,
    },
    /// `$.x IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`.
    Is {
        selector: Vec<Step>,
        test: IsTest,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IsTest {
    Null,
    True,
    False,
    NotExists,
}

/// `FilterPattern`'s length limit in the CloudWatch Logs model.
const PATTERN_MAX_CHARS: usize = 1024;

fn invalid() -> LogsError {
    LogsError::invalid("Invalid filter pattern")
}

impl FilterPattern {
    pub fn parse(text: &str) -> LogsResult<Self> {
        // The model's limit; it also bounds how deep the JSON pattern
        // parser (recursive descent) can go.
        if text.chars().count() > PATTERN_MAX_CHARS {
            return Err(LogsError::invalid(format!(
                "Invalid filter pattern: longer than {PATTERN_MAX_CHARS} characters"
            )));
        }
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed == "\"\"" {
            return Ok(Self::All);
        }
        if trimmed.starts_with('{') {
            return parse_json(trimmed).map(Self::Json);
        }
        if trimmed.starts_with('[') {
            return Err(LogsError::invalid(
                "Invalid filter pattern: space-delimited patterns are not supported by laminar",
            ));
        }
        parse_terms(trimmed).map(Self::Terms)
    }

    pub fn matches(&self, message: &str) -> bool {
        match self {
            Self::All => true,
            Self::Terms(terms) => terms.matches(message),
            Self::Json(expr) => serde_json::from_str::<Value>(message.trim())
                .map(|doc| expr.matches(&doc))
                .unwrap_or(false),
        }
    }
}

impl Terms {
    fn matches(&self, message: &str) -> bool {
        self.required.iter().all(|t| message.contains(t.as_str()))
            && !self.excluded.iter().any(|t| message.contains(t.as_str()))
            && (self.optional.is_empty()
                || self.optional.iter().any(|t| message.contains(t.as_str())))
    }
}

fn parse_terms(text: &str) -> LogsResult<Terms> {
    let mut terms = Terms::default();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let list = match first {
            '-' => {
                chars.next();
                &mut terms.excluded
            }
            '?' => {
                chars.next();
                &mut terms.optional
            }
            _ => &mut terms.required,
        };
        let term = if chars.next_if_eq(&'"').is_some() {
            let mut quoted = String::new();
            loop {
                match chars.next() {
                    None => return Err(invalid()),
                    Some('"') => break,
                    Some('\\') => quoted.push(chars.next().ok_or_else(invalid)?),
                    Some(c) => quoted.push(c),
                }
            }
            quoted
        } else {
            let mut word = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                word.push(c);
            }
            word
        };
        if term.is_empty() {
            return Err(invalid());
        }
        list.push(term);
    }
    Ok(terms)
}

impl JsonExpr {
    fn matches(&self, doc: &Value) -> bool {
        match self {
            Self::And(a, b) => a.matches(doc) && b.matches(doc),
            Self::Or(a, b) => a.matches(doc) || b.matches(doc),
            Self::Is { selector, test } => {
                let found = select(doc, selector);
                match test {
                    IsTest::NotExists => found.is_none(),
                    IsTest::Null => found.is_some_and(Value::is_null),
                    IsTest::True => found == Some(&Value::Bool(true)),
                    IsTest::False => found == Some(&Value::Bool(false)),
                }
            }
            Self::Compare {
                selector,
                op,
                value,
            } => select(doc, selector).is_some_and(|found| compare(found, *op, value)),
        }
    }
}

fn select<'a>(doc: &'a Value, selector: &[Step]) -> Option<&'a Value> {
    selector.iter().try_fold(doc, |node, step| match step {
        Step::Key(key) => node.get(key.as_str()),
        Step::Index(i) => node.get(*i),
    })
}

fn compare(found: &Value, op: Op, value: &Literal) -> bool {
    match value {
        Literal::Number(n) => {
            let Some(x) = found.as_f64() else {
                return false;
            };
            match op {
                Op::Eq => x == *n,
                Op::Ne => x != *n,
                Op::Lt => x < *n,
                Op::Le => x <= *n,
                Op::Gt => x > *n,
                Op::Ge => x >= *n,
            }
        }
        Literal::Text(pattern) => {
            let text = match found {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                Value::Number(n) => n.to_string(),
                _ => return false,
            };
            match op {
                Op::Eq => wildcard_match(pattern, &text),
                Op::Ne => !wildcard_match(pattern, &text),
                _ => false,
            }
        }
    }
}

/// `*` in a JSON pattern's string stands for any run of characters.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// A recursive-descent parser over the pattern's characters.
struct Parser<'a> {
    text: &'a str,
    at: usize,
}

fn parse_json(text: &str) -> LogsResult<JsonExpr> {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(invalid)?;
    let mut parser = Parser { text: inner, at: 0 };
    let expr = parser.or()?;
    parser.skip_ws();
    if parser.at != parser.text.len() {
        return Err(invalid());
    }
    Ok(expr)
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, token: &str) -> bool {
        self.skip_ws();
        if self.rest().starts_with(token) {
            self.at += token.len();
            true
        } else {
            false
        }
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        self.skip_ws();
        let rest = self.rest();
        let matches = rest
            .get(..word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
            && !rest[word.len()..].starts_with(|c: char| c.is_alphanumeric());
        if matches {
            self.at += word.len();
        }
        matches
    }

    fn or(&mut self) -> LogsResult<JsonExpr> {
        let mut left = self.and()?;
        while self.eat("||") {
            left = JsonExpr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> LogsResult<JsonExpr> {
        let mut left = self.primary()?;
        while self.eat("&&") {
            left = JsonExpr::And(Box::new(left), Box::new(self.primary()?));
        }
        Ok(left)
    }

    fn primary(&mut self) -> LogsResult<JsonExpr> {
        if self.eat("(") {
            let expr = self.or()?;
            return if self.eat(")") {
                Ok(expr)
            } else {
                Err(invalid())
            };
        }
        let selector = self.selector()?;
        if self.eat_keyword("IS") {
            let test = if self.eat_keyword("NULL") {
                IsTest::Null
            } else if self.eat_keyword("TRUE") {
                IsTest::True
            } else if self.eat_keyword("FALSE") {
                IsTest::False
            } else {
                return Err(invalid());
            };
            return Ok(JsonExpr::Is { selector, test });
        }
        if self.eat_keyword("NOT") {
            return if self.eat_keyword("EXISTS") {
                Ok(JsonExpr::Is {
                    selector,
                    test: IsTest::NotExists,
                })
            } else {
                Err(invalid())
            };
        }
        let op = [
            ("!=", Op::Ne),
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("=", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
        ]
        .into_iter()
        .find_map(|(token, op)| self.eat(token).then_some(op))
        .ok_or_else(invalid)?;
        let value = self.literal()?;
        Ok(JsonExpr::Compare {
            selector,
            op,
            value,
        })
    }

    fn selector(&mut self) -> LogsResult<Vec<Step>> {
        if !self.eat("$") {
            return Err(invalid());
        }
        let mut steps = Vec::new();
        loop {
            let rest = self.rest();
            if let Some(after) = rest.strip_prefix('.') {
                let len = after
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '@'))
                    .unwrap_or(after.len());
                if len == 0 {
                    return Err(invalid());
                }
                steps.push(Step::Key(after[..len].to_string()));
                self.at += 1 + len;
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']').ok_or_else(invalid)?;
                let index = after[..end].trim().parse().map_err(|_| invalid())?;
                steps.push(Step::Index(index));
                self.at += end + 2;
            } else {
                return Ok(steps);
            }
        }
    }

    fn literal(&mut self) -> LogsResult<Literal> {
        self.skip_ws();
        let rest = self.rest();
        if let Some(after) = rest.strip_prefix('"') {
            let end = after.find('"').ok_or_else(invalid)?;
            self.at += end + 2;
            return Ok(Literal::Text(after[..end].to_string()));
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || c == ')' || c == '&' || c == '|')
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(invalid());
        }
        let word = &rest[..len];
        self.at += len;
        Ok(match word.parse::<f64>() {
            Ok(n) => Literal::Number(n),
            Err(_) => Literal::Text(word.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, message: &str) -> bool {
        FilterPattern::parse(pattern).unwrap().matches(message)
    }

    #[test]
    fn term_patterns() {
        assert!(matches("", "anything"));
        assert!(matches("ERROR", "an ERROR here"));
        assert!(!matches("ERROR", "an error here"));
        assert!(matches("ERROR disk", "ERROR: disk full"));
        assert!(!matches("ERROR disk", "ERROR: memory"));
        assert!(matches("\"disk full\"", "ERROR: disk full"));
        assert!(!matches("\"disk full\"", "full disk"));
        assert!(matches("ERROR -debug", "ERROR x"));
        assert!(!matches("ERROR -debug", "ERROR debug x"));
        assert!(matches("?ERROR ?WARN", "WARN x"));
        assert!(matches("?ERROR ?WARN", "ERROR x"));
        assert!(!matches("?ERROR ?WARN", "INFO x"));
        assert!(FilterPattern::parse("\"open").is_err());
    }

    #[test]
    fn json_patterns() {
        let doc = r#"{"level":"error","latency":150,"user":{"id":"u-1"},"tags":["a","b"],"ok":false,"n":null}"#;
        assert!(matches("{ $.level = \"error\" }", doc));
        assert!(matches("{ $.level = error }", doc));
        assert!(matches("{ $.level = err* }", doc));
        assert!(!matches("{ $.level = \"info\" }", doc));
        assert!(matches("{ $.level != \"info\" }", doc));
        assert!(matches("{ $.latency > 100 && $.user.id = \"u-1\" }", doc));
        assert!(!matches("{ $.latency < 100 }", doc));
        assert!(matches("{ $.latency < 100 || $.tags[1] = \"b\" }", doc));
        assert!(matches("{ ($.latency >= 150) && $.ok IS FALSE }", doc));
        assert!(matches("{ $.n IS NULL }", doc));
        assert!(matches("{ $.missing NOT EXISTS }", doc));
        assert!(!matches("{ $.level = \"error\" }", "not json"));
        assert!(FilterPattern::parse("{ $.a = }").is_err());
        assert!(FilterPattern::parse("{ level = 1 }").is_err());
    }
}
