use crate::Pattern;
use serde_json::json;
use serde_json::Value;

fn check(pattern: &str, record: Value) -> bool {
    Pattern::parse(pattern)
        .expect("valid pattern")
        .matches(&record)
}

#[test]
fn the_documented_rules() {
    let r = json!({"body": {"kind": "order", "amount": 25, "tags": ["a", "b"], "name": "Alice", "none": null},
                    "attributes": {"SenderId": "AIDA123"}});
    assert!(check(r#"{"body": {"kind": ["order"]}}"#, r.clone()));
    assert!(!check(r#"{"body": {"kind": ["refund"]}}"#, r.clone()));
    assert!(check(
        r#"{"body": {"kind": [{"prefix": "ord"}]}}"#,
        r.clone()
    ));
    assert!(check(
        r#"{"body": {"kind": [{"suffix": "der"}]}}"#,
        r.clone()
    ));
    assert!(check(
        r#"{"body": {"name": [{"equals-ignore-case": "alice"}]}}"#,
        r.clone()
    ));
    assert!(check(
        r#"{"body": {"kind": [{"anything-but": ["refund", "return"]}]}}"#,
        r.clone()
    ));
    assert!(!check(
        r#"{"body": {"kind": [{"anything-but": "order"}]}}"#,
        r.clone()
    ));
    assert!(!check(
        r#"{"body": {"kind": [{"anything-but": {"prefix": "or"}}]}}"#,
        r.clone()
    ));
    assert!(check(
        r#"{"body": {"amount": [{"numeric": [">", 10, "<=", 25]}]}}"#,
        r.clone()
    ));
    assert!(!check(
        r#"{"body": {"amount": [{"numeric": ["<", 10]}]}}"#,
        r.clone()
    ));
    assert!(check(r#"{"body": {"amount": [25]}}"#, r.clone()));
    assert!(check(r#"{"body": {"tags": ["b"]}}"#, r.clone()));
    assert!(check(
        r#"{"body": {"missing": [{"exists": false}]}}"#,
        r.clone()
    ));
    assert!(!check(
        r#"{"body": {"missing": [{"exists": true}]}}"#,
        r.clone()
    ));
    assert!(check(
        r#"{"body": {"kind": [{"exists": true}]}}"#,
        r.clone()
    ));
    assert!(check(r#"{"body": {"none": [null]}}"#, r.clone()));
    assert!(check(
        r#"{"body": {"name": [{"wildcard": "A*e"}]}}"#,
        r.clone()
    ));
    assert!(check(
        r#"{"attributes": {"SenderId": [{"prefix": "AIDA"}]}, "body": {"kind": ["order"]}}"#,
        r.clone()
    ));
    assert!(check(
        r#"{"$or": [{"body": {"kind": ["refund"]}}, {"body": {"amount": [25]}}]}"#,
        r.clone()
    ));
    assert!(!check(
        r#"{"$or": [{"body": {"kind": ["refund"]}}, {"body": {"amount": [26]}}]}"#,
        r
    ));
}

#[test]
fn malformed_patterns_are_refused() {
    for bad in [
        "not json",
        "[]",
        r#"{"body": "x"}"#,
        r#"{"body": {"k": []}}"#,
        r#"{"body": {"k": [{"nope": 1}]}}"#,
        r#"{"body": {"k": [{"numeric": [">"]}]}}"#,
    ] {
        assert!(Pattern::parse(bad).is_err(), "{bad}");
    }
}

fn reason(pattern: &str) -> String {
    Pattern::parse(pattern).expect_err("an invalid pattern").0
}

#[test]
fn what_eventbridge_adds() {
    let e = json!({"source": "aws.ec2", "detail": {"ip": "10.0.0.42", "v6": "2001:db8::1",
        "state": "Running", "file": "/bin/x.jar", "n": 5, "items": [{"k": "a", "v": 1}, {"k": "b", "v": 2}]}});
    assert!(check(
        r#"{"detail": {"ip": [{"cidr": "10.0.0.0/24"}]}}"#,
        e.clone()
    ));
    assert!(!check(
        r#"{"detail": {"ip": [{"cidr": "10.0.1.0/24"}]}}"#,
        e.clone()
    ));
    assert!(check(
        r#"{"detail": {"v6": [{"cidr": "2001:db8::/32"}]}}"#,
        e.clone()
    ));
    assert!(check(
        r#"{"detail": {"state": [{"prefix": {"equals-ignore-case": "RUN"}}]}}"#,
        e.clone()
    ));
    assert!(check(
        r#"{"detail": {"state": [{"suffix": {"equals-ignore-case": "NING"}}]}}"#,
        e.clone()
    ));
    assert!(!check(
        r#"{"detail": {"file": [{"anything-but": {"wildcard": "*/bin/*.jar"}}]}}"#,
        e.clone()
    ));
    assert!(check(
        r#"{"detail": {"file": [{"anything-but": {"wildcard": ["/usr/*", "*.txt"]}}]}}"#,
        e.clone()
    ));
    assert!(!check(
        r#"{"detail": {"state": [{"anything-but": {"equals-ignore-case": ["running", "x"]}}]}}"#,
        e.clone()
    ));
    assert!(check(
        r#"{"detail": {"state": [{"anything-but": {"prefix": ["Stop", "Term"]}}]}}"#,
        e.clone()
    ));
    assert!(check(
        r#"{"detail": {"items": {"k": ["b"], "v": [2]}}}"#,
        e.clone()
    ));
    assert!(!check(
        r#"{"detail": {"items": {"k": ["b"], "v": [1]}}}"#,
        e.clone()
    ));
    assert!(check(
        r#"{"detail": {"n": [{"numeric": ["=", 5]}]}}"#,
        e.clone()
    ));
    assert!(!check(
        r#"{"detail": {"missing": [{"anything-but": "x"}]}}"#,
        e.clone()
    ));
    assert!(check(
        r#"{"detail": {"file": [{"wildcard": "/bin/\\*.jar"}]}}"#,
        json!({"detail": {"file": "/bin/*.jar"}})
    ));
    assert!(!check(
        r#"{"detail": {"file": [{"wildcard": "/bin/\\*.jar"}]}}"#,
        e
    ));
}

#[test]
fn reasons_for_invalid_patterns() {
    assert_eq!(
        reason(r#"{"detail": {"slug": "x"}}"#),
        "\"slug\" must be an object or an array"
    );
    assert_eq!(
        reason(r#"{"source": ["aws.health"], "detail": {}}"#),
        "Empty objects are not allowed"
    );
    assert_eq!(
        reason(r#"{"a": [{"suffix": ["x"]}]}"#),
        "suffix match pattern must be a string"
    );
    assert_eq!(
        reason(r#"{"a": [{"nope": 1}]}"#),
        "Unrecognized match type nope"
    );
    assert_eq!(
        reason(r#"{"a": [{"exists": "yes"}]}"#),
        "exists match pattern must be either true or false."
    );
    assert_eq!(
        reason(r#"{"a": [{"wildcard": "a**b"}]}"#),
        "Consecutive wildcard characters at pos 2"
    );
    assert_eq!(
        reason(r#"{"a": [{"numeric": ["<", "x"]}]}"#),
        "Value of < must be numeric"
    );
    assert!(Pattern::parse(r#"{"a": [{"cidr": "10.0.0.0/33"}]}"#).is_err());
}
