//! Request routing over every REST path of the Lambda API model.

use laminar_model::generated::{OperationSpec, OPERATIONS};
use std::collections::HashMap;
use std::sync::OnceLock;

enum Segment {
    Literal(&'static str),
    Label(&'static str),
}

struct Template {
    spec: &'static OperationSpec,
    segments: Vec<Segment>,
}

fn templates() -> &'static [Template] {
    static TEMPLATES: OnceLock<Vec<Template>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        OPERATIONS
            .iter()
            .map(|spec| Template {
                spec,
                segments: spec
                    .path
                    .trim_start_matches('/')
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(label) => Segment::Label(label.trim_end_matches('+')),
                            None => Segment::Literal(s),
                        },
                    )
                    .collect(),
            })
            .collect()
    })
}

/// A request matched to an operation, with its decoded path labels.
pub struct Matched {
    pub operation: &'static str,
    /// The model's status for a successful answer.
    pub success_status: u16,
    pub labels: HashMap<&'static str, String>,
}

impl Matched {
    pub fn label(&self, name: &str) -> &str {
        self.labels
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }
}

/// Finds the operation for a method, path and query (first match wins: the
/// table is ordered most specific first).
pub fn match_request(method: &str, path: &str, query: &[(String, String)]) -> Option<Matched> {
    let parts: Vec<&str> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .collect();
    'templates: for template in templates() {
        if template.spec.method != method || template.segments.len() != parts.len() {
            continue;
        }
        if let Some((key, value)) = template.spec.query_literal {
            let present = query
                .iter()
                .any(|(k, v)| k == key && value.is_none_or(|value| v == value));
            if !present {
                continue;
            }
        }
        let mut labels = HashMap::new();
        for (segment, part) in template.segments.iter().zip(&parts) {
            match segment {
                Segment::Literal(lit) if lit == part => {}
                Segment::Literal(_) => continue 'templates,
                Segment::Label(name) => {
                    if part.is_empty() {
                        continue 'templates;
                    }
                    let decoded = percent_encoding::percent_decode_str(part).decode_utf8_lossy();
                    labels.insert(*name, decoded.into_owned());
                }
            }
        }
        return Some(Matched {
            operation: template.spec.name,
            success_status: template.spec.success_status,
            labels,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_reachable() {
        assert_eq!(OPERATIONS.len(), 91);
        for spec in OPERATIONS {
            let path = spec
                .path
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect::<Vec<_>>()
                .join("/");
            let query: Vec<(String, String)> = spec
                .query_literal
                .map(|(k, v)| vec![(k.to_string(), v.unwrap_or_default().to_string())])
                .unwrap_or_default();
            let m = match_request(spec.method, &path, &query).expect(spec.name);
            assert_eq!(m.operation, spec.name, "{path}");
        }
    }

    #[test]
    fn labels_are_percent_decoded() {
        let m = match_request(
            "POST",
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations",
            &[],
        )
        .unwrap();
        assert_eq!(m.operation, "Invoke");
        assert_eq!(
            m.label("FunctionName"),
            "arn:aws:lambda:us-east-1:123456789012:function:f"
        );
        assert!(match_request("GET", "/nope", &[]).is_none());
    }
}
