//! An `Out` written as the query protocol's XML.

use laminar_iam::{IamError, Out};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use quick_xml::escape::escape;

/// What IAM leaves as it is when it URL-encodes a policy document.
const DOCUMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'*');

/// Operations whose model output is an empty structure: their answer still
/// has the (empty) result element, which the SDKs look for. Every other
/// operation that answers nothing has no output shape.
const EMPTY_RESULT: &[&str] = &["UpdateRole"];

pub fn response(namespace: &str, action: &str, out: &Out, request_id: &str) -> String {
    let mut xml = format!("<{action}Response xmlns=\"{namespace}\">");
    let empty = matches!(out, Out::Members(m) if m.is_empty());
    if empty && EMPTY_RESULT.contains(&action) {
        xml.push_str(&format!("<{action}Result/>"));
    } else if !empty {
        xml.push_str(&format!("<{action}Result>"));
        write_members(&mut xml, out);
        xml.push_str(&format!("</{action}Result>"));
    }
    xml.push_str(&format!(
        "<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{action}Response>"
    ));
    xml
}

pub fn error(namespace: &str, e: &IamError, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        e.fault(),
        e.code,
        escape(e.message.as_str()),
    )
}

fn write_members(xml: &mut String, out: &Out) {
    if let Out::Members(members) = out {
        for (name, value) in members {
            write(xml, name, value);
        }
    }
}

fn write(xml: &mut String, name: &str, value: &Out) {
    xml.push_str(&format!("<{name}>"));
    match value {
        Out::Text(s) => xml.push_str(&escape(s.as_str())),
        Out::Document(s) => xml.push_str(&utf8_percent_encode(s, DOCUMENT).to_string()),
        Out::Number(n) => xml.push_str(&n.to_string()),
        Out::Flag(b) => xml.push_str(if *b { "true" } else { "false" }),
        Out::List(items) => {
            for item in items {
                write(xml, "member", item);
            }
        }
        Out::Members(_) => write_members(xml, value),
    }
    xml.push_str(&format!("</{name}>"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_members_lists_and_documents() {
        let out = Out::members()
            .with(
                "Role",
                Out::members()
                    .text("RoleName", "a<b")
                    .document("AssumeRolePolicyDocument", "{\"a\": 1}"),
            )
            .list("PolicyNames", vec![Out::Text("p".into())])
            .flag("IsTruncated", false);
        assert_eq!(
            response("ns", "X", &out, "id"),
            "<XResponse xmlns=\"ns\"><XResult><Role><RoleName>a&lt;b</RoleName><AssumeRolePolicyDocument>%7B%22a%22%3A%201%7D</AssumeRolePolicyDocument></Role><PolicyNames><member>p</member></PolicyNames><IsTruncated>false</IsTruncated></XResult><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></XResponse>"
        );
        assert_eq!(
            response("ns", "DeleteRole", &Out::members(), "id"),
            "<DeleteRoleResponse xmlns=\"ns\"><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></DeleteRoleResponse>"
        );
    }
}
