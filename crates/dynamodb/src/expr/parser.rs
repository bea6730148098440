//! A recursive-descent parser for condition (and filter), projection and
//! update expressions. Placeholders are resolved while parsing and counted,
//! so the caller can refuse names and values no expression used.

use super::ast::{Comparator, Condition, Operand, Path, PathElement, SetOperand, SetValue, Update};
use super::lexer::{tokens, Token};
use crate::error::{DynamoError, DynamoResult};
use crate::types::AttributeValue;
use std::collections::{BTreeMap, BTreeSet};

/// The placeholders of one request, and which of them expressions used.
pub(crate) struct Placeholders<'a> {
    pub names: &'a BTreeMap<String, String>,
    pub values: &'a BTreeMap<String, AttributeValue>,
    pub used_names: BTreeSet<String>,
    pub used_values: BTreeSet<String>,
}

impl<'a> Placeholders<'a> {
    pub fn new(
        names: &'a BTreeMap<String, String>,
        values: &'a BTreeMap<String, AttributeValue>,
    ) -> Self {
        Self {
            names,
            values,
            used_names: BTreeSet::new(),
            used_values: BTreeSet::new(),
        }
    }

    /// AWS refuses placeholders that no expression of the request used.
    pub fn check_all_used(&self) -> DynamoResult<()> {
        let unused = |all: Vec<&String>, used: &BTreeSet<String>| {
            all.into_iter()
                .filter(|k| !used.contains(*k))
                .cloned()
                .collect::<Vec<_>>()
        };
        let values = unused(self.values.keys().collect(), &self.used_values);
        if !values.is_empty() {
            return Err(DynamoError::validation(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                values.join(", ")
            )));
        }
        let names = unused(self.names.keys().collect(), &self.used_names);
        if !names.is_empty() {
            return Err(DynamoError::validation(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                names.join(", ")
            )));
        }
        Ok(())
    }
}

struct Parser<'p, 'a> {
    kind: &'static str,
    tokens: Vec<Token>,
    at: usize,
    ph: &'p mut Placeholders<'a>,
}

fn invalid(kind: &str, detail: impl std::fmt::Display) -> DynamoError {
    DynamoError::validation(format!("Invalid {kind}: {detail}"))
}

fn start<'p, 'a>(
    kind: &'static str,
    text: &str,
    ph: &'p mut Placeholders<'a>,
) -> DynamoResult<Parser<'p, 'a>> {
    if text.trim().is_empty() {
        return Err(invalid(kind, "The expression can not be empty;"));
    }
    let tokens = tokens(text).map_err(|bad| {
        invalid(
            kind,
            format!("Syntax error; token: \"{bad}\", near: \"{bad}\""),
        )
    })?;
    Ok(Parser {
        kind,
        tokens,
        at: 0,
        ph,
    })
}

pub(crate) fn condition(
    kind: &'static str,
    text: &str,
    ph: &mut Placeholders<'_>,
) -> DynamoResult<Condition> {
    let mut p = start(kind, text, ph)?;
    let condition = p.or()?;
    p.end()?;
    Ok(condition)
}

pub(crate) fn projection(text: &str, ph: &mut Placeholders<'_>) -> DynamoResult<Vec<Path>> {
    let mut p = start("ProjectionExpression", text, ph)?;
    let mut paths = vec![p.path()?];
    while p.eat_symbol(",") {
        paths.push(p.path()?);
    }
    p.end()?;
    Ok(paths)
}

pub(crate) fn update(text: &str, ph: &mut Placeholders<'_>) -> DynamoResult<Update> {
    let mut p = start("UpdateExpression", text, ph)?;
    let mut update = Update::default();
    let mut seen: Vec<String> = Vec::new();
    while p.at < p.tokens.len() {
        let section = match p.next() {
            Some(Token::Word(w)) => w.to_ascii_uppercase(),
            Some(other) => return Err(p.syntax(&other)),
            None => break,
        };
        if !["SET", "REMOVE", "ADD", "DELETE"].contains(&section.as_str()) {
            p.at -= 1;
            let token = p.tokens[p.at].clone();
            return Err(p.syntax(&token));
        }
        if seen.contains(&section) {
            return Err(invalid(
                "UpdateExpression",
                format!("The \"{section}\" section can only be used once in an update expression;"),
            ));
        }
        seen.push(section.clone());
        loop {
            match section.as_str() {
                "SET" => {
                    let path = p.path()?;
                    p.expect_symbol("=")?;
                    let value = p.set_value()?;
                    update.set.push((path, value));
                }
                "REMOVE" => update.remove.push(p.path()?),
                "ADD" => {
                    let path = p.path()?;
                    let value = p.value()?;
                    update.add.push((path, value));
                }
                _ => {
                    let path = p.path()?;
                    let value = p.value()?;
                    update.delete.push((path, value));
                }
            }
            if !p.eat_symbol(",") {
                break;
            }
        }
    }
    Ok(update)
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn syntax(&self, token: &Token) -> DynamoError {
        let at = self
            .at
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1));
        let near: Vec<String> = self.tokens[at.saturating_sub(1)..(at + 2).min(self.tokens.len())]
            .iter()
            .map(Token::text)
            .collect();
        invalid(
            self.kind,
            format!(
                "Syntax error; token: \"{}\", near: \"{}\"",
                token.text(),
                near.join(" ")
            ),
        )
    }

    fn unexpected_end(&self) -> DynamoError {
        invalid(self.kind, "Syntax error; token: \"<EOF>\", near: \"\"")
    }

    fn end(&mut self) -> DynamoResult<()> {
        match self.next() {
            None => Ok(()),
            Some(token) => Err(self.syntax(&token)),
        }
    }

    fn eat_symbol(&mut self, symbol: &str) -> bool {
        if matches!(self.peek(), Some(Token::Symbol(s)) if *s == symbol) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect_symbol(&mut self, symbol: &str) -> DynamoResult<()> {
        match self.next() {
            Some(Token::Symbol(s)) if s == symbol => Ok(()),
            Some(other) => Err(self.syntax(&other)),
            None => Err(self.unexpected_end()),
        }
    }

    fn name_of(&mut self, token: Token) -> DynamoResult<String> {
        match token {
            Token::Word(w) => Ok(w),
            Token::NamePlaceholder(n) => match self.ph.names.get(&n) {
                Some(name) => {
                    self.ph.used_names.insert(n);
                    Ok(name.clone())
                }
                None => Err(invalid(
                    self.kind,
                    format!("An expression attribute name used in the document path is not defined; attribute name: {n}"),
                )),
            },
            other => Err(self.syntax(&other)),
        }
    }

    fn path(&mut self) -> DynamoResult<Path> {
        let first = self.next().ok_or_else(|| self.unexpected_end())?;
        let mut path = vec![PathElement::Name(self.name_of(first)?)];
        loop {
            if self.eat_symbol(".") {
                let token = self.next().ok_or_else(|| self.unexpected_end())?;
                path.push(PathElement::Name(self.name_of(token)?));
            } else if self.eat_symbol("[") {
                match self.next() {
                    Some(Token::Index(i)) => path.push(PathElement::Index(i)),
                    Some(other) => return Err(self.syntax(&other)),
                    None => return Err(self.unexpected_end()),
                }
                self.expect_symbol("]")?;
            } else {
                return Ok(path);
            }
        }
    }

    fn value(&mut self) -> DynamoResult<AttributeValue> {
        match self.next() {
            Some(Token::ValuePlaceholder(v)) => match self.ph.values.get(&v) {
                Some(value) => {
                    let value = value.clone();
                    self.ph.used_values.insert(v);
                    Ok(value)
                }
                None => Err(invalid(
                    self.kind,
                    format!("An expression attribute value used in expression is not defined; attribute value: {v}"),
                )),
            },
            Some(other) => Err(self.syntax(&other)),
            None => Err(self.unexpected_end()),
        }
    }

    fn or(&mut self) -> DynamoResult<Condition> {
        let mut left = self.and()?;
        while self.eat_word("OR") {
            left = Condition::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> DynamoResult<Condition> {
        let mut left = self.not()?;
        while self.eat_word("AND") {
            left = Condition::And(Box::new(left), Box::new(self.not()?));
        }
        Ok(left)
    }

    fn not(&mut self) -> DynamoResult<Condition> {
        if self.eat_word("NOT") {
            return Ok(Condition::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> DynamoResult<Condition> {
        if self.eat_symbol("(") {
            let inner = self.or()?;
            self.expect_symbol(")")?;
            return Ok(inner);
        }
        if let (Some(Token::Word(w)), Some(Token::Symbol("("))) =
            (self.peek().cloned(), self.tokens.get(self.at + 1))
        {
            let function = w.clone();
            match function.as_str() {
                "attribute_exists" | "attribute_not_exists" => {
                    self.at += 2;
                    let path = self.path()?;
                    self.expect_symbol(")")?;
                    return Ok(if function == "attribute_exists" {
                        Condition::Exists(path)
                    } else {
                        Condition::NotExists(path)
                    });
                }
                "attribute_type" | "begins_with" | "contains" => {
                    self.at += 2;
                    let first = self.operand()?;
                    self.expect_symbol(",")?;
                    let second = self.operand()?;
                    self.expect_symbol(")")?;
                    return match (function.as_str(), first) {
                        ("attribute_type", Operand::Path(path)) => Ok(Condition::Type(path, second)),
                        ("attribute_type", _) => Err(invalid(self.kind, "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: M")),
                        ("begins_with", first) => Ok(Condition::BeginsWith(first, second)),
                        (_, first) => Ok(Condition::Contains(first, second)),
                    };
                }
                "size" => {}
                other => {
                    return Err(invalid(
                        self.kind,
                        format!("Invalid function name; function: {other}"),
                    ));
                }
            }
        }
        let left = self.operand()?;
        if self.eat_word("BETWEEN") {
            let low = self.operand()?;
            if !self.eat_word("AND") {
                return Err(match self.next() {
                    Some(t) => self.syntax(&t),
                    None => self.unexpected_end(),
                });
            }
            let high = self.operand()?;
            return Ok(Condition::Between(left, low, high));
        }
        if self.eat_word("IN") {
            self.expect_symbol("(")?;
            let mut list = vec![self.operand()?];
            while self.eat_symbol(",") {
                list.push(self.operand()?);
            }
            self.expect_symbol(")")?;
            return Ok(Condition::In(left, list));
        }
        let comparator = match self.next() {
            Some(Token::Symbol("=")) => Comparator::Eq,
            Some(Token::Symbol("<>")) => Comparator::Ne,
            Some(Token::Symbol("<")) => Comparator::Lt,
            Some(Token::Symbol("<=")) => Comparator::Le,
            Some(Token::Symbol(">")) => Comparator::Gt,
            Some(Token::Symbol(">=")) => Comparator::Ge,
            Some(other) => return Err(self.syntax(&other)),
            None => return Err(self.unexpected_end()),
        };
        let right = self.operand()?;
        Ok(Condition::Compare(comparator, left, right))
    }

    fn operand(&mut self) -> DynamoResult<Operand> {
        match self.peek() {
            Some(Token::ValuePlaceholder(_)) => Ok(Operand::Value(self.value()?)),
            Some(Token::Word(w))
                if w == "size"
                    && matches!(self.tokens.get(self.at + 1), Some(Token::Symbol("("))) =>
            {
                self.at += 2;
                let path = self.path()?;
                self.expect_symbol(")")?;
                Ok(Operand::Size(path))
            }
            _ => Ok(Operand::Path(self.path()?)),
        }
    }

    fn set_value(&mut self) -> DynamoResult<SetValue> {
        let left = self.set_operand()?;
        if self.eat_symbol("+") {
            return Ok(SetValue::Plus(left, self.set_operand()?));
        }
        if self.eat_symbol("-") {
            return Ok(SetValue::Minus(left, self.set_operand()?));
        }
        Ok(SetValue::Operand(left))
    }

    fn set_operand(&mut self) -> DynamoResult<SetOperand> {
        if let (Some(Token::Word(w)), Some(Token::Symbol("("))) =
            (self.peek().cloned(), self.tokens.get(self.at + 1))
        {
            match w.as_str() {
                "if_not_exists" => {
                    self.at += 2;
                    let path = self.path()?;
                    self.expect_symbol(",")?;
                    let fallback = self.set_operand()?;
                    self.expect_symbol(")")?;
                    return Ok(SetOperand::IfNotExists(path, Box::new(fallback)));
                }
                "list_append" => {
                    self.at += 2;
                    let first = self.set_operand()?;
                    self.expect_symbol(",")?;
                    let second = self.set_operand()?;
                    self.expect_symbol(")")?;
                    return Ok(SetOperand::ListAppend(Box::new(first), Box::new(second)));
                }
                other => {
                    return Err(invalid(
                        self.kind,
                        format!("Invalid function name; function: {other}"),
                    ))
                }
            }
        }
        match self.peek() {
            Some(Token::ValuePlaceholder(_)) => Ok(SetOperand::Value(self.value()?)),
            _ => Ok(SetOperand::Path(self.path()?)),
        }
    }
}
