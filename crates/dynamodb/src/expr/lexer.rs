//! Tokens of DynamoDB's expression language.

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    /// A name, keyword or function name (keywords are told apart by the parser).
    Word(String),
    /// `#name`, an ExpressionAttributeNames placeholder.
    NamePlaceholder(String),
    /// `:value`, an ExpressionAttributeValues placeholder.
    ValuePlaceholder(String),
    /// A list index inside `[ ]`.
    Index(usize),
    Symbol(&'static str),
}

impl Token {
    pub fn text(&self) -> String {
        match self {
            Token::Word(w) => w.clone(),
            Token::NamePlaceholder(n) | Token::ValuePlaceholder(n) => n.clone(),
            Token::Index(i) => i.to_string(),
            Token::Symbol(s) => (*s).to_string(),
        }
    }
}

const SYMBOLS: [&str; 13] = [
    "<>", "<=", ">=", "=", "<", ">", "(", ")", "[", "]", ",", ".", "+",
];

/// Splits an expression into tokens, or names the first character that
/// cannot start one.
pub(crate) fn tokens(text: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        let c = bytes[at];
        if c.is_ascii_whitespace() {
            at += 1;
            continue;
        }
        if c == b'-' {
            out.push(Token::Symbol("-"));
            at += 1;
            continue;
        }
        if let Some(symbol) = SYMBOLS.iter().find(|s| text[at..].starts_with(**s)) {
            out.push(Token::Symbol(symbol));
            at += symbol.len();
            continue;
        }
        let word_end = |from: usize| {
            let mut end = from;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            end
        };
        if c == b'#' || c == b':' {
            let end = word_end(at + 1);
            if end == at + 1 {
                return Err(text[at..=at].to_string());
            }
            let word = text[at..end].to_string();
            out.push(if c == b'#' {
                Token::NamePlaceholder(word)
            } else {
                Token::ValuePlaceholder(word)
            });
            at = end;
            continue;
        }
        if c.is_ascii_digit() && matches!(out.last(), Some(Token::Symbol("["))) {
            let end = word_end(at);
            let index = text[at..end]
                .parse()
                .map_err(|_| text[at..end].to_string())?;
            out.push(Token::Index(index));
            at = end;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let end = word_end(at);
            out.push(Token::Word(text[at..end].to_string()));
            at = end;
            continue;
        }
        let end = (at + 1..=text.len())
            .find(|e| text.is_char_boundary(*e))
            .unwrap_or(text.len());
        return Err(text[at..end].to_string());
    }
    Ok(out)
}
