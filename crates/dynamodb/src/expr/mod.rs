//! DynamoDB's expression language: condition and filter expressions,
//! projection expressions and update expressions, with their placeholders.

mod ast;
mod eval;
mod lexer;
mod parser;
mod update;

pub(crate) use ast::{Comparator, Condition, Operand, Path, PathElement, Update};
pub(crate) use eval::{equal, holds, project};
pub(crate) use parser::{condition, projection, update as parse_update, Placeholders};
pub(crate) use update::{apply, check as check_update};
